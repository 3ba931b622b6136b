package io.routepool.benchmarks.pools;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import org.apache.http.HttpHost;

/** routepool's {@link KeyedPool}: {@code lease(route, state, 10 s)}, {@code setState}, {@code release(entry, true)}. */
final class RoutePoolCompetitor extends Competitor {

    private final KeyedPool<HttpHost, StubConnection> pool;

    RoutePoolCompetitor(int maxPerRoute, int maxTotal) {
        pool = KeyedPool.builder(new ConnectionFactory<HttpHost, StubConnection>() {
                    @Override
                    public StubConnection create(HttpHost route) {
                        created.incrementAndGet();
                        return new StubConnection(route);
                    }

                    @Override
                    public void close(StubConnection connection, CloseMode mode) {
                        closed.incrementAndGet();
                    }
                })
                .maxTotal(maxTotal)
                .defaultMaxPerRoute(maxPerRoute)
                .build();
    }

    @Override
    public Object lease(HttpHost route, Object state) throws Exception {
        return pool.lease(route, state, TIMEOUT_SECONDS, TIMEOUT_UNIT);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void release(Object handle, Object state) {
        PoolEntry<HttpHost, StubConnection> entry = (PoolEntry<HttpHost, StubConnection>) handle;
        entry.setState(state);
        pool.release(entry, true);
    }

    @Override
    public int leased() {
        return pool.getTotalStats().leased();
    }

    @Override
    public void close() {
        pool.close();
    }
}

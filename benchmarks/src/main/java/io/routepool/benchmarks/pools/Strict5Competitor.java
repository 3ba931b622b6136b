package io.routepool.benchmarks.pools;

import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.StrictConnPool;
import org.apache.hc.core5.util.Timeout;
import org.apache.http.HttpHost;

/**
 * HttpCore 5.3.4's {@link StrictConnPool} (one lock, strict limits, FIFO waiters):
 * {@code lease(route, state, 10 s, null).get(10 s)}, {@code assignConnection} when the entry is new,
 * {@code updateState}, {@code release(entry, true)}.
 */
final class Strict5Competitor extends Competitor {

    private static final Timeout TIMEOUT = Timeout.ofSeconds(TIMEOUT_SECONDS);

    private final StrictConnPool<HttpHost, StubConnection.Http5> pool;

    Strict5Competitor(int maxPerRoute, int maxTotal) {
        pool = new StrictConnPool<>(maxPerRoute, maxTotal);
    }

    @Override
    public Object lease(HttpHost route, Object state) throws Exception {
        PoolEntry<HttpHost, StubConnection.Http5> entry = pool.lease(route, state, TIMEOUT, null).get(TIMEOUT_SECONDS, TIMEOUT_UNIT);
        if (!entry.hasConnection()) {
            created.incrementAndGet();
            entry.assignConnection(new StubConnection.Http5(closed));
        }
        return entry;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void release(Object handle, Object state) {
        PoolEntry<HttpHost, StubConnection.Http5> entry = (PoolEntry<HttpHost, StubConnection.Http5>) handle;
        entry.updateState(state);
        pool.release(entry, true);
    }

    @Override
    public int leased() {
        return pool.getTotalStats().getLeased();
    }

    @Override
    public void close() {
        pool.close();
    }
}

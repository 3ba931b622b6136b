package io.routepool.benchmarks.pools;

import org.apache.hc.core5.pool.LaxConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.util.Timeout;
import org.apache.http.HttpHost;

/**
 * HttpCore 5.3.4's {@link LaxConnPool} (lock-free structures, per-route limit only: it has no maxTotal).
 * Same calls as {@link Strict5Competitor}. Note that Lax takes the most recently released idle entry
 * and <em>closes its connection</em> if the state differs: with stub connections that close and the
 * re-creation cost nothing, so state benchmarks understate Lax's real cost (see {@link #closedCount()}).
 */
final class Lax5Competitor extends Competitor {

    private static final Timeout TIMEOUT = Timeout.ofSeconds(TIMEOUT_SECONDS);

    private final LaxConnPool<HttpHost, StubConnection.Http5> pool;

    Lax5Competitor(int maxPerRoute) {
        pool = new LaxConnPool<>(maxPerRoute);
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

package io.routepool.benchmarks.pools;

import org.apache.hc.core5.pool.LaxConnPool;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.RouteSegmentedConnPool;
import org.apache.hc.core5.pool.StrictConnPool;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.apache.http.HttpHost;

import io.routepool.httpclient5.RoutePoolConnPool;

/**
 * HttpCore 5.4.4's pools (and routepool's {@link RoutePoolConnPool}), through their common {@link ManagedConnPool} interface:
 * {@code lease(route, state, 10 s, null).get(10 s)}, {@code assignConnection} when the entry is new,
 * {@code updateState}, {@code release(entry, true)}.
 * <ul>
 *   <li>{@link StrictConnPool}: one lock, strict limits, FIFO waiters.</li>
 *   <li>{@link LaxConnPool}: lock-free structures, per-route limit only (it has no maxTotal). It takes the
 *       most recently released idle entry and <em>closes its connection</em> if the state differs: with stub
 *       connections the close and the re-creation cost nothing, so state benchmarks understate Lax's real
 *       cost (see {@link #closedCount()}).</li>
 *   <li>{@link RouteSegmentedConnPool}: HttpClient 5.6's OFFLOCK policy (experimental), per-route segments.</li>
 *   <li>{@link RoutePoolConnPool}: routepool behind the same interface.</li>
 * </ul>
 * Only one of them is loaded per fork, so the interface calls stay monomorphic.
 */
final class HttpCore5Competitor extends Competitor {

    private static final Timeout TIMEOUT = Timeout.ofSeconds(TIMEOUT_SECONDS);

    private final ManagedConnPool<HttpHost, StubConnection.Http5> pool;

    private HttpCore5Competitor(ManagedConnPool<HttpHost, StubConnection.Http5> pool) {
        this.pool = pool;
    }

    static HttpCore5Competitor strict(int maxPerRoute, int maxTotal) {
        return new HttpCore5Competitor(new StrictConnPool<>(maxPerRoute, maxTotal));
    }

    static HttpCore5Competitor lax(int maxPerRoute) {
        return new HttpCore5Competitor(new LaxConnPool<>(maxPerRoute));
    }

    static HttpCore5Competitor routepool(int maxPerRoute, int maxTotal) {
        return new HttpCore5Competitor(new RoutePoolConnPool<>(maxPerRoute, maxTotal));
    }

    static HttpCore5Competitor offlock(int maxPerRoute, int maxTotal) {
        return new HttpCore5Competitor(new RouteSegmentedConnPool<>(maxPerRoute, maxTotal, TimeValue.NEG_ONE_MILLISECOND,
                PoolReusePolicy.LIFO, (conn, mode) -> conn.close(mode)));
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
        pool.close(org.apache.hc.core5.io.CloseMode.GRACEFUL);
    }
}

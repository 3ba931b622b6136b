package io.routepool.benchmarks.pools;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.http.HttpHost;

/**
 * One pool under test, behind the smallest keyed API they all share: lease a connection for a route
 * and a state (waiting up to {@link #TIMEOUT_SECONDS}), release it reusable with a state.
 *
 * <p>Connections are stubs whose creation and close cost nothing, so what is measured is the pool's
 * own bookkeeping, locking and allocation. A JMH fork creates exactly one competitor, so only one
 * subclass is loaded and calls through this class stay monomorphic (inlined).
 *
 * <p>Handles are whatever the pool hands out (an entry, or the pooled object itself); only the
 * competitor that leased a handle may release it.
 */
public abstract class Competitor implements AutoCloseable {

    /** Every lease waits at most this long (10 s, as in the performance notes' harness). */
    public static final long TIMEOUT_SECONDS = 10;
    static final TimeUnit TIMEOUT_UNIT = TimeUnit.SECONDS;

    /** Connections the pool asked the stub factory for; a lease that reuses creates none. */
    protected final AtomicLong created = new AtomicLong();
    /** Connections the pool closed (a state mismatch in Lax, evictions, shutdown). */
    protected final AtomicLong closed = new AtomicLong();

    /**
     * Creates the competitor.
     *
     * @param maxPerRoute per-route limit (for the bag: the number of pre-filled entries)
     * @param maxTotal    pool-wide limit (ignored by Lax, which has none, and by the bag)
     */
    public static Competitor create(Pool pool, int maxPerRoute, int maxTotal) {
        return switch (pool) {
            case ROUTEPOOL -> new RoutePoolCompetitor(maxPerRoute, maxTotal);
            case HTTPCORE4 -> new HttpCore4Competitor(maxPerRoute, maxTotal);
            case STRICT5 -> HttpCore5Competitor.strict(maxPerRoute, maxTotal);
            case LAX5 -> HttpCore5Competitor.lax(maxPerRoute);
            case ROUTEPOOL5 -> HttpCore5Competitor.routepool(maxPerRoute, maxTotal);
            case OFFLOCK5 -> HttpCore5Competitor.offlock(maxPerRoute, maxTotal);
            case COMMONS_POOL2 -> new CommonsPool2Competitor(maxPerRoute, maxTotal);
            case HIKARI_BAG -> new HikariBagCompetitor(maxPerRoute);
        };
    }

    /** Leases a connection for {@code route} with {@code state} ({@code null}: none). */
    public abstract Object lease(HttpHost route, Object state) throws Exception;

    /** Sets {@code state} on the handle (pools that carry one) and releases it as reusable. */
    public abstract void release(Object handle, Object state);

    /** One lease + release cycle, the body of most benchmarks; returns the handle so that it is consumed. */
    public final Object leaseRelease(HttpHost route, Object state) throws Exception {
        Object handle = lease(route, state);
        release(handle, state);
        return handle;
    }

    /**
     * Puts one idle connection on {@code route} without going through the release path where that
     * path is not O(1) (commons-pool2's return scans every key). Default: lease and release.
     */
    public void addIdle(HttpHost route, Object state) throws Exception {
        release(lease(route, state), state);
    }

    /** Connections currently leased (must be 0 after a trial). */
    public abstract int leased();

    public final long created() {
        return created.get();
    }

    public final long closedCount() {
        return closed.get();
    }

    @Override
    public abstract void close();

    /** Fails if a connection was not given back: then the measurement itself was wrong. */
    public final void checkNothingLeased(Pool pool) {
        int leased = leased();
        if (leased != 0) {
            throw new IllegalStateException(pool + ": " + leased + " connections still leased after the trial");
        }
    }

    /** A one-line account of the trial, printed in the JMH log (connection reuse vs churn). */
    public final String summary(Pool pool) {
        return "[pool " + pool + "] connections created " + created() + ", closed " + closedCount();
    }
}

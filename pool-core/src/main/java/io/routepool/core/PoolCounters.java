package io.routepool.core;

/**
 * Monotonic counts over the pool's life, for dashboards and alerts. Read without a global lock: each
 * count is exact, the set is not one atomic snapshot. An immutable value: equal when every count is equal.
 */
public final class PoolCounters {

    private final long created;
    private final long closed;
    private final long reused;
    private final long waited;
    private final long timedOut;
    private final long leaksSuspected;
    private final long reclaimed;
    private final long stateMismatches;
    private final long selfDeadlocks;
    private final long pendingRefused;
    private final long staleFound;

    /** The counts, in the order of the accessors, with no lease refused by a cap on waiting. */
    public PoolCounters(long created, long closed, long reused, long waited, long timedOut,
            long leaksSuspected, long reclaimed, long stateMismatches, long selfDeadlocks) {
        this(created, closed, reused, waited, timedOut, leaksSuspected, reclaimed, stateMismatches, selfDeadlocks, 0);
    }

    /** The counts, in the order of the accessors, with no stale connection found. */
    public PoolCounters(long created, long closed, long reused, long waited, long timedOut,
            long leaksSuspected, long reclaimed, long stateMismatches, long selfDeadlocks, long pendingRefused) {
        this(created, closed, reused, waited, timedOut, leaksSuspected, reclaimed, stateMismatches, selfDeadlocks,
                pendingRefused, 0);
    }

    /** The counts, in the order of the accessors. */
    public PoolCounters(long created, long closed, long reused, long waited, long timedOut,
            long leaksSuspected, long reclaimed, long stateMismatches, long selfDeadlocks, long pendingRefused,
            long staleFound) {
        this.created = created;
        this.closed = closed;
        this.reused = reused;
        this.waited = waited;
        this.timedOut = timedOut;
        this.leaksSuspected = leaksSuspected;
        this.reclaimed = reclaimed;
        this.stateMismatches = stateMismatches;
        this.selfDeadlocks = selfDeadlocks;
        this.pendingRefused = pendingRefused;
        this.staleFound = staleFound;
    }

    /** Connections created. */
    public long created() {
        return created;
    }

    /** Connections closed (by release, expiry, eviction, maintenance, reclaiming or close). */
    public long closed() {
        return closed;
    }

    /**
     * Idle connections handed to leases (one that then failed its expiry, isOpen or validation check, and
     * was replaced by another, counts too).
     */
    public long reused() {
        return reused;
    }

    /** Leases that had to wait for a connection. */
    public long waited() {
        return waited;
    }

    /** Leases that timed out. */
    public long timedOut() {
        return timedOut;
    }

    /** Leases held longer than the leak threshold. */
    public long leaksSuspected() {
        return leaksSuspected;
    }

    /** Abandoned leases taken back after the reclaim threshold. */
    public long reclaimed() {
        return reclaimed;
    }

    /** Leases that opened a connection or waited while idle connections of their route carried another state. */
    public long stateMismatches() {
        return stateMismatches;
    }

    /** Leases that had to wait for connections all leased by their own thread. */
    public long selfDeadlocks() {
        return selfDeadlocks;
    }

    /** Leases refused at once by maxPendingPerRoute or maxPending ({@link PendingLimitException}). */
    public long pendingRefused() {
        return pendingRefused;
    }

    /**
     * Connections found closed by their server: a reused connection that failed a lease's check (isOpen or the
     * validator), an idle one maintenance found closed, and a request that failed before any response on a reused
     * connection ({@link KeyedPool#releaseStale}).
     */
    public long staleFound() {
        return staleFound;
    }

    private long[] values() {
        return new long[] {created, closed, reused, waited, timedOut, leaksSuspected, reclaimed, stateMismatches,
            selfDeadlocks, pendingRefused, staleFound};
    }

    @Override
    public boolean equals(Object o) {
        return this == o || (o instanceof PoolCounters && java.util.Arrays.equals(values(), ((PoolCounters) o).values()));
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values());
    }

    @Override
    public String toString() {
        return "PoolCounters[created=" + created + ", closed=" + closed + ", reused=" + reused + ", waited=" + waited
                + ", timedOut=" + timedOut + ", leaksSuspected=" + leaksSuspected + ", reclaimed=" + reclaimed
                + ", stateMismatches=" + stateMismatches + ", selfDeadlocks=" + selfDeadlocks
                + ", pendingRefused=" + pendingRefused + ", staleFound=" + staleFound + "]";
    }
}

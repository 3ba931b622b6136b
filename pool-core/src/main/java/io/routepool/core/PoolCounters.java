package io.routepool.core;

/**
 * Monotonic counts over the pool's life, for dashboards and alerts. Read without a global lock: each
 * count is exact, the set is not one atomic snapshot.
 *
 * @param created         connections created
 * @param closed          connections closed (by release, expiry, eviction, maintenance, reclaiming or close)
 * @param reused          idle connections handed to leases (one that then failed its expiry, isOpen or
 *                        validation check, and was replaced by another, counts too)
 * @param waited          leases that had to wait for a connection
 * @param timedOut        leases that timed out
 * @param leaksSuspected  leases held longer than the leak threshold
 * @param reclaimed       abandoned leases taken back after the reclaim threshold
 * @param stateMismatches leases that opened a connection or waited while idle connections of their route
 *                        carried another state
 * @param selfDeadlocks   leases that had to wait for connections all leased by their own thread
 */
public record PoolCounters(long created, long closed, long reused, long waited, long timedOut,
        long leaksSuspected, long reclaimed, long stateMismatches, long selfDeadlocks) {
}

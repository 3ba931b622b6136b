package io.routepool.core;

import java.util.List;

/**
 * The decision a lease makes under its route's lock, and what that decision leaves for it to do once the lock
 * is released. One per lease attempt, reused by each pass (owner-confined).
 */
final class RouteStep<R, C> {

    enum Outcome {
        /** The segment was purged meanwhile: look the route up again. */
        AGAIN,
        /** The pool is closed. */
        CLOSED,
        /** An idle entry of matching state, claimed: {@link #entry}. */
        HIT,
        /** Route and pool unit taken (the linearization point of a creating lease), {@link #id} drawn. */
        CREATE,
        /** The route has room, the pool has none: evict across routes or wait on maxTotal. */
        POOL_FULL,
        /** The route is full of idle entries of another state: {@link #entry} detached, its units ours. */
        TAKEOVER,
        /** The route is over a lowered limit: {@link #surplus} detached, to close; then look again. */
        SHRUNK,
        /** Full, and the lease asked not to wait. */
        FULL,
        /** Full: the lease joins the route's waiters (under the same lock). */
        WAIT,
        /** Full, every lease of the route is the thread's own, and failOnSelfDeadlock is on. */
        SELF_DEADLOCK
    }

    Outcome outcome;
    /** The route's limit the decision was made against (named by a self-deadlock report). */
    int max;
    PoolEntry<R, C> entry;
    long id;
    List<PoolEntry<R, C>> surplus;
    /** The thread's own leases when it would wait for them (self-deadlock), else null. */
    List<LeaseInfo<R>> ownLeases;
    /** Idle entries of the route that no state match could use, and up to three of their states. */
    int idleOtherState;
    Object[] idleStates;

    /**
     * Under seg.lock: decides the pass. {@code mismatchCounted}: the lease already counted its state mismatch;
     * {@code checkSelfDeadlock}: a blocking, waiting lease that has not reported one yet.
     */
    void decide(RouteSegment<R, C> seg, PoolState pool, Clocks clocks, Object state, Thread requester, boolean async,
            long now, Throwable site, boolean waits, boolean mismatchCounted, boolean checkSelfDeadlock,
            boolean failOnSelfDeadlock) {
        assert seg.lock.isHeldByCurrentThread();
        entry = null;
        surplus = null;
        ownLeases = null;
        idleOtherState = 0;
        idleStates = null;
        if (seg.isRetired()) {
            outcome = Outcome.AGAIN;
        } else if (pool.closed) {
            outcome = Outcome.CLOSED;
        } else if ((entry = LeaseLedger.claim(seg, state, requester, async, now, site)) != null) {
            outcome = Outcome.HIT;
        } else {
            decideFull(seg, pool, clocks, requester, waits, mismatchCounted, checkSelfDeadlock, failOnSelfDeadlock);
        }
    }

    private void decideFull(RouteSegment<R, C> seg, PoolState pool, Clocks clocks, Thread requester, boolean waits,
            boolean mismatchCounted, boolean checkSelfDeadlock, boolean failOnSelfDeadlock) {
        int max = seg.max(pool.defaultMaxPerRoute);
        this.max = max;
        int idle = seg.idleCount();
        if (idle > 0 && !mismatchCounted) {
            // nothing idle matched: every idle entry of the route carries another state
            idleOtherState = idle;
            idleStates = seg.idle.states(3);
        }
        if (seg.allocated() < max) {
            if (pool.reserveUnit()) {
                // route and pool unit in one critical section: the linearization point of a creating lease
                seg.takeUnitForCreate();
                id = pool.nextId();
                outcome = Outcome.CREATE;
            } else {
                outcome = Outcome.POOL_FULL;
            }
        } else if (idle > 0 && seg.allocated() == max) {
            // HttpCore's per-route excess rule: the route is full of idle entries of another state, so its
            // least recently released one makes room (its units pass to us).
            entry = seg.detachOldestIdle();
            seg.takeOverVictim(true);
            id = pool.nextId();
            outcome = Outcome.TAKEOVER;
        } else if (idle > 0) {
            surplus = Eviction.surplusLocked(seg, max);
            outcome = Outcome.SHRUNK;
        } else {
            int mine = checkSelfDeadlock ? LeaseLedger.heldOnlyBy(seg, requester) : -1;
            if (mine > 0 && mine >= max) {
                ownLeases = LeaseLedger.leases(seg, clocks.now());
            }
            if (ownLeases != null && failOnSelfDeadlock) {
                outcome = Outcome.SELF_DEADLOCK;
            } else {
                outcome = waits ? Outcome.WAIT : Outcome.FULL;
            }
        }
    }
}

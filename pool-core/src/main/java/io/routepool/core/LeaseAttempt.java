package io.routepool.core;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The slow path of one lease: reuse, create, evict or wait, until it holds an entry. Allocated only when
 * the fast path in {@link RoutePool#lease} found no usable idle entry (or for a
 * {@link KeyedPool.LeaseRequest} or an async lease); one node serves all the waits of the lease. How it waits
 * for a grant is its subclass's: {@link BlockingLease} parks, {@link AsyncLease} is resumed on the executor.
 *
 * <p>One pass ({@link #step}): under the route's lock, claim the most recently released idle entry of matching
 * state (linearization point of a reusing lease); else, if the route is under its limit, take a route unit and
 * a pool unit together (linearization point of a creating lease); else, if the route is full of idle entries
 * of another state, detach its least recently released one and take over its units (HttpCore's per-route
 * excess rule); else wait as a route waiter. A route with room in a full pool evicts across routes
 * ({@link Eviction#forLease}) or waits on maxTotal holding a reserved route unit. No I/O under any lock: the
 * victim's close, the create, and the checks of a reused entry (expiry, isOpen, validation; a failing one is
 * closed and the pass runs again within the same deadline) run after the lock is released.
 */
abstract class LeaseAttempt<R, C> extends Lessee<R, C> {

    /** The pass that returned null left this node queued (else it runs again). */
    private boolean queued;
    private boolean mismatchCounted;
    private boolean selfDeadlockReported;
    /** The limit this lease found all taken by its own thread ("maxPerRoute 2", "maxTotal 20"), or null. */
    private String selfDeadlockLimit;
    private final Eviction.Result<R, C> evicted = new Eviction.Result<>();
    private final RouteStep<R, C> routeStep = new RouteStep<>();
    /** The cap that refused this lease a wait ("maxPendingPerRoute", "maxPending"), set under a lock, thrown after it. */
    private String refusedBy;

    LeaseAttempt(PoolParts<R, C> parts, R route, Object state) {
        super(parts, route, state);
    }

    final TimeoutException timeout() {
        return p.diagnosis.timeout(this, timeoutNanos, selfDeadlockLimit);
    }

    // ---------------------------------------------------------------- the algorithm

    /** One pass of the lease: returns the leased entry, or null when this node now waits in a queue. */
    final PoolEntry<R, C> step() throws TimeoutException, IOException {
        boolean retry = retryGranted;
        retryGranted = false;
        try {
            return pass();
        } catch (TimeoutException | IOException | RuntimeException | Error e) {
            if (retry) {
                p.handOff.passRetry(segment); // the retry this lease could not use goes to the next waiter
            }
            throw e;
        }
    }

    private PoolEntry<R, C> pass() throws TimeoutException, IOException {
        for (;;) {
            if (cancelRequested()) {
                throw cancelled();
            }
            RouteSegment<R, C> seg = p.segments.getOrCreate(route);
            RouteStep<R, C> s = routeStep;
            queued = false;
            long now = p.clocks.leaseTime();
            Object jfrWaitEvent = waitStartNanos == Clocks.UNSET && timeoutNanos != 0 ? p.diagnostics.jfrBeginWait() : null;
            seg.lockExact();
            try {
                seg.warm.used = true; // every route's first lease runs here: from now on it is warmed (minIdlePerRoute)
                seg.warm.lastLease = now;
                s.decide(seg, p.pool, p.clocks, state, requester, isAsync(), now, leaseSite, timeoutNanos != 0,
                        mismatchCounted, canReportSelfDeadlock(), p.settings.failOnSelfDeadlock);
                if (s.outcome == RouteStep.Outcome.WAIT) {
                    queueOnRoute(seg, jfrWaitEvent);
                }
            } finally {
                seg.unlockExact();
            }
            if (refusedBy != null) {
                throw pendingLimit();
            }
            PoolEntry<R, C> e = afterRouteStep(seg, s);
            if (e != null || queued) {
                return e;
            }
        }
    }

    private boolean canReportSelfDeadlock() {
        return !isAsync() && timeoutNanos != 0 && !selfDeadlockReported;
    }

    /**
     * Under seg.lock: joins the route's waiters (the route is full and has no idle entry), unless a cap on waiting
     * leases refuses it ({@link #refusedBy} set; the caller throws once the lock is released).
     */
    private void queueOnRoute(RouteSegment<R, C> seg, Object jfrWaitEvent) {
        if (refusedOnRoute(seg) || refusedInPool(seg.waiters.enqueue(this, p.settings.maxPending))) {
            return;
        }
        segment = seg;
        capacityWaiter = false;
        status = WAITING;
        beginWaiting(jfrWaitEvent);
        queued = true;
    }

    /** Under seg.lock: the route already has maxPendingPerRoute leases waiting (then refusedBy is set). */
    private boolean refusedOnRoute(RouteSegment<R, C> seg) {
        assert seg.lock.isHeldByCurrentThread();
        int cap = p.settings.maxPendingPerRoute;
        if (cap > 0 && seg.pending() >= cap) {
            refusedBy = "maxPendingPerRoute";
            return true;
        }
        return false;
    }

    /** After an enqueue that maxPending may have refused: true (refusedBy set) if it did. */
    private boolean refusedInPool(boolean linked) {
        if (!linked) {
            refusedBy = "maxPending";
        }
        return !linked;
    }

    /** Outside every lock: the refusal, with the route's and the pool's counts. */
    private PendingLimitException pendingLimit() {
        String limit = refusedBy;
        refusedBy = null;
        return p.diagnosis.pendingLimit(this, limit, "maxPending".equals(limit) ? p.settings.maxPending : p.settings.maxPendingPerRoute);
    }

    /** Acts on the route step outside the lock: the entry, or null to run the pass again (or, if queued, to wait). */
    private PoolEntry<R, C> afterRouteStep(RouteSegment<R, C> seg, RouteStep<R, C> s) throws TimeoutException, IOException {
        if (s.idleOtherState > 0 && (s.outcome == RouteStep.Outcome.CREATE || s.outcome == RouteStep.Outcome.TAKEOVER)) {
            countMismatch(s, true);
        }
        if (s.ownLeases != null) {
            SelfDeadlockException deadlock = selfDeadlock(s.max, "maxPerRoute", s.ownLeases);
            if (s.outcome == RouteStep.Outcome.SELF_DEADLOCK) {
                throw deadlock;
            }
        }
        switch (s.outcome) {
            case AGAIN:
                return null;
            case CLOSED:
                throw p.pool.closedException();
            case HIT:
                return checkOut(s.entry);
            case CREATE:
                return create(seg, null, false, s.id);
            case TAKEOVER:
                return create(seg, s.entry, false, s.id);
            case SHRUNK:
                p.connections.closeDetached(seg, s.surplus);
                return null;
            case FULL:
                throw timeout();
            case WAIT:
                if (cancelRequested() && abandon()) {
                    withdraw();
                    throw cancelled();
                }
                return null;
            case POOL_FULL:
                return whenPoolFull(seg, s);
            default:
                throw new AssertionError(s.outcome);
        }
    }

    private void countMismatch(RouteStep<R, C> s, boolean opened) {
        if (s.idleOtherState > 0 && !mismatchCounted) {
            mismatchCounted = true;
            p.diagnostics.stateMismatch(route, state, s.idleOtherState, s.idleStates, opened);
        }
    }

    private SelfDeadlockException selfDeadlock(int limit, String limitName, List<LeaseInfo<R>> own) {
        selfDeadlockReported = true;
        selfDeadlockLimit = limitName + " " + limit;
        return p.diagnosis.selfDeadlock(this, limit, limitName, own, timeoutNanos);
    }

    /** The route has room, the pool has none: evict across routes, or wait on maxTotal. */
    private PoolEntry<R, C> whenPoolFull(RouteSegment<R, C> seg, RouteStep<R, C> s) throws TimeoutException, IOException {
        Eviction.Result<R, C> r = evicted;
        p.eviction.forLease(seg, this, p.clocks.leaseTime(), r);
        switch (r.outcome) {
            case AGAIN:
                return null;
            case HIT:
                return checkOut(r.entry);
            case RESERVED:
                countMismatch(s, true);
                return create(seg, null, false, r.id);
            case EVICTED:
                countMismatch(s, true);
                return create(seg, r.entry, r.victimOwnsRouteUnit, r.id);
            case NONE:
                break;
            default:
                throw new AssertionError(r.outcome);
        }
        if (canReportSelfDeadlock()) {
            List<LeaseInfo<R>> all = p.diagnosis.heldOnlyByInPool(requester);
            if (all != null) {
                SelfDeadlockException deadlock = selfDeadlock(p.pool.maxTotal, "maxTotal", all);
                if (p.settings.failOnSelfDeadlock) {
                    throw deadlock;
                }
            }
        }
        if (timeoutNanos == 0) {
            throw timeout();
        }
        return waitForCapacity(seg, s);
    }

    /**
     * Reserves a route unit of {@code seg} and joins the capacity queue, in one critical section (segment lock,
     * then the queue's), so that the route's pending count never shows a waiter that is not yet queued.
     */
    private boolean queueForCapacity(RouteSegment<R, C> seg, Object jfrWaitEvent) {
        seg.lockExact();
        try {
            if (seg.isRetired() || seg.allocated() >= seg.max(p.pool.defaultMaxPerRoute)) {
                return false; // the route filled up meanwhile: wait on it instead
            }
            p.capacity.lock.lock();
            try {
                if (p.pool.closed) {
                    throw p.pool.closedException();
                }
                if (refusedOnRoute(seg) || refusedInPool(p.capacity.enqueueLocked(this, p.settings.maxPending))) {
                    return false;
                }
                seg.reserveForCapacityWait();
                segment = seg;
                capacityWaiter = true;
                status = WAITING;
                beginWaiting(jfrWaitEvent);
                return true;
            } finally {
                p.capacity.lock.unlock();
            }
        } finally {
            seg.unlockExact();
        }
    }

    /** Holding a reserved route unit of {@code seg}, waits in the capacity queue for a pool unit. */
    private PoolEntry<R, C> waitForCapacity(RouteSegment<R, C> seg, RouteStep<R, C> s) throws TimeoutException, IOException {
        Object jfrWaitEvent = waitStartNanos == Clocks.UNSET ? p.diagnostics.jfrBeginWait() : null;
        if (!queueForCapacity(seg, jfrWaitEvent)) {
            if (refusedBy != null) {
                throw pendingLimit();
            }
            return null;
        }
        countMismatch(s, false);
        queued = true;
        // Lost wake-up guard (HandOff): we are published, so either a thread freeing capacity sees us, or we
        // see what it freed.
        boolean unit = p.pool.reserveUnit();
        PoolEntry<R, C> lru = unit ? null : p.eviction.globalLru();
        if (unit || lru != null) {
            if (abandon()) {
                queued = false;
                p.capacity.remove(this);
                capacityWaiter = false;
                return useWhatWasFreed(seg, unit, lru);
            }
            // granted (or cancelled) meanwhile: keep the grant, hand back what we took
            handBack(unit, lru);
        }
        if (cancelRequested() && abandon()) {
            withdraw();
            throw cancelled();
        }
        return null;
    }

    /** The guard found a pool unit (or an idle victim) after we had queued, and we withdrew first: use it. */
    private PoolEntry<R, C> useWhatWasFreed(RouteSegment<R, C> seg, boolean unit, PoolEntry<R, C> lru)
            throws TimeoutException, IOException {
        if (lru != null && lru.segment == seg && canUse(state, lru.state())) {
            RouteSegment<R, C> vs = lru.segment;
            vs.lockExact();
            try {
                vs.reuseDetached(lru);
                LeaseLedger.lease(lru, requester, isAsync(), p.clocks.leaseTime(), leaseSite);
            } finally {
                vs.unlockExact();
            }
            p.handOff.freeRouteUnit(seg, RouteUnit.RESERVED);
            PoolEntry<R, C> e = checkOut(lru);
            return e != null ? e : pass();
        }
        if (!reservedToLeased(seg, true)) {
            handBack(unit, lru); // the route limit was lowered meanwhile: give the pool unit back, start over
            return pass();
        }
        return create(seg, lru, lru != null, 0);
    }

    private void handBack(boolean unit, PoolEntry<R, C> lru) {
        if (unit) {
            p.handOff.releasePoolUnit();
        } else {
            p.handOff.placeAgain(lru, true);
        }
    }

}

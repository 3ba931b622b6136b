package io.routepool.core;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The slow path of one lease, and its waiter node. Allocated only when the fast path in
 * {@link LockLightPool#lease} found no usable idle entry (or for a {@link KeyedPool.LeaseRequest}
 * or an async lease); one node serves all the waits of the lease.
 *
 * <h2>Waiter protocol</h2>
 * A node waits in exactly one queue: its route segment's (blocked on maxPerRoute) or the pool's
 * capacity queue (blocked on maxTotal, holding a reserved route unit). {@link #status} decides the
 * outcome with one CAS from {@code WAITING}:
 * <ul>
 *   <li>{@code GRANTED} by whoever frees something the node can use; always done under the lock of
 *       the queue that holds the node, together with unlinking it, so a grant can never hit a later
 *       wait of the same node. The grant fields are written before the CAS and read after the owner
 *       reads the status.</li>
 *   <li>{@code ABANDONED} by the owner (timeout, interrupt) or a canceller; the winner unlinks the
 *       node and returns what it holds ({@link #withdraw()}).</li>
 * </ul>
 * A grant the owner can no longer use (it was interrupted or cancelled at the same moment) goes
 * back to the pool ({@link #giveBack()}).
 */
final class LeaseAttempt<R, C> implements KeyedPool.LeaseRequest<R, C> {

    // status
    static final int NOT_QUEUED = 0;
    static final int WAITING = 1;
    static final int GRANTED = 2;
    static final int ABANDONED = 3;

    // grant kinds
    static final int ENTRY = 1;   // an entry, already leased on the waiter's behalf
    static final int PERMIT = 2;  // capacity to create a connection (after closing the victim, if any)
    static final int RETRY = 3;   // a limit changed or a route unit was freed: run the lease again
    static final int FAILED = 4;  // the pool closed

    // request state (LeaseRequest API)
    private static final int ACTIVE = 0;
    private static final int DONE = 1;
    private static final int CANCELLED = 2;

    private static final VarHandle STATUS;
    private static final VarHandle REQUEST_STATE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATUS = l.findVarHandle(LeaseAttempt.class, "status", int.class);
            REQUEST_STATE = l.findVarHandle(LeaseAttempt.class, "requestState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final LockLightPool<R, C> pool;
    final R route;
    final Object state;
    /** Completed by an async lease; null for blocking ones. */
    final CompletableFuture<PoolEntry<R, C>> future;

    /** The thread to unpark on a grant (blocking leases). */
    volatile Thread thread;
    /**
     * The thread the lease is for, recorded as the borrower: the caller of lease or LeaseRequest.get (set
     * again by each get), or of leaseAsync. Written by the owner before the node is queued; read by granters
     * under the queue lock.
     */
    Thread requester = Thread.currentThread();
    /** The requester's stack, when stack capture is on. */
    Throwable leaseSite;

    // Diagnostics of waiting. waitStartNanos is written once per wait episode under the lock of the queue the
    // node first enters (before it is published there), so maintenance reads it under that lock; stuckReported
    // is read and written by maintenance under the queue lock.
    long waitStartNanos = LockLightPool.UNSET;
    boolean stuckReported;
    private Object jfrWait;
    private boolean mismatchCounted;
    private boolean selfDeadlockReported;
    /** The limit this lease found all taken by its own thread ("maxPerRoute 2", "maxTotal 20"), or null; for the timeout message. */
    String selfDeadlockLimit;
    long timeoutNanos;
    long deadline = LockLightPool.UNSET;

    /** WAITING -> GRANTED | ABANDONED by CAS; reset to WAITING (by the owner, under the queue lock) for each wait. */
    volatile int status;
    /** ACTIVE -> DONE | CANCELLED by CAS (LeaseRequest and async cancellation). */
    private volatile int requestState;

    // Owner-confined, describe the current or last wait.
    RouteSegment<R, C> segment;
    /** True while this node is (or was, until its grant is handled) in the capacity queue holding a route unit. */
    boolean capacityWaiter;
    /** A RETRY grant not yet acted on: if this lease ends before using it, it is passed on. */
    private boolean retryGranted;
    /** Left by LockLightPool.evictForLease (EV_*), with the lease number it drew and whose route unit the victim keeps. */
    int evictionOutcome;
    long reservedId;
    boolean evictedVictimOwnsRouteUnit;
    private boolean timerArmed;
    private PoolEntry<R, C> result;
    private Throwable failure;

    // Written by the granter before the status CAS.
    int grant;
    PoolEntry<R, C> grantedEntry;
    PoolEntry<R, C> victim;
    boolean victimOwnsRouteUnit;

    // Queue links, guarded by the lock of the queue holding the node.
    LeaseAttempt<R, C> qprev;
    LeaseAttempt<R, C> qnext;
    boolean queued;

    LeaseAttempt(LockLightPool<R, C> pool, R route, Object state, CompletableFuture<PoolEntry<R, C>> future) {
        this.pool = pool;
        this.route = route;
        this.state = state;
        this.future = future;
    }

    boolean isWaiting() {
        return status == WAITING;
    }

    /**
     * Called under the queue lock just before the node is queued: the first queueing starts the wait.
     * {@code jfrEvent} was begun by the caller before it took the lock (see Diagnostics.jfrBeginWait).
     */
    void beginWaiting(Object jfrEvent) {
        if (waitStartNanos == LockLightPool.UNSET) {
            waitStartNanos = pool.clock.nanoTime();
            jfrWait = jfrEvent;
            pool.diagnostics.waitBegins();
        }
    }

    /** The lease ended (owner thread, or the one thread that completed an async lease): reports the wait, if any. */
    private void endWaiting(boolean granted) {
        long start = waitStartNanos;
        if (start != LockLightPool.UNSET) {
            Object event = jfrWait;
            waitStartNanos = LockLightPool.UNSET;
            jfrWait = null;
            stuckReported = false;
            pool.diagnostics.waitEnded(event, route, pool.clock.nanoTime() - start, granted);
        }
    }

    boolean grant(int kind, PoolEntry<R, C> entry, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        this.grant = kind;
        this.grantedEntry = entry;
        this.victim = victim;
        this.victimOwnsRouteUnit = victimOwnsRouteUnit;
        return STATUS.compareAndSet(this, WAITING, GRANTED);
    }

    boolean abandon() {
        return STATUS.compareAndSet(this, WAITING, ABANDONED);
    }

    /** Wakes the owner after a grant; never called under a lock (the async executor is user code). */
    void wake() {
        if (future == null) {
            LockSupport.unpark(thread);
            return;
        }
        try {
            pool.asyncExecutor.execute(this::resumeAsync);
        } catch (RuntimeException rejected) {
            // the grant is committed: never let the rejection reach the thread that made it
            giveBack();
            failAsync(rejected);
        }
    }

    boolean cancelRequested() {
        return requestState == CANCELLED;
    }

    long deadline() {
        if (deadline == LockLightPool.UNSET) {
            deadline = LockLightPool.saturatedAdd(pool.clock.nanoTime(), timeoutNanos);
        }
        return deadline;
    }

    // ------------------------------------------------------------------ blocking

    /** Runs the lease to the end on the calling thread. */
    PoolEntry<R, C> runBlocking() throws InterruptedException, TimeoutException, IOException {
        boolean granted = false;
        try {
            for (;;) {
                PoolEntry<R, C> e = step();
                if (e != null) {
                    granted = true;
                    return e;
                }
                awaitGrant();
                e = onGranted();
                if (e != null) {
                    granted = true;
                    return e;
                }
            }
        } finally {
            endWaiting(granted);
        }
    }

    private void awaitGrant() throws InterruptedException, TimeoutException {
        for (;;) {
            int s = status;
            if (s == GRANTED) {
                if (cancelRequested()) {
                    giveBack();
                    throw cancelled();
                }
                return;
            }
            if (s == ABANDONED) {
                // only a canceller abandons a node it does not own; it also withdrew it
                throw cancelled();
            }
            if (Thread.interrupted()) {
                if (abandon()) {
                    withdraw();
                } else if (status == GRANTED) {
                    giveBack();
                }
                throw new InterruptedException("Interrupted while waiting for a connection to " + route);
            }
            long now = pool.clock.nanoTime();
            long dl = deadline();
            if (now >= dl) {
                if (abandon()) {
                    withdraw();
                    throw pool.timeout(this);
                }
                continue; // granted or cancelled at the same moment: take the grant
            }
            LockSupport.parkNanos(this, dl - now);
        }
    }

    // ------------------------------------------------------------------ the algorithm

    /**
     * One pass of the lease: reuse, or create, or enqueue. Returns the leased entry, or null when
     * this node now waits in a queue.
     */
    PoolEntry<R, C> step() throws TimeoutException, IOException {
        boolean retry = retryGranted;
        retryGranted = false;
        try {
            return step0();
        } catch (TimeoutException | IOException | RuntimeException | Error e) {
            if (retry) {
                pool.passRetry(segment); // the retry this lease could not use goes to the next waiter
            }
            throw e;
        }
    }

    private PoolEntry<R, C> step0() throws TimeoutException, IOException {
        for (;;) {
            if (cancelRequested()) {
                throw cancelled();
            }
            RouteSegment<R, C> seg = pool.segmentFor(route);
            PoolEntry<R, C> hit = null;
            PoolEntry<R, C> takeover = null;
            long id = 0;
            java.util.List<PoolEntry<R, C>> surplus = null;
            java.util.List<LeaseInfo<R>> ownLeases = null;
            Object[] idleStates = null;
            int idleOtherState = 0;
            int max = 0;
            int outcome;
            long now = pool.leaseClock();
            Object jfrWaitEvent = waitStartNanos == LockLightPool.UNSET && timeoutNanos != 0 ? pool.diagnostics.jfrBeginWait() : null;
            seg.lock.lock();
            try {
                if (seg.retired) {
                    outcome = O_AGAIN;
                } else if (pool.closed) {
                    outcome = O_CLOSED;
                } else if ((hit = seg.claimIdle(state, requester, future != null, now, leaseSite)) != null) {
                    outcome = O_HIT;
                } else {
                    max = pool.maxOf(seg);
                    if (seg.idle > 0 && !mismatchCounted) {
                        // nothing idle matched: every idle entry of the route carries another state
                        idleOtherState = seg.idle;
                        idleStates = seg.idleStates(3);
                    }
                    if (seg.allocated < max) {
                        if (pool.reserveGlobal()) {
                            // route and pool unit in one critical section: the linearization point of a creating lease
                            seg.allocated++;
                            seg.leased++;
                            id = pool.nextId();
                            outcome = O_CREATE;
                        } else {
                            outcome = O_POOL_FULL;
                        }
                    } else if (seg.idle > 0 && seg.allocated == max) {
                        // HttpCore's per-route excess rule: the route is full of idle entries of another
                        // state, so its least recently released one makes room (its units pass to us).
                        takeover = seg.detachIdleTail();
                        seg.leased++;
                        id = pool.nextId();
                        outcome = O_TAKEOVER;
                    } else if (seg.idle > 0) {
                        surplus = pool.detachSurplusLocked(seg, max);
                        outcome = O_SHRUNK;
                    } else {
                        int mine = future == null && timeoutNanos != 0 && !selfDeadlockReported ? seg.heldOnlyBy(requester) : -1;
                        if (mine > 0 && mine >= max) {
                            ownLeases = seg.leaseSnapshot(pool.clock.nanoTime());
                        }
                        if (ownLeases != null && pool.failOnSelfDeadlock) {
                            outcome = O_SELF_DEADLOCK;
                        } else if (timeoutNanos == 0) {
                            outcome = O_FULL;
                        } else {
                            this.segment = seg;
                            this.capacityWaiter = false;
                            this.status = WAITING;
                            beginWaiting(jfrWaitEvent);
                            seg.enqueueWaiter(this);
                            outcome = O_WAIT;
                        }
                    }
                }
            } finally {
                seg.lock.unlock();
            }
            // (a route waiter never sees idle entries: a full route with idle ones takes one over, O_TAKEOVER)
            if (idleOtherState > 0 && (outcome == O_CREATE || outcome == O_TAKEOVER)) {
                mismatchCounted = true;
                pool.diagnostics.stateMismatch(route, state, idleOtherState, idleStates, true);
            }
            if (ownLeases != null) {
                selfDeadlockReported = true;
                SelfDeadlockException deadlock = pool.selfDeadlock(this, seg.route, max, "maxPerRoute", ownLeases);
                if (outcome == O_SELF_DEADLOCK) {
                    throw deadlock;
                }
            }
            switch (outcome) {
                case O_AGAIN:
                    continue;
                case O_CLOSED:
                    throw pool.closedException();
                case O_HIT: {
                    PoolEntry<R, C> e = pool.checkOut(hit, this);
                    if (e != null) {
                        return e;
                    }
                    continue;
                }
                case O_CREATE:
                    return pool.createConnection(seg, null, false, id, this);
                case O_TAKEOVER:
                    return pool.createConnection(seg, takeover, false, id, this);
                case O_SHRUNK:
                    pool.closeSurplus(seg, surplus);
                    continue;
                case O_FULL:
                    throw pool.timeout(this);
                case O_WAIT:
                    if (cancelRequested() && abandon()) {
                        withdraw();
                        throw cancelled();
                    }
                    return null;
                default: { // O_POOL_FULL: the route has room, the pool has none
                    PoolEntry<R, C> got = pool.evictForLease(seg, this);
                    switch (evictionOutcome) {
                        case LockLightPool.EV_AGAIN:
                            continue;
                        case LockLightPool.EV_HIT: {
                            PoolEntry<R, C> e = pool.checkOut(got, this);
                            if (e != null) {
                                return e;
                            }
                            continue;
                        }
                        case LockLightPool.EV_RESERVED:
                            countMismatchOnPoolFull(idleOtherState, idleStates, true);
                            return pool.createConnection(seg, null, false, reservedId, this);
                        case LockLightPool.EV_EVICTED:
                            countMismatchOnPoolFull(idleOtherState, idleStates, true);
                            return pool.createConnection(seg, got, evictedVictimOwnsRouteUnit, reservedId, this);
                        default: // EV_NONE
                            if (future == null && timeoutNanos != 0 && !selfDeadlockReported) {
                                java.util.List<LeaseInfo<R>> all = pool.heldOnlyByInPool(requester);
                                if (all != null) {
                                    selfDeadlockReported = true;
                                    SelfDeadlockException deadlock =
                                            pool.selfDeadlock(this, seg.route, pool.getMaxTotal(), "maxTotal", all);
                                    if (pool.failOnSelfDeadlock) {
                                        throw deadlock;
                                    }
                                }
                            }
                            if (timeoutNanos == 0) {
                                throw pool.timeout(this);
                            }
                            if (!pool.reserveRouteUnitForWaiting(seg)) {
                                continue; // the route filled up meanwhile: wait on it instead
                            }
                            countMismatchOnPoolFull(idleOtherState, idleStates, false);
                            return waitForCapacity(seg);
                    }
                }
            }
        }
    }

    private static final int O_AGAIN = 0;
    private static final int O_CLOSED = 1;
    private static final int O_HIT = 2;
    private static final int O_TAKEOVER = 3;
    private static final int O_SHRUNK = 4;
    private static final int O_FULL = 5;
    private static final int O_WAIT = 6;
    private static final int O_CREATE = 7;
    private static final int O_POOL_FULL = 8;
    private static final int O_SELF_DEADLOCK = 9;

    private void countMismatchOnPoolFull(int idleOtherState, Object[] idleStates, boolean opened) {
        if (idleOtherState > 0 && !mismatchCounted) {
            mismatchCounted = true;
            pool.diagnostics.stateMismatch(route, state, idleOtherState, idleStates, opened);
        }
    }

    /** Holding a reserved route unit of {@code seg}, waits in the capacity queue for a pool unit. */
    private PoolEntry<R, C> waitForCapacity(RouteSegment<R, C> seg) throws TimeoutException, IOException {
        this.segment = seg;
        this.capacityWaiter = true;
        Object jfrWaitEvent = waitStartNanos == LockLightPool.UNSET ? pool.diagnostics.jfrBeginWait() : null;
        if (!pool.enqueueCapacityWaiter(this, jfrWaitEvent)) {
            capacityWaiter = false;
            pool.freeRouteUnit(seg, RouteUnit.RESERVED);
            throw pool.closedException();
        }
        // Lost wake-up guard: we are published (capacityWaiterCount was raised before these reads),
        // so either a thread freeing capacity sees us, or we see what it freed.
        boolean unit = pool.reserveGlobal();
        PoolEntry<R, C> lru = unit ? null : pool.evictGlobalLru(true);
        if (unit || lru != null) {
            if (abandon()) {
                pool.removeCapacityWaiter(this);
                capacityWaiter = false;
                if (lru != null && lru.segment == seg && LockLightPool.canUse(state, lru.state())) {
                    pool.reuseVictim(lru, RouteUnit.RESERVED, this);
                    PoolEntry<R, C> e = pool.checkOut(lru, this);
                    return e != null ? e : step0();
                }
                if (!pool.reservedToLeased(seg, true)) {
                    // the route limit was lowered meanwhile: give the pool unit back and start over
                    if (unit) {
                        pool.releaseGlobalUnit();
                    } else {
                        pool.restoreIdle(lru, true);
                    }
                    return step0();
                }
                return pool.createConnection(seg, lru, lru != null, 0, this);
            }
            // granted (or cancelled) meanwhile: keep the grant, hand back what we took
            if (unit) {
                pool.releaseGlobalUnit();
            } else {
                pool.restoreIdle(lru, true);
            }
        }
        if (cancelRequested() && abandon()) {
            withdraw();
            throw cancelled();
        }
        return null;
    }

    /** Handles the grant this node received. Returns the entry, or null to run the lease again. */
    PoolEntry<R, C> onGranted() throws IOException {
        int kind = grant;
        PoolEntry<R, C> entry = grantedEntry;
        PoolEntry<R, C> v = victim;
        boolean vOwns = victimOwnsRouteUnit;
        clearGrant();
        if (capacityWaiter) {
            capacityWaiter = false;
            if (kind != PERMIT) {
                pool.freeRouteUnit(segment, RouteUnit.RESERVED);
            } else if (!pool.reservedToLeased(segment, true)) {
                // the route limit was lowered while we waited: hand the pool unit on, lease again
                if (v != null) {
                    pool.restoreIdle(v, true);
                } else {
                    pool.releaseGlobalUnit();
                }
                return null;
            }
        }
        switch (kind) {
            case ENTRY:
                if (!pool.takeGranted(entry)) {
                    throw pool.closedException();
                }
                return pool.checkOut(entry, this);
            case PERMIT:
                return pool.createConnection(segment, v, vOwns, 0, this);
            case RETRY:
                retryGranted = true;
                return null;
            default:
                throw pool.closedException();
        }
    }

    /** Returns a grant this node can no longer use. */
    void giveBack() {
        int kind = grant;
        PoolEntry<R, C> entry = grantedEntry;
        PoolEntry<R, C> v = victim;
        boolean vOwns = victimOwnsRouteUnit;
        clearGrant();
        if (capacityWaiter) {
            capacityWaiter = false;
            if (kind == PERMIT) {
                pool.reservedToLeased(segment, false);
            } else {
                pool.freeRouteUnit(segment, RouteUnit.RESERVED);
            }
        }
        if (kind == ENTRY) {
            pool.requeue(entry);
        } else if (kind == PERMIT) {
            pool.dropPermit(segment, v, vOwns);
        } else if (kind == RETRY) {
            pool.passRetry(segment);
        }
    }

    private void clearGrant() {
        grantedEntry = null;
        victim = null;
        grant = 0;
    }

    /** Unlinks an abandoned node and returns what it held. Called only by the thread that abandoned it. */
    void withdraw() {
        if (capacityWaiter) {
            pool.removeCapacityWaiter(this);
            capacityWaiter = false;
            pool.freeRouteUnit(segment, RouteUnit.RESERVED);
        } else {
            RouteSegment<R, C> seg = segment;
            seg.lock.lock();
            try {
                seg.removeWaiter(this);
            } finally {
                seg.lock.unlock();
            }
        }
    }

    private CancellationException cancelled() {
        return new CancellationException("Lease request for " + route + " was cancelled");
    }

    // ------------------------------------------------------------------ LeaseRequest

    @Override
    public synchronized PoolEntry<R, C> get(long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException, IOException {
        long nanos = LockLightPool.timeoutNanos(timeout, unit);
        if (result != null) {
            return result;
        }
        if (requestState == CANCELLED) {
            throw cancelled();
        }
        if (failure != null) {
            CancellationException ce = new CancellationException("Lease request for " + route + " already failed");
            ce.initCause(failure);
            throw ce;
        }
        thread = Thread.currentThread();
        requester = thread;
        if (pool.captureLeaseStacks) {
            leaseSite = new LeaseSite(thread);
        }
        timeoutNanos = nanos;
        deadline = LockLightPool.UNSET;
        PoolEntry<R, C> e;
        try {
            e = runBlocking();
        } catch (IOException | RuntimeException | Error ex) {
            if (!(ex instanceof CancellationException) && REQUEST_STATE.compareAndSet(this, ACTIVE, DONE)) {
                failure = ex;
            }
            throw ex;
        }
        if (!REQUEST_STATE.compareAndSet(this, ACTIVE, DONE)) {
            pool.requeue(e); // cancelled at the same moment: the connection goes back
            throw cancelled();
        }
        result = e;
        return e;
    }

    @Override
    public boolean cancel() {
        if (!REQUEST_STATE.compareAndSet(this, ACTIVE, CANCELLED)) {
            return false;
        }
        if (abandon()) {
            withdraw();
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return true;
    }

    @Override
    public boolean isCancelled() {
        return requestState == CANCELLED;
    }

    @Override
    public boolean isDone() {
        return requestState != ACTIVE;
    }

    // ------------------------------------------------------------------ async

    void startAsync() {
        future.whenComplete((e, t) -> {
            if (future.isCancelled() || (t != null && requestState == ACTIVE)) {
                // cancelled or completed by the caller: withdraw the request
                if (REQUEST_STATE.compareAndSet(this, ACTIVE, CANCELLED) && abandon()) {
                    withdraw();
                }
            }
        });
        try {
            pool.asyncExecutor.execute(this::runAsync);
        } catch (RuntimeException rejected) {
            failAsync(rejected);
        }
    }

    private void runAsync() {
        try {
            PoolEntry<R, C> e = step();
            if (e != null) {
                completeAsync(e);
            } else {
                armTimer();
            }
        } catch (Throwable t) {
            failAsync(t);
        }
    }

    private void resumeAsync() {
        try {
            if (cancelRequested()) {
                giveBack();
                return;
            }
            PoolEntry<R, C> e = onGranted();
            if (e != null) {
                completeAsync(e);
            } else {
                runAsync();
            }
        } catch (Throwable t) {
            failAsync(t);
        }
    }

    private void armTimer() {
        long dl = deadline();
        if (dl == PoolEntry.NEVER) {
            return;
        }
        long delay = dl - pool.clock.nanoTime();
        if (delay <= 0) {
            onTimer(); // the deadline passed while this lease was not waiting
        } else if (!timerArmed) {
            timerArmed = true;
            // The delay runs on the JDK's delayer thread, in real time (not the pool's TimeSource);
            // the timeout itself is handled on the pool's executor, or inline if it refuses.
            CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS, Runnable::run).execute(() -> {
                try {
                    pool.asyncExecutor.execute(this::onTimer);
                } catch (RuntimeException rejected) {
                    onTimer();
                }
            });
        }
    }

    private void onTimer() {
        if (abandon()) {
            withdraw();
            failAsync(pool.timeout(this));
        }
        // else: granted (the grant completes the lease) or not waiting right now; a later wait
        // finds the deadline passed and times out on its first check.
    }

    private void completeAsync(PoolEntry<R, C> e) {
        if (!REQUEST_STATE.compareAndSet(this, ACTIVE, DONE)) {
            pool.requeue(e);
            return;
        }
        endWaiting(true);
        if (!future.complete(e)) {
            pool.requeue(e);
        }
    }

    private void failAsync(Throwable t) {
        if (REQUEST_STATE.compareAndSet(this, ACTIVE, DONE)) {
            endWaiting(false);
            future.completeExceptionally(t);
        }
    }
}

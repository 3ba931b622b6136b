package io.routepool.core;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A lease in progress, as the pool sees it: what it holds (a reserved route unit while it waits on maxTotal),
 * its deadline and request state, and the grants it receives ({@link #onGranted}) or gives back
 * ({@link #giveBack}, {@link #withdraw}). {@link LeaseAttempt} adds the search for an entry.
 */
abstract class Lessee<R, C> extends Waiter<R, C> {

    // request state (LeaseRequest and async cancellation): ACTIVE -> DONE | CANCELLED by CAS
    static final int ACTIVE = 0;
    static final int DONE = 1;
    static final int CANCELLED = 2;
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Lessee> REQUEST_STATE =
            AtomicIntegerFieldUpdater.newUpdater(Lessee.class, "requestState");
    private volatile int requestState;

    final PoolParts<R, C> p;
    /** The wait this lease gets (set by {@link #setTimeout}); Long.MAX_VALUE: forever. */
    long timeoutNanos;
    /** The caller asked to wait forever and maxLeaseWait bounded it to {@link #timeoutNanos}. */
    boolean waitCapped;
    long deadline = Clocks.UNSET;

    // Owner-confined, describe the current or last wait.
    /** True while this node is (or was, until its grant is handled) in the capacity queue holding a route unit. */
    boolean capacityWaiter;
    /** A RETRY grant not yet acted on: if this lease ends before using it, it is passed on. */
    boolean retryGranted;
    private Object jfrWait;

    Lessee(PoolParts<R, C> parts, R route, Object state) {
        super(route, state);
        this.p = parts;
    }

    final boolean cancelRequested() {
        return requestState == CANCELLED;
    }

    final int requestState() {
        return requestState;
    }

    final boolean finishRequest(int to) {
        return REQUEST_STATE.compareAndSet(this, ACTIVE, to);
    }

    /** The caller's timeout, a wait forever capped by maxLeaseWait (see {@link PoolBuilder#maxLeaseWait}). */
    final void setTimeout(long requestedNanos) {
        timeoutNanos = p.settings.effectiveTimeout(requestedNanos);
        waitCapped = timeoutNanos != requestedNanos;
    }

    /** The lease would wait forever (no timeout of its own and no cap). */
    final boolean waitsForever() {
        return timeoutNanos == Long.MAX_VALUE;
    }

    final long deadline() {
        if (deadline == Clocks.UNSET) {
            deadline = Arithmetic.saturatedAdd(p.clocks.now(), timeoutNanos);
        }
        return deadline;
    }

    final CancellationException cancelled() {
        return new CancellationException("Lease request for " + Texts.safeString(route) + " was cancelled");
    }

    // ---------------------------------------------------------------- waiting diagnostics

    /** Under the queue lock just before the node is queued: the first queueing starts the wait. */
    final void beginWaiting(Object jfrEvent) {
        if (waitStartNanos == Clocks.UNSET) {
            waitStartNanos = p.clocks.now();
            jfrWait = jfrEvent;
            p.diagnostics.waitBegins();
        }
    }

    /** The lease ended (owner thread, or the one thread that completed an async lease): reports the wait, if any. */
    final void endWaiting(boolean granted) {
        long start = waitStartNanos;
        if (start != Clocks.UNSET) {
            Object event = jfrWait;
            waitStartNanos = Clocks.UNSET;
            jfrWait = null;
            stuckReported = false;
            p.diagnostics.waitEnded(event, route, p.clocks.now() - start, granted);
        }
    }

    /**
     * A capacity waiter's reserved route unit becomes its lease's. With {@code enforceLimit}, refuses (and
     * frees the route unit) if the route went over its limit while the waiter waited.
     */
    final boolean reservedToLeased(RouteSegment<R, C> seg, boolean enforceLimit) {
        seg.lockExact();
        try {
            if (!enforceLimit || seg.allocated() <= seg.max(p.pool.defaultMaxPerRoute)) {
                seg.reservedToLeased();
                return true;
            }
        } finally {
            seg.unlockExact();
        }
        p.handOff.freeRouteUnit(seg, RouteUnit.RESERVED);
        return false;
    }

    // ---------------------------------------------------------------- outside the lock

    /** Post-checks an entry claimed or granted for this lease; null (the entry discarded) if unusable. */
    final PoolEntry<R, C> checkOut(PoolEntry<R, C> e) {
        long now = p.connections.checkTime(e);
        if (now != Clocks.UNSET && deadline == Clocks.UNSET) {
            deadline = Arithmetic.saturatedAdd(now, timeoutNanos);
        }
        return p.connections.checkOut(e, now);
    }

    final PoolEntry<R, C> create(RouteSegment<R, C> seg, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit, long id)
            throws IOException {
        return p.connections.create(seg, victim, victimOwnsRouteUnit, id, this);
    }

    // ---------------------------------------------------------------- grants

    /** Handles the grant this node received. Returns the entry, or null to run the lease again. */
    final PoolEntry<R, C> onGranted() throws IOException {
        Grant kind = grant;
        PoolEntry<R, C> entry = grantedEntry;
        PoolEntry<R, C> v = victim;
        boolean vOwns = victimOwnsRouteUnit;
        clearGrant();
        if (capacityWaiter) {
            capacityWaiter = false;
            if (kind != Grant.PERMIT) {
                p.handOff.freeRouteUnit(segment, RouteUnit.RESERVED);
            } else if (!reservedToLeased(segment, true)) {
                // the route limit was lowered while we waited: hand the pool unit on, lease again
                if (v != null) {
                    p.handOff.placeAgain(v, true);
                } else {
                    p.handOff.releasePoolUnit();
                }
                return null;
            }
        }
        switch (kind) {
            case ENTRY:
                if (!p.handOff.takeGranted(entry)) {
                    throw p.pool.closedException();
                }
                return checkOut(entry);
            case PERMIT:
                return create(segment, v, vOwns, 0);
            case RETRY:
                retryGranted = true;
                return null;
            case FAILED:
                throw p.pool.closedException();
            default:
                throw new AssertionError(kind);
        }
    }

    /** Returns a grant this node can no longer use. */
    final void giveBack() {
        Grant kind = grant;
        PoolEntry<R, C> entry = grantedEntry;
        PoolEntry<R, C> v = victim;
        boolean vOwns = victimOwnsRouteUnit;
        clearGrant();
        if (capacityWaiter) {
            capacityWaiter = false;
            if (kind == Grant.PERMIT) {
                reservedToLeased(segment, false);
            } else {
                p.handOff.freeRouteUnit(segment, RouteUnit.RESERVED);
            }
        }
        if (kind == Grant.ENTRY) {
            p.handOff.requeue(entry);
        } else if (kind == Grant.PERMIT) {
            if (v != null) { // a waiter that cannot use its permit gives it back: the victim is closed
                p.connections.closeVictim(v, vOwns);
            }
            p.handOff.freeUnit(segment, RouteUnit.LEASED);
        } else if (kind == Grant.RETRY) {
            p.handOff.passRetry(segment);
        }
    }

    private void clearGrant() {
        grantedEntry = null;
        victim = null;
        grant = null;
    }

    /** Unlinks an abandoned node and returns what it held. Called only by the thread that abandoned it. */
    final void withdraw() {
        if (capacityWaiter) {
            p.capacity.remove(this);
            capacityWaiter = false;
            p.handOff.freeRouteUnit(segment, RouteUnit.RESERVED);
        } else {
            RouteSegment<R, C> seg = segment;
            seg.lockExact();
            try {
                seg.waiters.withdraw(this);
            } finally {
                seg.unlockExact();
            }
        }
    }
}

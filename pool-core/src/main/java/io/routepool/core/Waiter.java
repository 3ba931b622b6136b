package io.routepool.core;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A waiter node: a lease that waits in exactly one queue, its route segment's (blocked on maxPerRoute) or
 * the pool's capacity queue (blocked on maxTotal, holding a reserved route unit).
 *
 * <p>{@link #status} decides each wait with one CAS from {@code WAITING}: to {@code GRANTED} by whoever frees
 * something the node can use (always under the lock of the queue holding the node, together with unlinking
 * it, so a grant can never hit a later wait of the same node; the grant fields are written before the CAS and
 * read by the owner after it reads the status), or to {@code ABANDONED} by the owner (timeout, interrupt) or
 * a canceller, which then withdraws the node and returns what it holds. How a granted owner is woken is the
 * subclass's: an unpark, or a task on the async executor; {@link #wake} is never called under a lock.
 */
abstract class Waiter<R, C> extends Linked<Waiter<R, C>> {

    static final int NOT_QUEUED = 0;
    static final int WAITING = 1;
    static final int GRANTED = 2;
    static final int ABANDONED = 3;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Waiter> STATUS =
            AtomicIntegerFieldUpdater.newUpdater(Waiter.class, "status");

    /** WAITING -> GRANTED | ABANDONED by CAS; set to WAITING by the owner, under the queue lock, for each wait. */
    volatile int status;

    /** Every lease that needs a waiter node draws the next number: the arrival order across all of a pool's queues. */
    private static final java.util.concurrent.atomic.AtomicLong ARRIVALS = new java.util.concurrent.atomic.AtomicLong();

    final R route;
    final Object state;
    /**
     * When this lease arrived, in the order of all leases that needed a node (drawn once, at construction, before
     * the node is first queued). Compared across a route's queue and the capacity queue so that a freed connection
     * goes to the oldest waiter of the pool, not only of its route.
     */
    final long arrival = ARRIVALS.incrementAndGet();
    /**
     * The thread the lease is for, recorded as the borrower: the caller of lease or LeaseRequest.get (set
     * again by each get), or of leaseAsync. Written by the owner before the node is queued; read by granters
     * and maintenance under the queue lock.
     */
    Thread requester = Thread.currentThread();
    /** The requester's stack, when stack capture is on. */
    Throwable leaseSite;

    /** The segment of the current or last wait (owner-confined; read by granters under the queue lock). */
    RouteSegment<R, C> segment;

    /**
     * When this lease began to wait (Clocks.UNSET if it has not): written once per lease, under the lock of the
     * queue the node first enters, before it is published there; maintenance reads it under that lock.
     */
    long waitStartNanos = Clocks.UNSET;
    /** Reported as stuck (maintenance, under the queue lock). */
    boolean stuckReported;

    // Written by the granter before the status CAS, read by the owner after it.
    Grant grant;
    PoolEntry<R, C> grantedEntry;
    PoolEntry<R, C> victim;
    boolean victimOwnsRouteUnit;

    Waiter(R route, Object state) {
        this.route = route;
        this.state = state;
    }

    /** HttpCore's matching rule: a null-state entry serves anyone; otherwise only an equal requested state. */
    static boolean canUse(Object requested, Object entryState) {
        return entryState == null || (requested != null && requested.equals(entryState));
    }

    final boolean isWaiting() {
        return status == WAITING;
    }

    /** Under the lock of the queue holding the node, which the caller has just unlinked it from. */
    final boolean grant(Grant kind, PoolEntry<R, C> entry, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        this.grant = kind;
        this.grantedEntry = entry;
        this.victim = victim;
        this.victimOwnsRouteUnit = victimOwnsRouteUnit;
        return STATUS.compareAndSet(this, WAITING, GRANTED);
    }

    final boolean abandon() {
        return STATUS.compareAndSet(this, WAITING, ABANDONED);
    }

    /** Leased through leaseAsync: its completion runs elsewhere, so it never counts as its thread's own lease. */
    abstract boolean isAsync();

    /** Wakes the owner after a grant; never called under a lock (the async executor is user code). */
    abstract void wake();
}

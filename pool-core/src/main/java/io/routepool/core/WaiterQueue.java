package io.routepool.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A FIFO of waiter nodes, oldest first: a route's waiters (guarded by its segment's lock) and the pool's
 * capacity waiters (guarded by the capacity queue's lock) are each one of these. Every method asserts the
 * guarding lock. A node that stopped waiting (abandoned, or granted meanwhile) may still be linked until its
 * owner withdraws it or a granter passes over it; both unlink at most once.
 */
final class WaiterQueue<R, C> extends IntrusiveList<Waiter<R, C>> {

    private final ReentrantLock lock;
    /** The pool's count of linked waiter nodes (PoolState.waiting): one per node linked here, from enqueue to unlink. */
    private final AtomicInteger linked;

    WaiterQueue(ReentrantLock lock, AtomicInteger linked) {
        this.lock = lock;
        this.linked = linked;
    }

    /** Oldest first; iterate with {@code w.next}. Under the lock. */
    Waiter<R, C> oldest() {
        assert lock.isHeldByCurrentThread();
        return head();
    }

    /** The oldest node still waiting, or null. Under the lock. */
    Waiter<R, C> oldestWaiting() {
        assert lock.isHeldByCurrentThread();
        Waiter<R, C> w = head();
        while (w != null && !w.isWaiting()) {
            w = w.next;
        }
        return w;
    }

    /**
     * Links a node that its owner is about to set WAITING, unless the pool already has {@code maxPending} (&gt; 0)
     * nodes linked: then false, and nothing changed. The CAS makes the cap exact across the queues' locks.
     */
    boolean enqueue(Waiter<R, C> w, int maxPending) {
        assert lock.isHeldByCurrentThread();
        for (;;) {
            int n = linked.get();
            if (maxPending > 0 && n >= maxPending) {
                return false;
            }
            if (linked.compareAndSet(n, n + 1)) {
                break;
            }
        }
        addLast(w);
        return true;
    }

    /** Every unlink of a node goes through here, so that the pool's count of linked nodes stays exact. */
    private void unlink(Waiter<R, C> w) {
        remove(w);
        linked.decrementAndGet();
    }

    /** Unlinks {@code w} if it is still linked (its owner withdrawing it). */
    void withdraw(Waiter<R, C> w) {
        assert lock.isHeldByCurrentThread();
        if (contains(w)) {
            unlink(w);
        }
    }

    /**
     * Grants the oldest waiting node that {@code matches} and unlinks it in the same critical section; nodes
     * found not waiting on the way are unlinked (their owners' withdraw then finds them gone).
     *
     * @param onlySegment when not null, only a node waiting for that segment qualifies
     * @param matchState  when true, only a node whose requested state can use {@code entryState} qualifies
     * @return the granted node, to wake after the lock is released, or null
     */
    Waiter<R, C> grantOldest(Grant kind, PoolEntry<R, C> entry, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit,
            RouteSegment<R, C> onlySegment, boolean matchState, Object entryState) {
        assert lock.isHeldByCurrentThread();
        Waiter<R, C> w = head();
        while (w != null) {
            Waiter<R, C> next = w.next;
            if (!w.isWaiting()) {
                unlink(w);
            } else if ((onlySegment == null || w.segment == onlySegment) && (!matchState || Waiter.canUse(w.state, entryState))) {
                unlink(w);
                if (w.grant(kind, entry, victim, victimOwnsRouteUnit)) {
                    return w;
                }
            }
            w = next;
        }
        return null;
    }

    /** Grants the oldest waiting node, whatever it waits for. */
    Waiter<R, C> grantOldest(Grant kind, PoolEntry<R, C> victim) {
        return grantOldest(kind, null, victim, false, null, false, null);
    }

    /** Unlinks every node and grants FAILED to those still waiting (the pool closed); returns those to wake. */
    List<Waiter<R, C>> failAll() {
        assert lock.isHeldByCurrentThread();
        List<Waiter<R, C>> failed = new ArrayList<>();
        Waiter<R, C> w;
        while ((w = head()) != null) {
            unlink(w);
            if (w.grant(Grant.FAILED, null, null, false)) {
                failed.add(w);
            }
        }
        return failed;
    }
}

package io.routepool.core;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The waiters blocked on maxTotal, FIFO, each holding a reserved route unit of its segment. Its lock may be
 * taken while holding a segment lock, never the other way round. Touched only when someone waits on maxTotal.
 *
 * <p>The lost wake-up protocol (see {@link HandOff}) rests on {@link #count}: it is raised, under the lock,
 * when a node is linked and before its owner re-checks the pool's units and idle entries; a thread that frees
 * a pool unit first gives it back to the counter and then reads {@code count}. With both volatile, one of the
 * two sees the other.
 */
final class CapacityQueue<R, C> {

    final ReentrantLock lock = new ReentrantLock();
    private final WaiterQueue<R, C> queue;
    /** == the queue's length; written under the lock after each change, read without it. */
    private volatile int count;

    CapacityQueue(java.util.concurrent.atomic.AtomicInteger linkedWaiters) {
        this.queue = new WaiterQueue<>(lock, linkedWaiters);
    }

    /** Racy read; see the class comment for why it suffices. */
    int count() {
        return count;
    }

    /**
     * Under the lock: links a node its owner is about to set WAITING (the owner holds its segment's lock too), unless
     * the pool has maxPending (&gt; 0) waiters already: then false.
     */
    boolean enqueueLocked(Waiter<R, C> w, int maxPending) {
        assert lock.isHeldByCurrentThread();
        if (!queue.enqueue(w, maxPending)) {
            return false;
        }
        count = queue.size();
        return true;
    }

    void remove(Waiter<R, C> w) {
        lock.lock();
        try {
            queue.withdraw(w);
            count = queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Grants the oldest waiting node (of {@code onlySegment} whose state can use {@code entryState}, when
     * {@code onlySegment} is given), unlinking it in the same critical section; null if none.
     */
    Waiter<R, C> grantOldest(Grant kind, PoolEntry<R, C> entry, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit,
            RouteSegment<R, C> onlySegment, Object entryState) {
        lock.lock();
        try {
            Waiter<R, C> w = queue.grantOldest(kind, entry, victim, victimOwnsRouteUnit, onlySegment,
                    onlySegment != null, entryState);
            count = queue.size();
            return w;
        } finally {
            lock.unlock();
        }
    }

    /** Grants the oldest waiting node a permit (a pool unit the caller holds, and {@code victim} if not null). */
    Waiter<R, C> grantPermit(PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        return grantOldest(Grant.PERMIT, null, victim, victimOwnsRouteUnit, null, null);
    }

    List<Waiter<R, C>> failAll() {
        lock.lock();
        try {
            List<Waiter<R, C>> failed = queue.failAll();
            count = 0;
            return failed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the oldest waiting capacity waiter is of another segment than {@code seg} and arrived before
     * {@code arrival}. Taken under {@code seg}'s lock (segment, then this queue's lock: the one lock order).
     */
    boolean oldestIsOtherRouteBefore(RouteSegment<R, C> seg, long arrival) {
        lock.lock();
        try {
            Waiter<R, C> w = queue.oldestWaiting();
            return w != null && w.segment != seg && w.arrival < arrival;
        } finally {
            lock.unlock();
        }
    }

    /** For maintenance's stuck-waiter check: the oldest node, under the lock. */
    Waiter<R, C> oldestLocked() {
        return queue.oldest();
    }
}

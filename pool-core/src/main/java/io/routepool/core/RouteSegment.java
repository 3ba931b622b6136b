package io.routepool.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One route's pool (HttpCore's {@code RouteSpecificPool}): its idle and leased entries and the
 * waiters that only a connection of this route can serve. Everything below is guarded by
 * {@link #lock}, which is never held across routes, never held during I/O or user callbacks
 * (except {@code state.equals}, see DESIGN.md). Two segment locks are held together only by a
 * lease's cross-route eviction, taken in {@link #order}. The pool's capacity lock may be taken while
 * holding it, never the other way round.
 */
final class RouteSegment<R, C> {

    final LockLightPool<R, C> pool;
    final R route;
    /** Lock order: when two segment locks are held (eviction for a lease), the lower order is taken first. */
    final long order;
    final ReentrantLock lock = new ReentrantLock();

    /** This route's own limit, or -1 for the pool default. Written under the pool's segment-map bin lock; read racily. */
    volatile int maxOverride;

    // ---- guarded by lock ----

    /** Idle entries, a LIFO list: head = most recently released, tail = least recently released. */
    PoolEntry<R, C> idleHead;
    PoolEntry<R, C> idleTail;
    /** Leased entries, in no particular order (for enumeration and close). */
    PoolEntry<R, C> leasedHead;

    /** Idle entries handed to leases (claimed or granted), including those then found unusable; read by getCounters. */
    long reused;

    int idle;      // == length of the idle list
    /** Idle entries taken out of the list for maintenance's probe (DETACHED, in allocated); counted as available. */
    int probing;
    int leased;    // leased entries + creations in flight for a lessee
    int reserved;  // route units held by this route's waiters in the pool's capacity queue
    /**
     * Route units in use: idle + leased + reserved + entries detached for closing.
     * Invariant: allocated <= max() at every instant, except after a limit was lowered below the
     * leased count; and idle > 0 implies allocated <= max() (surplus idle entries are closed).
     */
    int allocated;

    /** Waiters blocked on this route's limit, FIFO (head = oldest). */
    LeaseAttempt<R, C> waitHead;
    LeaseAttempt<R, C> waitTail;
    int routeWaiters;
    /** This route's waiters in the pool's capacity queue (for stats). */
    int capacityWaiters;

    /** Removed from the pool's map; a thread that finds it retired looks the route up again. */
    boolean retired;

    RouteSegment(LockLightPool<R, C> pool, R route, int maxOverride, long order) {
        this.pool = pool;
        this.route = route;
        this.order = order;
        this.maxOverride = maxOverride;
    }

    int max(int defaultMax) {
        int own = maxOverride;
        return own >= 0 ? own : defaultMax;
    }

    /**
     * HttpCore's {@code getFree(state)}: the most recently released idle entry whose state equals
     * {@code state}, else the most recently released one with a null state. Moves it to leased.
     */
    PoolEntry<R, C> claimIdle(Object state, Thread borrower, boolean async, long now, Throwable site) {
        PoolEntry<R, C> e = idleHead;
        if (e == null) {
            return null;
        }
        if (state != null) {
            for (; e != null; e = e.next) {
                if (state.equals(e.state())) {
                    return moveIdleToLeased(e, borrower, async, now, site);
                }
            }
            e = idleHead;
        }
        for (; e != null; e = e.next) {
            if (e.state() == null) {
                return moveIdleToLeased(e, borrower, async, now, site);
            }
        }
        return null;
    }

    private PoolEntry<R, C> moveIdleToLeased(PoolEntry<R, C> e, Thread borrower, boolean async, long now, Throwable site) {
        unlinkIdle(e);
        linkLeased(e);
        stamp(e, borrower, async, now, site);
        leased++;
        reused++;
        return e;
    }

    /** Records who holds the entry's new lease, and since when. */
    static void stamp(PoolEntry<?, ?> e, Thread borrower, boolean async, long now, Throwable site) {
        e.borrower = borrower;
        e.asyncLease = async;
        e.leasedAt = now;
        e.firstSeenLeased = LockLightPool.UNSET;
        e.leaseSite = site;
        e.leakReported = false;
    }

    /**
     * How many entries {@code thread} holds here, if it holds every lease of the route (no other
     * thread's lease, grant or creation in flight, and no async lease, whose completion runs elsewhere),
     * else -1.
     */
    int heldOnlyBy(Thread thread) {
        int mine = 0;
        for (PoolEntry<R, C> e = leasedHead; e != null; e = e.next) {
            if (e.placement != PoolEntry.LEASED || e.borrower != thread || e.asyncLease) {
                return -1;
            }
            mine++;
        }
        return mine == leased ? mine : -1;
    }

    /** Up to {@code max} distinct (by identity) states of idle entries, most recently released first. */
    Object[] idleStates(int max) {
        Object[] out = new Object[max];
        int n = 0;
        for (PoolEntry<R, C> e = idleHead; e != null && n < max; e = e.next) {
            Object st = e.state();
            boolean seen = false;
            for (int i = 0; i < n; i++) {
                seen |= out[i] == st;
            }
            if (!seen) {
                out[n++] = st;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** How many idle entries a lease for {@code state} cannot use (they carry another state). */
    int idleUnusableBy(Object state) {
        int n = 0;
        for (PoolEntry<R, C> e = idleHead; e != null; e = e.next) {
            if (!LockLightPool.canUse(state, e.state())) {
                n++;
            }
        }
        return n;
    }

    /** The route's leases, oldest first. */
    List<LeaseInfo<R>> leaseSnapshot(long now) {
        List<LeaseInfo<R>> out = new ArrayList<>();
        for (PoolEntry<R, C> e = leasedHead; e != null; e = e.next) {
            if (e.placement == PoolEntry.LEASED) {
                out.add(info(e, now));
            }
        }
        out.sort((a, b) -> Long.compare(b.ageNanos(), a.ageNanos()));
        return out;
    }

    /** The oldest lease of the route, or null. */
    LeaseInfo<R> oldestLease(long now) {
        PoolEntry<R, C> oldest = null;
        for (PoolEntry<R, C> e = leasedHead; e != null; e = e.next) {
            if (e.placement == PoolEntry.LEASED && (oldest == null || e.leasedAt < oldest.leasedAt)) {
                oldest = e;
            }
        }
        return oldest == null ? null : info(oldest, now);
    }

    LeaseInfo<R> info(PoolEntry<R, C> e, long now) {
        Thread t = e.borrower;
        String name = t == null ? "?" : t.getName();
        long id = t == null ? -1 : t.getId();
        Thread.State st = t == null ? null : t.getState();
        return new LeaseInfo<>(route, e.id(), e.state(), name, id, st, Math.max(0, now - e.leasedAt), e.leaseSite,
                e.asyncLease);
    }

    /** Pushes a released entry on the idle list (most recent). */
    void pushIdle(PoolEntry<R, C> e) {
        e.placement = PoolEntry.IDLE;
        e.prev = null;
        e.next = idleHead;
        if (idleHead != null) {
            idleHead.prev = e;
        } else {
            idleTail = e;
        }
        idleHead = e;
        idle++;
    }

    /** Puts back an entry that was detached from the tail (it stays the least recently released). */
    void appendIdle(PoolEntry<R, C> e) {
        e.placement = PoolEntry.IDLE;
        e.next = null;
        e.prev = idleTail;
        if (idleTail != null) {
            idleTail.next = e;
        } else {
            idleHead = e;
        }
        idleTail = e;
        idle++;
    }

    /**
     * Puts back an idle entry that was taken out for a check, at its place by release time, so that
     * LIFO reuse and least-recently-released eviction see it where it was.
     */
    void insertIdleByUpdated(PoolEntry<R, C> e) {
        PoolEntry<R, C> after = idleTail;
        while (after != null && after.updated < e.updated) {
            after = after.prev;
        }
        if (after == null) {
            pushIdle(e);
            return;
        }
        e.placement = PoolEntry.IDLE;
        e.prev = after;
        e.next = after.next;
        if (after.next != null) {
            after.next.prev = e;
        } else {
            idleTail = e;
        }
        after.next = e;
        idle++;
    }

    void unlinkIdle(PoolEntry<R, C> e) {
        if (e.prev != null) {
            e.prev.next = e.next;
        } else {
            idleHead = e.next;
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        } else {
            idleTail = e.prev;
        }
        e.prev = null;
        e.next = null;
        idle--;
    }

    /** Detaches the least recently released idle entry (it stays in {@code allocated} until closed). */
    PoolEntry<R, C> detachIdleTail() {
        PoolEntry<R, C> e = idleTail;
        if (e != null) {
            unlinkIdle(e);
            e.placement = PoolEntry.DETACHED;
        }
        return e;
    }

    void linkLeased(PoolEntry<R, C> e) {
        e.placement = PoolEntry.LEASED;
        e.prev = null;
        e.next = leasedHead;
        if (leasedHead != null) {
            leasedHead.prev = e;
        }
        leasedHead = e;
    }

    void unlinkLeased(PoolEntry<R, C> e) {
        if (e.prev != null) {
            e.prev.next = e.next;
        } else {
            leasedHead = e.next;
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        }
        e.prev = null;
        e.next = null;
    }

    // ---- route waiters (guarded by lock) ----

    void enqueueWaiter(LeaseAttempt<R, C> w) {
        w.queued = true;
        w.qprev = waitTail;
        w.qnext = null;
        if (waitTail != null) {
            waitTail.qnext = w;
        } else {
            waitHead = w;
        }
        waitTail = w;
        routeWaiters++;
    }

    void removeWaiter(LeaseAttempt<R, C> w) {
        if (!w.queued) {
            return;
        }
        if (w.qprev != null) {
            w.qprev.qnext = w.qnext;
        } else {
            waitHead = w.qnext;
        }
        if (w.qnext != null) {
            w.qnext.qprev = w.qprev;
        } else {
            waitTail = w.qprev;
        }
        w.qprev = null;
        w.qnext = null;
        w.queued = false;
        routeWaiters--;
    }

    /** The oldest waiter still waiting whose requested state can use an entry of {@code entryState}, or null. */
    LeaseAttempt<R, C> oldestWaiterFor(Object entryState) {
        for (LeaseAttempt<R, C> w = waitHead; w != null; w = w.qnext) {
            if (w.isWaiting() && LockLightPool.canUse(w.state, entryState)) {
                return w;
            }
        }
        return null;
    }

    /** The oldest waiter still waiting, or null. */
    LeaseAttempt<R, C> oldestWaiter() {
        for (LeaseAttempt<R, C> w = waitHead; w != null; w = w.qnext) {
            if (w.isWaiting()) {
                return w;
            }
        }
        return null;
    }

    List<LeaseAttempt<R, C>> drainWaiters() {
        List<LeaseAttempt<R, C>> all = new ArrayList<>(routeWaiters);
        while (waitHead != null) {
            LeaseAttempt<R, C> w = waitHead;
            removeWaiter(w);
            all.add(w);
        }
        return all;
    }

    PoolStats stats(int defaultMax) {
        return new PoolStats(leased, routeWaiters + capacityWaiters, idle + probing, max(defaultMax));
    }

    boolean isEmpty() {
        return allocated == 0 && routeWaiters == 0 && capacityWaiters == 0;
    }
}

package io.routepool.core;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A route's idle entries, most recently released first (HttpCore's {@code available} list): LIFO reuse from
 * the head, least-recently-released eviction from the tail. Guarded by the route segment's lock. Where a
 * per-state index will live: {@link #claim} is the one lookup by state.
 */
final class IdleIndex<R, C> extends IntrusiveList<PoolEntry<R, C>> {

    private final ReentrantLock lock;
    /** Claims search from the least recently released end (FIFO reuse); the list order is the same either way. */
    private final boolean fifo;

    IdleIndex(ReentrantLock lock, boolean fifo) {
        this.lock = lock;
        this.fifo = fifo;
    }

    /** Most recently released first; iterate with {@code e.next}. */
    PoolEntry<R, C> newest() {
        return head();
    }

    /** The least recently released idle entry (the eviction candidate), or null. */
    PoolEntry<R, C> oldest() {
        return tail();
    }

    /**
     * HttpCore's {@code getFree(state)}: the most recently released idle entry whose state equals
     * {@code state}, else the most recently released one with a null state; taken out of the index (the
     * caller moves it to LEASED). Under FIFO reuse, the least recently released instead. {@code state.equals}
     * is the one user call made under a lock, as in HttpCore.
     */
    PoolEntry<R, C> claim(Object state) {
        assert lock.isHeldByCurrentThread();
        if (fifo) {
            return claimOldest(state);
        }
        PoolEntry<R, C> e = head();
        if (e == null) {
            return null;
        }
        if (state != null) {
            for (; e != null; e = e.next) {
                if (state.equals(e.state())) {
                    remove(e);
                    return e;
                }
            }
            e = head();
        }
        for (; e != null; e = e.next) {
            if (e.state() == null) {
                remove(e);
                return e;
            }
        }
        return null;
    }

    /** {@link #claim} searching from the tail: httpcore5's FIFO {@code PoolReusePolicy}. */
    private PoolEntry<R, C> claimOldest(Object state) {
        PoolEntry<R, C> e = tail();
        if (e == null) {
            return null;
        }
        if (state != null) {
            for (; e != null; e = e.prev) {
                if (state.equals(e.state())) {
                    remove(e);
                    return e;
                }
            }
            e = tail();
        }
        for (; e != null; e = e.prev) {
            if (e.state() == null) {
                remove(e);
                return e;
            }
        }
        return null;
    }

    /** A released entry becomes the most recently released. */
    void push(PoolEntry<R, C> e) {
        assert lock.isHeldByCurrentThread();
        addFirst(e);
    }

    /**
     * Puts back an entry taken out for a check or an eviction that was not needed, at its place by release
     * time, so that LIFO reuse and least-recently-released eviction see it where it was.
     */
    void insertByReleaseTime(PoolEntry<R, C> e) {
        assert lock.isHeldByCurrentThread();
        PoolEntry<R, C> after = tail();
        while (after != null && after.updated < e.updated) {
            after = after.prev;
        }
        insertAfter(after, e);
    }

    /** Takes a given entry out (a sweep's or maintenance's choice). */
    void take(PoolEntry<R, C> e) {
        assert lock.isHeldByCurrentThread();
        remove(e);
    }

    /** Takes out the least recently released entry, or returns null. */
    PoolEntry<R, C> removeOldest() {
        assert lock.isHeldByCurrentThread();
        return removeLast();
    }

    /** Up to {@code max} distinct (by identity) states of idle entries, most recently released first. */
    Object[] states(int max) {
        Object[] out = new Object[max];
        int n = 0;
        for (PoolEntry<R, C> e = head(); e != null && n < max; e = e.next) {
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
    int unusableBy(Object state) {
        int n = 0;
        for (PoolEntry<R, C> e = head(); e != null; e = e.next) {
            if (!Waiter.canUse(state, e.state())) {
                n++;
            }
        }
        return n;
    }
}

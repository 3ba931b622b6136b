package io.routepool.core;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A route's idle entries, most recently released first (HttpCore's {@code available} list): LIFO reuse from
 * the head, least-recently-released eviction from the tail. Guarded by the route segment's lock. Beside the one
 * list, an index from state to the list of idle entries of that state, in the same order, so that a lease finds
 * the most recently released entry of its state in O(1) however many idle entries carry other states (a map by
 * {@code state}: its {@code hashCode} and {@code equals} are the user calls made under the lock; a state must be
 * usable as a map key).
 */
final class IdleIndex<R, C> extends IntrusiveList<PoolEntry<R, C>> {

    /** The idle entries of one state, most recently released first (linked through {@code statePrev/stateNext}). */
    static final class StateList<R, C> {
        final Object state;
        PoolEntry<R, C> head;
        PoolEntry<R, C> tail;

        StateList(Object state) {
            this.state = state;
        }
    }

    private final ReentrantLock lock;
    /** Claims search from the least recently released end (FIFO reuse); the list order is the same either way. */
    private final boolean fifo;
    /** Entries whose state is null. */
    private final StateList<R, C> nullState = new StateList<>(null);
    /** Non-null state -> its list; a list leaves the map when it empties. Created on first use. */
    private java.util.HashMap<Object, StateList<R, C>> byState;

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
     * caller moves it to LEASED). Under FIFO reuse, the least recently released instead. O(1): one map lookup.
     */
    PoolEntry<R, C> claim(Object state) {
        assert lock.isHeldByCurrentThread();
        StateList<R, C> l = null;
        if (state != null && byState != null) {
            l = byState.get(state);
        }
        if (l == null) {
            l = nullState;
        }
        PoolEntry<R, C> e = fifo ? l.tail : l.head;
        if (e != null) {
            remove(e);
        }
        return e;
    }

    /**
     * The most recently released idle entry whose state equals {@code state} (no fallback to a null state), taken out
     * of the index, or null. For a lease that knows no parked entry of its state exists (RouteSegment.claimOfState).
     */
    PoolEntry<R, C> claimOfState(Object state) {
        assert lock.isHeldByCurrentThread() && !fifo;
        StateList<R, C> l = state == null ? nullState : byState == null ? null : byState.get(state);
        PoolEntry<R, C> e = l == null ? null : l.head;
        if (e != null) {
            remove(e);
        }
        return e;
    }

    /** Whether an idle entry of {@code state} is in the index. */
    boolean hasState(Object state) {
        assert lock.isHeldByCurrentThread();
        if (state == null) {
            return nullState.head != null;
        }
        return byState != null && byState.containsKey(state);
    }

    // ---------------------------------------------------------------- the state lists follow the one list

    private StateList<R, C> listFor(Object state) {
        if (state == null) {
            return nullState;
        }
        if (byState == null) {
            byState = new java.util.HashMap<>();
        }
        StateList<R, C> l = byState.get(state);
        if (l == null) {
            l = new StateList<>(state);
            byState.put(state, l);
        }
        return l;
    }

    @Override
    void addFirst(PoolEntry<R, C> e) {
        super.addFirst(e);
        StateList<R, C> l = listFor(e.state());
        linkState(l, e, null, l.head);
    }

    @Override
    void addLast(PoolEntry<R, C> e) {
        super.addLast(e);
        StateList<R, C> l = listFor(e.state());
        linkState(l, e, l.tail, null);
    }

    /** In the state list, after the nearest entry of the same list that precedes it in the one list. */
    @Override
    void insertAfter(PoolEntry<R, C> at, PoolEntry<R, C> e) {
        if (at == null) {
            addFirst(e);
            return;
        }
        super.insertAfter(at, e);
        StateList<R, C> l = listFor(e.state());
        PoolEntry<R, C> before = e.prev;
        while (before != null && before.stateList != l) {
            before = before.prev;
        }
        linkState(l, e, before, before == null ? l.head : before.stateNext);
    }

    @Override
    void remove(PoolEntry<R, C> e) {
        super.remove(e);
        StateList<R, C> l = e.stateList;
        if (e.statePrev != null) {
            e.statePrev.stateNext = e.stateNext;
        } else {
            l.head = e.stateNext;
        }
        if (e.stateNext != null) {
            e.stateNext.statePrev = e.statePrev;
        } else {
            l.tail = e.statePrev;
        }
        e.statePrev = null;
        e.stateNext = null;
        e.stateList = null;
        if (l.head == null && l != nullState) {
            byState.remove(l.state);
        }
    }

    private static <R, C> void linkState(StateList<R, C> l, PoolEntry<R, C> e, PoolEntry<R, C> before, PoolEntry<R, C> after) {
        e.stateList = l;
        e.statePrev = before;
        e.stateNext = after;
        if (before != null) {
            before.stateNext = e;
        } else {
            l.head = e;
        }
        if (after != null) {
            after.statePrev = e;
        } else {
            l.tail = e;
        }
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

package io.routepool.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * A route's <em>state spots</em>: for each state, a place where one parked entry of that state waits once it has left
 * its thread's spot (the second tier of the lock-free path; see DESIGN.md, "State spots"). A release whose thread spot
 * holds another parked entry moves that entry here instead of taking the lock, and a lease whose thread spot holds an
 * entry of another state claims the entry of its own state here; so a thread that moves between states (HttpClient's
 * user tokens) or holds several connections of a route at once stays off the lock.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A spot is made, and the map is made, only under the segment's lock (no allocation on the lock-free path); it is
 *       read without it.</li>
 *   <li>A spot's {@code entry} is a hint, the entry's word is the truth; a spot holds at most one <em>parked</em> entry:
 *       a release replaces an entry only if it is not parked. A claim leaves its entry showing (the entry's release
 *       then moves it back with no write on the spot), so the entry shown may be leased, parked in a thread spot, or
 *       idle in the index; every parked entry is in a thread spot or in the spot it was last moved to, or both.</li>
 *   <li>A spot that got a parked entry is {@linkplain #list listed} before that entry leaves its thread spot, so an
 *       exact view, which reads the thread spots first and drains the list after, sees the entry in one of the two.</li>
 *   <li>A spot leaves the map only in an exact view ({@link #purge}), after the capture, and is marked {@code dead}
 *       before; a release that filled a dead spot reads the mark after filling it and has its entry's release finished
 *       under the lock (RouteSegment.Rescuer).</li>
 * </ul>
 */
final class StateSpots<R, C> {

    /** The map key of the null state (a ConcurrentHashMap takes no null key). */
    private static final Object NULL_STATE = new Object();

    /** One state's spot. */
    static final class Spot<R, C> {
        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Spot, PoolEntry> ENTRY =
                AtomicReferenceFieldUpdater.newUpdater(Spot.class, PoolEntry.class, "entry");
        @SuppressWarnings("rawtypes")
        private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Spot> LISTED =
                java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Spot.class, "listed");

        final Object key;
        /** The entry last moved here (a hint); written by CAS without the lock. */
        volatile PoolEntry<R, C> entry;
        /** 1 while on the list of spots to drain; set by CAS (so a spot is on the list once), cleared by the drainer. */
        volatile int listed;
        /** Out of the map (set under the lock by purge, before it reads {@code entry}). */
        volatile boolean dead;
        /** The next listed spot: written by the pusher before its CAS on the head, read by the drainer, under the lock. */
        Spot<R, C> nextListed;

        Spot(Object key) {
            this.key = key;
        }

        boolean replace(PoolEntry<R, C> expect, PoolEntry<R, C> update) {
            return ENTRY.compareAndSet(this, expect, update);
        }
    }

    private final java.util.concurrent.locks.ReentrantLock lock;
    /** State key -> its spot; null until the first spot is made (most routes never need one). */
    private volatile ConcurrentHashMap<Object, Spot<R, C>> map;
    /** The listed spots, a push-only stack (no ABA: nothing pops but the drainer, who takes the whole stack). */
    private final AtomicReference<Spot<R, C>> listedHead = new AtomicReference<>();

    StateSpots(java.util.concurrent.locks.ReentrantLock lock) {
        this.lock = lock;
    }

    private static Object key(Object state) {
        return state == null ? NULL_STATE : state;
    }

    /** Without a lock: the live spot of {@code state}, or null. */
    Spot<R, C> get(Object state) {
        ConcurrentHashMap<Object, Spot<R, C>> m = map;
        if (m == null) {
            return null;
        }
        Spot<R, C> s = m.get(key(state));
        return s == null || s.dead ? null : s;
    }

    /**
     * Without a lock: the live spot of {@code e}'s state, found from the spot the entry last knew (no hashing) when that
     * spot's key is the entry's state object itself, else looked up (and remembered in the entry).
     */
    Spot<R, C> spotOf(PoolEntry<R, C> e) {
        Object state = e.state();
        Spot<R, C> s = e.stateSpot;
        if (s != null && s.key == key(state) && !s.dead) {
            return s;
        }
        s = get(state);
        if (s != null) {
            e.stateSpot = s;
        }
        return s;
    }

    /** Under the lock: makes the spot of {@code state} if it has none (a later release can then move an entry there). */
    void ensure(Object state) {
        assert lock.isHeldByCurrentThread();
        ConcurrentHashMap<Object, Spot<R, C>> m = map;
        if (m == null) {
            m = new ConcurrentHashMap<>();
            map = m;
        }
        Object k = key(state);
        if (m.get(k) == null) {
            m.put(k, new Spot<>(k));
        }
    }

    int size() {
        ConcurrentHashMap<Object, Spot<R, C>> m = map;
        return m == null ? 0 : m.size();
    }

    /** Without a lock: puts {@code s} on the list an exact view drains, unless it is on it already. */
    void list(Spot<R, C> s) {
        if (s.listed == 0 && Spot.LISTED.compareAndSet(s, 0, 1)) {
            Spot<R, C> h;
            do {
                h = listedHead.get();
                s.nextListed = h;
            } while (!listedHead.compareAndSet(h, s));
        }
    }

    /**
     * Under the lock, in an exact view: takes the whole list of listed spots; walk it with {@link #unlist}.
     */
    Spot<R, C> takeListed() {
        assert lock.isHeldByCurrentThread();
        return listedHead.getAndSet(null);
    }

    /**
     * Under the lock: takes {@code s} (from {@link #takeListed}) off the list and returns the next one. The caller reads
     * {@code s.entry} after this: a release writes entry, then reads listed, so one of the two sees the other.
     */
    static <R, C> Spot<R, C> unlist(Spot<R, C> s) {
        Spot<R, C> next = s.nextListed; // read before clearing listed: a release may push the spot again at once
        s.nextListed = null;
        s.listed = 0;
        return next;
    }

    /**
     * Under the lock, in an exact view after its capture: drops the spots of states that have no idle entry, so
     * that states that are gone are forgotten. A spot's entry found parked here (a release that filled it after the
     * capture) is returned through {@code rescue} for the caller to capture.
     */
    void purge(IdleIndex<R, C> idle, java.util.function.Consumer<PoolEntry<R, C>> rescue) {
        assert lock.isHeldByCurrentThread();
        ConcurrentHashMap<Object, Spot<R, C>> m = map;
        if (m == null) {
            return;
        }
        for (Spot<R, C> s : m.values()) {
            if (idle.hasState(s.key == NULL_STATE ? null : s.key)) {
                continue;
            }
            s.dead = true; // then read entry: a release that fills the spot reads dead after (one sees the other)
            m.remove(s.key, s);
            PoolEntry<R, C> e = s.entry;
            if (e != null) {
                rescue.accept(e);
            }
        }
    }

    /**
     * A closed entry leaves its state's spot and the spot it last knew (so that a spot keeps no closed connection
     * reachable; a claim leaves its entry showing in the spot, and the entry's state may have changed since).
     */
    void forget(PoolEntry<R, C> e) {
        Spot<R, C> known = e.stateSpot;
        if (known != null) {
            known.replace(e, null);
            e.stateSpot = null;
        }
        Spot<R, C> s = get(e.state());
        if (s != null) {
            s.replace(e, null);
        }
    }
}

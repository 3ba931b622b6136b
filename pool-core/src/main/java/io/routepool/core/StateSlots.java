package io.routepool.core;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A route's lock-free parking places keyed by state (see RouteSegment, "States"): an open-addressed table of entry
 * references, indexed by the hash of the state an entry was released with (non-null states only), so that a lease
 * finds an idle connection of its state without the lock however many other states are idle.
 *
 * <p>Like the thread spots, a slot is a hint: the entry's word is the truth, and a slot may keep naming an entry that
 * is leased, idle in the index or (briefly) closed. An entry parks only in a slot that already names it or was empty
 * (taken by CAS); only the segment's lock empties a slot (a capture, or forgetting a closed entry). Everything here is
 * volatile or atomic: the orderings below are Dekker pairs (each side writes, then reads the other's word).
 *
 * <p>Invariants:
 * <ul>
 *   <li>a parked entry in a slot has its bit set in {@link #used} (the parker sets the bit before its park CAS; a
 *       capture clears a bit only under the lock, before it empties that slot, and sets it again if the slot is
 *       found taken after all; a parker that takes an emptied slot reads the bit after its CAS and sets it); so a capture that visits the set bits visits every parked entry, at a cost that
 *       grows with the slots in use, not with every state ever seen;</li>
 *   <li>HttpCore's rule for one thread (the newest idle entry of the state asked for): an entry parks here only if no
 *       other parked entry of its state is in its window or in its thread's spot, so a window holds at most one
 *       parked entry of a state, and it is newer than any entry of that state in the index (every placement into the
 *       index takes an exact view first, which captures every parked entry).</li>
 * </ul>
 * The table is replaced (never resized in place) under the segment's lock, inside an exact view; a parker that parked
 * in a replaced table finds {@link RouteSegment#stateSlots} changed after its CAS and takes its entry back.
 */
final class StateSlots<R, C> {

    /** Slots a state may use, from its home slot on. */
    static final int WINDOW = 4;
    static final int MIN_CAPACITY = 16;
    static final int MAX_CAPACITY = 1 << 16;

    final AtomicReferenceArray<PoolEntry<R, C>> slots;
    /** Bit i of word i / 64: slot i may name an entry. */
    private final AtomicLongArray used;
    private final int mask;
    private final int shift;

    StateSlots(int capacity) {
        if (Integer.bitCount(capacity) != 1 || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be a power of two in [16, 65536], was " + capacity);
        }
        this.slots = new AtomicReferenceArray<>(capacity);
        this.used = new AtomicLongArray((capacity + 63) >>> 6);
        this.mask = capacity - 1;
        this.shift = 32 - Integer.numberOfTrailingZeros(capacity);
    }

    /** The capacity for a route of {@code units} connections: four slots each, a power of two within the bounds. */
    static int capacityFor(int units) {
        long want = Math.max(MIN_CAPACITY, 4L * units);
        int c = Integer.highestOneBit((int) Math.min(MAX_CAPACITY, want));
        return c < want && c < MAX_CAPACITY ? c << 1 : c;
    }

    int capacity() {
        return mask + 1;
    }

    private int home(Object state) {
        return (state.hashCode() * 0x9E3779B9) >>> shift; // Fibonacci hashing: the high bits, well mixed
    }

    /** Without a lock: claims a parked entry of {@code state} (not null) in its window, or returns null. */
    PoolEntry<R, C> claim(Object state) {
        int h = home(state);
        for (int k = 0; k < WINDOW; k++) {
            PoolEntry<R, C> e = slots.get((h + k) & mask);
            if (e == null) {
                continue;
            }
            int w = e.word();
            if (PoolEntry.isParked(w) && state.equals(e.state()) && e.claimParked(w)) {
                return e; // the state is read after the word: the CAS fails if a lease came and went since
            }
        }
        return null;
    }

    /** A parked entry of {@code state} (not null) is in its window (racy unless the lock holder has turned fast off). */
    boolean hasParked(Object state) {
        int h = home(state);
        for (int k = 0; k < WINDOW; k++) {
            PoolEntry<R, C> e = slots.get((h + k) & mask);
            if (e != null && PoolEntry.isParked(e.word()) && state.equals(e.state())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Without a lock, by the lessee releasing {@code e} with {@code state} (not null): the slot where {@code e} may
     * park (naming it, its bit set), or -1 when it must release under the lock: another parked entry of its state is
     * in the window (parking would break LIFO), or the window is full.
     */
    int place(PoolEntry<R, C> e, Object state) {
        int h = home(state);
        int own = -1;
        int free = -1;
        for (int k = 0; k < WINDOW; k++) {
            int j = (h + k) & mask;
            PoolEntry<R, C> x = slots.get(j);
            if (x == e) {
                own = j;
            } else if (x == null) {
                if (free < 0) {
                    free = j;
                }
            } else if (PoolEntry.isParked(x.word()) && state.equals(x.state())) {
                return -1;
            }
        }
        if (own < 0) {
            if (free < 0 || !slots.compareAndSet(free, null, e)) {
                return -1;
            }
            own = free;
            e.stateSlot = own; // a slot it named under an earlier state is emptied by the next capture
        }
        markUsed(own);
        return own;
    }

    private void markUsed(int j) {
        int i = j >>> 6;
        long bit = 1L << j;
        long v = used.get(i);
        while ((v & bit) == 0 && !used.compareAndSet(i, v, v | bit)) {
            v = used.get(i);
        }
    }

    private void clearUsed(int j) {
        int i = j >>> 6;
        long bit = 1L << j;
        long v = used.get(i);
        while ((v & bit) != 0 && !used.compareAndSet(i, v, v & ~bit)) {
            v = used.get(i);
        }
    }

    /**
     * Under the segment's lock, in an exact view ({@link RouteSegment#fast} false): captures every parked entry into
     * {@code out} from {@code n} on (PARKED to IDLE) and empties every slot in use (clearing its bit first); returns
     * the new count. {@code out} must have room for {@link #inUse} more.
     */
    int captureInto(PoolEntry<R, C>[] out, int n) {
        for (int i = 0; i < used.length(); i++) {
            long v = used.get(i);
            while (v != 0) {
                int j = (i << 6) + Long.numberOfTrailingZeros(v);
                v &= v - 1;
                PoolEntry<R, C> e = slots.get(j);
                if (e != null && e.capture()) {
                    out[n++] = e;
                }
                clearUsed(j); // before emptying: a parker that takes the slot then sets the bit again
                if ((e == null || !slots.compareAndSet(j, e, null)) && slots.get(j) != null) {
                    markUsed(j); // taken meanwhile by a parker that saw the bit still set: keep it visible
                }
            }
        }
        return n;
    }

    /** Under the lock: an upper bound of the entries {@link #captureInto} may capture. */
    int inUse() {
        int n = 0;
        for (int i = 0; i < used.length(); i++) {
            n += Long.bitCount(used.get(i));
        }
        return n;
    }

    /** A closed entry leaves the slot it took (so that no slot keeps a closed connection reachable). */
    void forget(PoolEntry<R, C> e) {
        int j = e.stateSlot;
        if (j >= 0 && j <= mask) {
            slots.compareAndSet(j, e, null);
        }
    }
}

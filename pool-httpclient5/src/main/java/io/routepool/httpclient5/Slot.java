package io.routepool.httpclient5;

import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.PoolEntry;

/**
 * What pool-core pools on behalf of a {@link RoutePoolConnPool}: one httpcore5 {@link PoolEntry} (made once, when
 * pool-core creates the connection, and kept for that pool-core entry's life), the pool-core entry it belongs to,
 * and the completed future a lease served from an idle connection returns. So a lease that reuses a connection
 * allocates nothing: the entry, its back-pointer and its future all exist already.
 *
 * <p>The future is immutable once {@link #core} is set (it only ever answers "done, with this entry"), so one
 * per connection serves every lease of it; a caller that kept an old lease's future sees the entry it was given,
 * as with httpcore5's own {@code BasicFuture}.
 */
final class Slot<T, C extends ModalCloseable> implements Future<PoolEntry<T, C>> {

    /** The httpcore5 entry the caller sees. Its connection may come and go (the manager assigns and discards). */
    final PoolEntry<T, C> entry;
    /**
     * The pool-core entry that owns this slot. Written once, by the first lease of the slot (before the entry is
     * published to the caller, so every later reader that reached the slot through a lease sees it), never reset.
     */
    io.routepool.core.PoolEntry<T, Slot<T, C>> core;
    /**
     * A number in [0, 1) drawn at random when the slot is made, independently for each one, and never changed: how
     * much of the {@code timeToLiveJitter} a connection of this slot takes off its time to live
     * ({@link ConnectionConfigExpiry}). Fixed per slot, so that every release of the connection computes the same
     * deadline (a deadline that moved later would keep a connection past the life it was given).
     */
    final double timeToLiveDraw;
    /**
     * 1 while a caller holds a lease of this slot (set on each lease, cleared at the start of its release; ordered
     * writes, no fence on the hit path). When pool-core closes the connection of a slot still leased (a shutdown
     * with IMMEDIATE, an abandoned lease reclaimed), the slot stays mapped so that the holder's release still reaches
     * pool-core, which then frees the entry; the release unmaps it.
     */
    private volatile int leased;
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Slot> LEASED = AtomicIntegerFieldUpdater.newUpdater(Slot.class, "leased");

    Slot(final PoolEntry<T, C> entry) {
        this.entry = entry;
        this.timeToLiveDraw = ThreadLocalRandom.current().nextDouble();
    }

    void markLeased() {
        LEASED.lazySet(this, 1);
    }

    void markReleased() {
        LEASED.lazySet(this, 0);
    }

    boolean isLeased() {
        return leased != 0;
    }

    @Override
    public boolean cancel(final boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean isDone() {
        return true;
    }

    @Override
    public PoolEntry<T, C> get() {
        return entry;
    }

    @Override
    public PoolEntry<T, C> get(final long timeout, final TimeUnit unit) {
        return entry;
    }

    @Override
    public String toString() {
        return "[lease completed: " + entry + "]";
    }
}

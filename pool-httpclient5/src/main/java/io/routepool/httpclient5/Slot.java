package io.routepool.httpclient5;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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

    Slot(final PoolEntry<T, C> entry) {
        this.entry = entry;
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

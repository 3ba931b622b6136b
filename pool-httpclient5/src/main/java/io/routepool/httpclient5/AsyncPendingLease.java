package io.routepool.httpclient5;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.PoolEntry;

import io.routepool.core.PoolClosedException;

/**
 * A lease that could not be served at once and proceeds on its own (pool-core's non-blocking lease): it completes
 * when a connection is created or handed over, or fails when its request timeout passes, and calls the callback once,
 * on the thread that completes it, outside every lock.
 *
 * <p>Race rules (so that no entry is ever left leased to nobody): the status moves once out of PENDING, by CAS. The
 * pool-core future's completion is the only place an entry arrives; if the status is no longer PENDING by then (the
 * caller cancelled, or gave up in {@code get}), the entry goes straight back to the pool. A caller of {@link #get}
 * that is interrupted or times out cancels; if the lease completed at that very moment and there is no callback to
 * own the entry, {@code get} gives the entry back and reports the interrupt or timeout.
 */
final class AsyncPendingLease<T, C extends ModalCloseable>
        implements Future<PoolEntry<T, C>>, BiConsumer<io.routepool.core.PoolEntry<T, Slot<T, C>>, Throwable> {

    private static final int PENDING = 0;
    private static final int DONE = 1;
    private static final int FAILED = 2;
    private static final int CANCELLED = 3;
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<AsyncPendingLease> STATUS =
            AtomicIntegerFieldUpdater.newUpdater(AsyncPendingLease.class, "status");

    private final RoutePoolConnPool<T, C> pool;
    private final T route;
    private final CompletableFuture<io.routepool.core.PoolEntry<T, Slot<T, C>>> core;
    private final FutureCallback<PoolEntry<T, C>> callback;
    /** Counted down once the status has left PENDING (after the fields below are written). */
    private final CountDownLatch settled = new CountDownLatch(1);

    /** PENDING until the lease completes, fails or is cancelled; then final (except DONE to CANCELLED, see get). */
    private volatile int status;
    /** Written before the status CAS to DONE that publishes it. */
    private volatile io.routepool.core.PoolEntry<T, Slot<T, C>> result;
    /** Written before the status CAS to FAILED that publishes it. */
    private volatile Exception failure;

    AsyncPendingLease(final RoutePoolConnPool<T, C> pool, final T route,
            final CompletableFuture<io.routepool.core.PoolEntry<T, Slot<T, C>>> core,
            final FutureCallback<PoolEntry<T, C>> callback) {
        this.pool = pool;
        this.route = route;
        this.core = core;
        this.callback = callback;
        core.whenComplete(this);
    }

    /** pool-core's lease completed (on the thread that completed it, outside its locks). */
    @Override
    public void accept(final io.routepool.core.PoolEntry<T, Slot<T, C>> e, final Throwable t) {
        if (t == null) {
            result = e;
            // mapped before DONE is visible: a get() that gives the entry back releases it through the map
            final Slot<T, C> slot = pool.register(e);
            if (STATUS.compareAndSet(this, PENDING, DONE)) {
                pool.onLease(slot);
                settled.countDown();
                if (callback != null) {
                    callback.completed(slot.entry);
                }
            } else {
                pool.giveBack(e); // cancelled meanwhile: nobody will ever see this lease
            }
            return;
        }
        final Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof CancellationException) {
            if (STATUS.compareAndSet(this, PENDING, CANCELLED)) {
                settled.countDown();
                if (callback != null) {
                    callback.cancelled();
                }
            }
            return;
        }
        final Exception ex = cause instanceof PoolClosedException ? RoutePoolConnPool.shutDown((PoolClosedException) cause)
                : cause instanceof Exception ? (Exception) cause : new ExecutionException(failed(), cause);
        failure = ex;
        if (STATUS.compareAndSet(this, PENDING, FAILED)) {
            settled.countDown();
            if (callback != null) {
                callback.failed(ex);
            }
        }
    }

    /** Withdraws the lease if it is still pending (an entry granted at the same moment goes back to the pool). */
    @Override
    public boolean cancel(final boolean mayInterruptIfRunning) {
        if (!STATUS.compareAndSet(this, PENDING, CANCELLED)) {
            return false;
        }
        settled.countDown();
        core.cancel(false);
        if (callback != null) {
            callback.cancelled();
        }
        return true;
    }

    @Override
    public boolean isCancelled() {
        return status == CANCELLED;
    }

    @Override
    public boolean isDone() {
        return status != PENDING;
    }

    @Override
    public PoolEntry<T, C> get() throws InterruptedException, ExecutionException {
        if (status != PENDING) {
            return settledOutcome(); // done: as every Future, no matter the caller's interrupt flag
        }
        try {
            settled.await();
        } catch (final InterruptedException ex) {
            abandon();
            throw ex;
        }
        return settledOutcome();
    }

    /**
     * Waits up to {@code timeout}. The lease's own timeout throws its explaining {@link TimeoutException} (not wrapped,
     * as HttpClient's classic manager expects); a shorter wait that runs out cancels the lease and says so.
     */
    @Override
    public PoolEntry<T, C> get(final long timeout, final TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (status != PENDING) {
            return outcome();
        }
        try {
            if (!settled.await(timeout, unit)) {
                if (cancel(true)) {
                    throw new TimeoutException("Timeout waiting " + unit.toMillis(timeout) + " ms for a connection to "
                            + pool.describe(route));
                }
                settled.await(); // completed at this very moment: take what it is
            }
        } catch (final InterruptedException ex) {
            abandon();
            throw ex;
        }
        return outcome();
    }

    private PoolEntry<T, C> settledOutcome() throws ExecutionException {
        try {
            return outcome();
        } catch (final TimeoutException ex) {
            throw new ExecutionException(failed(), ex);
        }
    }

    /** The caller of {@code get} stops waiting: cancel, or, completed already with no callback to own it, give it back. */
    private void abandon() {
        if (!cancel(true) && callback == null && STATUS.compareAndSet(this, DONE, CANCELLED)) {
            pool.release(result.connection().entry, true);
        }
    }

    private PoolEntry<T, C> outcome() throws ExecutionException, TimeoutException {
        switch (status) {
            case DONE:
                return result.connection().entry;
            case FAILED:
                final Exception ex = failure;
                if (ex instanceof TimeoutException) {
                    throw (TimeoutException) ex;
                }
                throw new ExecutionException(failed(), ex);
            default:
                throw new CancellationException("Lease of a connection to " + route + " was cancelled");
        }
    }

    @Override
    public String toString() {
        return "[lease of " + route + (isDone() ? ": done]" : ": pending]");
    }

    /** The wrapper's own message: one that copied its cause's would print the cause's twice. */
    private String failed() {
        return "Lease of a connection to " + route + " failed";
    }
}

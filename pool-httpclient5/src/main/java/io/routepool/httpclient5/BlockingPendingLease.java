package io.routepool.httpclient5;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.PoolEntry;

import io.routepool.core.KeyedPool;
import io.routepool.core.PoolClosedException;

/**
 * A lease that could not be served at once, for a caller that waits for it in {@link #get} on its own thread
 * (HttpClient 5's classic manager): the wait is pool-core's blocking lease, run by that thread. So pool-core knows
 * who waits: a thread that already holds every connection of the route is named in a self-deadlock report at once,
 * an interrupt ends the wait with nothing left behind, and a timeout's message says who holds what.
 * {@link #cancel} from any thread ends the wait.
 *
 * <p>Not done until {@code get} has run: a caller that never calls {@code get} leases nothing.
 */
final class BlockingPendingLease<T, C extends ModalCloseable> implements Future<PoolEntry<T, C>> {

    private final RoutePoolConnPool<T, C> pool;
    private final T route;
    private final KeyedPool.LeaseRequest<T, Slot<T, C>> request;
    /**
     * The lease's own request timeout, or Long.MAX_VALUE: {@code get} waits the shorter of it and its own timeout
     * (HttpClient's classic manager passes the same timeout to both, one call after the other).
     */
    private final long timeoutNanos;
    /** The entry, once {@code get} leased it (guarded by this object's monitor, as {@code get} is serial). */
    private PoolEntry<T, C> result;

    BlockingPendingLease(final RoutePoolConnPool<T, C> pool, final T route,
            final KeyedPool.LeaseRequest<T, Slot<T, C>> request, final long timeoutNanos) {
        this.pool = pool;
        this.route = route;
        this.request = request;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public PoolEntry<T, C> get() throws InterruptedException, ExecutionException {
        try {
            return await(Long.MAX_VALUE);
        } catch (final TimeoutException ex) {
            throw new ExecutionException(failed(), ex);
        }
    }

    @Override
    public PoolEntry<T, C> get(final long timeout, final TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return await(timeout <= 0 ? 0 : unit.toNanos(timeout));
    }

    private synchronized PoolEntry<T, C> await(final long waitNanos) throws InterruptedException, ExecutionException, TimeoutException {
        if (result != null) {
            return result;
        }
        final long nanos = Math.min(waitNanos, timeoutNanos);
        final io.routepool.core.PoolEntry<T, Slot<T, C>> e;
        try {
            e = request.get(nanos, TimeUnit.NANOSECONDS);
        } catch (final PoolClosedException ex) {
            throw new ExecutionException(RoutePoolConnPool.shutDown(ex));
        } catch (final IOException ex) {
            throw new ExecutionException(failed(), ex);
        } catch (final CancellationException | TimeoutException | InterruptedException ex) {
            throw ex;
        } catch (final RuntimeException ex) {
            throw new ExecutionException(failed(), ex);
        }
        result = pool.leased(e).entry;
        return result;
    }

    /** Ends a wait at once (from any thread); true only if nothing was leased yet. */
    @Override
    public boolean cancel(final boolean mayInterruptIfRunning) {
        return request.cancel();
    }

    @Override
    public boolean isCancelled() {
        return request.isCancelled();
    }

    @Override
    public boolean isDone() {
        return request.isDone();
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

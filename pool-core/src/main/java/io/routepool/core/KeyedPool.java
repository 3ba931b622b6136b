package io.routepool.core;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A keyed connection pool with the semantics of HttpCore 4.4's {@code AbstractConnPool}: per-route
 * pools with {@code maxPerRoute} and a shared {@code maxTotal}, state-matched LIFO reuse, time to
 * live, keep-alive expiry and validation after inactivity; but with no lock shared across routes on
 * the lease path, no I/O under any lock, and waiters served first come, first served.
 * Where it deliberately differs from HttpCore, DESIGN.md says so.
 *
 * <p>Create one with {@link #builder(ConnectionFactory)}. All methods are thread-safe.
 *
 * @param <R> route: any type with value {@code equals}/{@code hashCode}
 * @param <C> connection
 */
public interface KeyedPool<R, C> extends Closeable {

    static <R, C> PoolBuilder<R, C> builder(ConnectionFactory<R, C> factory) {
        return new PoolBuilder<>(factory);
    }

    /**
     * Leases a connection for {@code route} whose state equals {@code state} (or is {@code null};
     * a {@code null} request takes only {@code null}-state connections), the most recently released
     * first; else creates one if the route and the pool are under their limits; else waits, first come
     * first served, up to {@code timeout}. A zero timeout never waits.
     *
     * @throws TimeoutException      no connection within the timeout; the message names the route,
     *                               its limit and the pool's counts
     * @throws InterruptedException  interrupted while waiting; nothing is left behind
     * @throws IOException           the factory failed to create a connection (its capacity is returned)
     * @throws PoolClosedException   the pool is closed or was closed while waiting
     * @throws IllegalArgumentException a {@code null} route or unit, or a negative timeout
     */
    PoolEntry<R, C> lease(R route, Object state, long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException, IOException;

    /**
     * Leases an idle connection for {@code route} that {@code state} can use, as {@link #lease} would take
     * it, or returns {@code null} at once: it never creates, evicts or waits, and allocates nothing. The
     * front half of a lease, for adapters whose callers must never block (a miss continues with
     * {@link #leaseAsync}).
     *
     * @throws PoolClosedException   the pool is closed
     * @throws IllegalArgumentException a {@code null} route
     */
    PoolEntry<R, C> tryLease(R route, Object state);

    /**
     * A lease that can be cancelled from another thread while it waits: {@link LeaseRequest#get}
     * leases as {@link #lease} does; {@link LeaseRequest#cancel()} ends the wait at once.
     */
    LeaseRequest<R, C> newRequest(R route, Object state);

    /**
     * Leases without blocking the caller. The future completes with the entry, or exceptionally as
     * {@link #lease} would throw. Waiting parks no thread; creation, closing and validation run on the
     * pool's executor. Cancelling the future withdraws the request; an entry granted at the same
     * moment goes back to the pool.
     */
    CompletableFuture<PoolEntry<R, C>> leaseAsync(R route, Object state, long timeout, TimeUnit unit);

    /**
     * Returns a leased entry. A reusable entry goes back to the idle connections with its state,
     * {@code updated = now} and {@code expiry = validityDeadline}; otherwise it is closed and its
     * capacity freed. Either way the oldest waiter that can use it is served.
     *
     * @throws IllegalStateException the entry was not leased from this pool, or was already released;
     *                               nothing changes
     */
    void release(PoolEntry<R, C> entry, boolean reusable);

    /**
     * As {@link #release(PoolEntry, boolean)}, with a keep-alive: the idle connection expires at
     * {@code min(now + keepAlive, validityDeadline)}; a keep-alive {@code <= 0} means no limit but the
     * time to live.
     */
    void release(PoolEntry<R, C> entry, boolean reusable, long keepAlive, TimeUnit unit);

    /**
     * Releases a leased entry whose connection failed before any response on this lease, as a server's idle close
     * makes it fail (HttpClient's {@code NoHttpResponseException}): the connection is closed, as
     * {@code release(entry, false)} closes it. If it was a reused connection, that is a stale connection found
     * ({@link PoolCounters#staleFound()}): the route's other idle connections released before now are validated before
     * they are handed out (they were usually closed with it), and the route learns its server's idle close
     * ({@link PoolBuilder#learnIdleClose}).
     *
     * <p>The default, for pools that learn nothing, is {@code release(entry, false)}.
     *
     * @throws IllegalStateException as {@link #release(PoolEntry, boolean)}
     */
    default void releaseStale(PoolEntry<R, C> entry) {
        release(entry, false);
    }

    int getMaxTotal();

    /** Sets maxTotal (&gt; 0). Lowering it closes surplus idle connections at once; leased ones are never touched. */
    void setMaxTotal(int max);

    int getDefaultMaxPerRoute();

    /** Sets the limit of routes without their own (&gt; 0). Lowering it closes surplus idle connections at once. */
    void setDefaultMaxPerRoute(int max);

    /** The limit of {@code route}: its own if set, else the default. */
    int getMaxPerRoute(R route);

    /** Sets the limit of {@code route} (&ge; 0; 0 blocks the route). Lowering it closes surplus idle connections at once. */
    void setMaxPerRoute(R route, int max);

    /** Removes the route's own limit, so that the default applies again. */
    void clearMaxPerRoute(R route);

    /** Counts over all routes, with {@code max = maxTotal}. Summed route by route, not an atomic snapshot. */
    PoolStats getTotalStats();

    /** Counts of {@code route}. Like HttpCore, this registers the route in {@link #getRoutes()} until the next sweep. */
    PoolStats getStats(R route);

    /** The routes that have a route pool (purged of empty ones by {@link #closeIdle} and {@link #closeExpired}). */
    Set<R> getRoutes();

    /** Closes idle connections released at least {@code idleTime} ago (all of them when {@code idleTime <= 0}). */
    void closeIdle(long idleTime, TimeUnit unit);

    /** Closes idle connections whose expiry has passed. */
    void closeExpired();

    /** A snapshot of the idle entries, most recently released first within each route. */
    List<PoolEntry<R, C>> availableEntries();

    /** A snapshot of the leased entries. */
    List<PoolEntry<R, C>> leasedEntries();

    /**
     * Runs one maintenance pass now, on the calling thread: what the background task does every
     * {@link PoolBuilder#maintenanceInterval} (closes expired, over-idle and half-closed idle connections,
     * reclaims abandoned leases, reports leaks and stuck waiters). For pools built without background
     * maintenance, and for tests.
     */
    void maintain();

    /** Who holds what: every current lease with its route, borrower thread and age, oldest first. */
    List<LeaseInfo<R>> leases();

    /** Counts over the pool's life: created, closed, reused, waited, timed out, leaks, reclaimed, state mismatches, self-deadlocks. */
    PoolCounters getCounters();

    /**
     * How many leases of {@code route} opened a new connection or waited while idle connections of the route
     * carried another state (the first one is logged with its remedy).
     */
    long getStateMismatches(R route);

    /** Idle connections idle longer than this are validated before they are handed out; {@code <= 0} disables. */
    void setValidateAfterInactivity(long time, TimeUnit unit);

    long getValidateAfterInactivity(TimeUnit unit);

    /**
     * Closes the pool: waiters fail at once, new leases are refused, idle connections are closed
     * gracefully. {@link CloseMode#GRACEFUL} closes leased connections when they come back;
     * {@link CloseMode#IMMEDIATE} closes them now (their lessees' I/O fails) and their release is a no-op.
     * Idempotent.
     */
    void close(CloseMode mode);

    /**
     * A graceful drain: closes the pool as {@link CloseMode#GRACEFUL} does (new leases refused, waiters failed at once,
     * idle connections closed), then waits up to {@code grace} for the leased connections to come back (each is closed
     * as it does); those still out then are closed as {@link CloseMode#IMMEDIATE} would (Reactor Netty's
     * {@code disposeTimeout}). The wait is in real time, whatever the pool's time source; an interrupt ends it early
     * (the thread's interrupt status is kept). A pool already closed is drained the same way.
     *
     * @return true if every connection came back within {@code grace}, false if some were closed under their lessees
     */
    boolean close(java.time.Duration grace);

    /** {@code close(CloseMode.GRACEFUL)}. */
    @Override
    void close();

    boolean isClosed();

    /** The name reports and timeout messages start with ({@link PoolBuilder#poolName}; default {@code routepool-N}). */
    String name();

    /** A lease that another thread can cancel while it waits. */
    interface LeaseRequest<R, C> {

        /**
         * Leases as {@link KeyedPool#lease} does. After success, returns the same entry again.
         *
         * @throws CancellationException the request was cancelled
         */
        PoolEntry<R, C> get(long timeout, TimeUnit unit) throws InterruptedException, TimeoutException, IOException;

        /** Cancels the request; a waiting {@link #get} ends at once. True only for the call that cancelled it before it completed. */
        boolean cancel();

        boolean isCancelled();

        /** Completed with an entry, cancelled, or failed by the factory. */
        boolean isDone();
    }
}

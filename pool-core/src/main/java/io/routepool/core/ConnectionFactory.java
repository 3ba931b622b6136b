package io.routepool.core;

import java.io.IOException;

/**
 * Makes and disposes of the pooled connections. The pool never calls it under a lock: a slow
 * {@code create} delays only the caller that asked for the new connection.
 *
 * @param <R> route (any type with value {@code equals}/{@code hashCode})
 * @param <C> connection
 */
public interface ConnectionFactory<R, C> {

    /**
     * Creates a connection for {@code route}. Called on the leasing thread (or the async executor)
     * after capacity has been reserved; if it throws, the reservation is returned and the exception
     * reaches the caller. Must not return {@code null}.
     */
    C create(R route) throws IOException;

    /**
     * A connection ready to serve a lease with no setup by its lessee, made ahead of any lease to keep
     * {@link PoolBuilder#minIdlePerRoute} idle connections on a route. Called on the pool's warming executor
     * ({@link PoolBuilder#warmingExecutor}), never under a lock, never on a request thread.
     *
     * <p>Returns {@code null} when {@code route} cannot be warmed now (the pool asks again at a later maintenance
     * pass and counts no failure). A thrown exception is a failed attempt: the route backs off exponentially, and
     * the first failure of a run of them is logged once. The default is {@link #create}: right for factories whose
     * {@code create} returns a ready connection; factories whose lessee connects what {@code create} returns
     * (HttpClient's) connect here.
     */
    default C createIdle(R route) throws IOException {
        return create(route);
    }

    /**
     * Closes {@code connection}. Called exactly once per created connection, outside any lock.
     * Exceptions are logged and otherwise ignored.
     */
    void close(C connection, CloseMode mode);

    /**
     * Whether the connection is still open from the pool's point of view (a cheap local check, no I/O).
     * Idle connections found closed are dropped at lease. Defaults to {@code true}.
     */
    default boolean isOpen(C connection) {
        return true;
    }
}

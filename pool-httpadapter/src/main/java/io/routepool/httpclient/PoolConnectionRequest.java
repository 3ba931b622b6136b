package io.routepool.httpclient;

import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.http.HttpClientConnection;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.conn.ConnectionRequest;
import org.apache.http.conn.routing.HttpRoute;

/**
 * One {@code requestConnection}: a pool-core lease request and, once it succeeds, its handle. Nothing is reserved
 * until {@link #get} is called, as in HttpClient; {@code get} again after a success returns the same handle.
 */
final class PoolConnectionRequest implements ConnectionRequest {

    /** The manager's logger: HttpClient's users find "Connection leased" there. */
    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);

    /**
     * The manager, never read: a request (or a thread waiting in its get) keeps its manager reachable, as HttpClient's
     * inner request class does, so that the manager is not shut down as unreachable under a live request.
     */
    private final Object manager;
    private final KeyedPool<HttpRoute, PooledConnection> pool;
    private final ConfigData configData;
    /** The manager's shut-down flag: a lease started after shutdown fails at once, as in HttpClient. */
    private final AtomicBoolean isShutDown;
    private final HttpRoute route;
    private final KeyedPool.LeaseRequest<HttpRoute, PooledConnection> lease;
    /** Guarded by {@code this}: the handle returned by the successful get. */
    private ConnectionProxy proxy;
    /** Guarded by {@code this}: why preparing the leased connection failed; a later get rethrows it. */
    private Throwable failure;

    PoolConnectionRequest(
            final Object manager,
            final KeyedPool<HttpRoute, PooledConnection> pool,
            final ConfigData configData,
            final AtomicBoolean isShutDown,
            final HttpRoute route,
            final KeyedPool.LeaseRequest<HttpRoute, PooledConnection> lease) {
        this.manager = manager;
        this.pool = pool;
        this.configData = configData;
        this.isShutDown = isShutDown;
        this.route = route;
        this.lease = lease;
    }

    /** Not synchronized: it must end a {@code get} that waits while holding the monitor. */
    @Override
    public boolean cancel() {
        return this.lease.cancel();
    }

    /**
     * HttpClient's {@code get}: a timeout {@code <= 0} waits forever, a {@code null} unit with a positive timeout
     * means milliseconds; a reused connection gets its socket timeout reset from the socket config. The
     * exceptions are {@link LeaseExceptions#translate}'s.
     */
    @Override
    public synchronized HttpClientConnection get(final long timeout, final TimeUnit timeUnit)
            throws InterruptedException, ExecutionException, ConnectionPoolTimeoutException {
        if (this.proxy != null) {
            return this.proxy;
        }
        if (this.failure != null) {
            // the lease succeeded, then failed; its entry went back to the pool and may be leased again
            throw new ExecutionException("The connection leased for this request could not be prepared", this.failure);
        }
        if (this.isShutDown.get()) {
            throw LeaseExceptions.refused(null); // as HttpClient: a lease started after shutdown fails with the raw exception
        }
        final PoolEntry<HttpRoute, PooledConnection> entry;
        try {
            // HttpClient: <= 0 waits forever; pool-core: 0 does not wait.
            entry = timeout > 0
                    ? this.lease.get(timeout, timeUnit != null ? timeUnit : TimeUnit.MILLISECONDS)
                    : this.lease.get(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
        } catch (final Exception ex) {
            throw rethrow(ex);
        }
        final ConnectionProxy leased = prepare(entry);
        this.proxy = leased;
        try {
            if (LOG.isDebugEnabled()) {
                final String message = DebugMessages.leased(entry);
                if (message != null) {
                    LOG.debug(message + DebugMessages.stats(this.pool, this.route));
                }
            }
        } catch (final RuntimeException logFailed) {
            // the lease succeeded and is the caller's: a failing logging backend must not lose it
        }
        return leased;
    }

    /** The handle for {@code entry}, its socket timeout reset; if that throws, the entry goes back and get fails for good. */
    private ConnectionProxy prepare(final PoolEntry<HttpRoute, PooledConnection> entry) {
        final ConnectionProxy leased = new ConnectionProxy(this.pool, entry);
        try {
            if (leased.isOpen()) {
                leased.setSocketTimeout(this.configData.resolveSocketConfig(ConfigData.firstHop(this.route)).getSoTimeout());
            }
        } catch (final RuntimeException | Error ex) {
            this.failure = ex;
            leased.detach();
            this.pool.release(entry, false);
            throw ex;
        }
        return leased;
    }

    /**
     * Throws {@link LeaseExceptions#translate}'s exception for {@code ex} as one of the types {@link #get} declares;
     * never returns (the return type lets the caller write {@code throw rethrow(ex)}).
     */
    private RuntimeException rethrow(final Exception ex)
            throws InterruptedException, ExecutionException, ConnectionPoolTimeoutException {
        final Exception translated = LeaseExceptions.translate(ex, this.route, true);
        if (translated instanceof ConnectionPoolTimeoutException) {
            throw (ConnectionPoolTimeoutException) translated;
        }
        if (translated instanceof ExecutionException) {
            throw (ExecutionException) translated;
        }
        if (translated instanceof InterruptedException) {
            throw (InterruptedException) translated;
        }
        if (translated instanceof RuntimeException) {
            throw (RuntimeException) translated;
        }
        // not reached: translate maps every checked exception lease.get declares
        throw new ExecutionException(translated);
    }
}

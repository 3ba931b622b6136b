package io.routepool.httpclient;

import io.routepool.core.CloseMode;
import io.routepool.core.KeyedPool;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.http.conn.routing.HttpRoute;

/**
 * A manager's shutdown, run once: from {@link RoutePoolConnectionManager#shutdown()}, or from
 * {@link UnreachableCleanup} if the manager was dropped without it. Holds the pool and the flag, never the
 * manager, so that the manager can become unreachable.
 */
final class ManagerShutdown implements Runnable {

    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);

    private final KeyedPool<HttpRoute, PooledConnection> pool;
    private final AtomicBoolean isShutDown;

    ManagerShutdown(final KeyedPool<HttpRoute, PooledConnection> pool, final AtomicBoolean isShutDown) {
        this.pool = pool;
        this.isShutDown = isShutDown;
    }

    /** The graceful drain: marks the manager shut down (so that run() does nothing after), then drains the pool. */
    boolean drain(final java.time.Duration grace) {
        if (java.util.Objects.requireNonNull(grace, "grace").isNegative()) {
            throw new IllegalArgumentException("grace must be >= 0 (0 = no wait), was " + grace); // before anything closes
        }
        if (this.isShutDown.compareAndSet(false, true)) {
            try {
                LOG.debug("Connection manager is shutting down, waiting up to " + grace + " for requests in flight");
            } catch (final RuntimeException logFailed) {
                // a failing logging backend must not keep the pool open
            }
        }
        final boolean drained = this.pool.close(grace);
        try {
            LOG.debug(drained ? "Connection manager shut down" : "Connection manager shut down; connections still leased after " + grace + " were shut");
        } catch (final RuntimeException logFailed) {
            // the pool is closed; nothing else to do
        }
        return drained;
    }

    @Override
    public void run() {
        if (this.isShutDown.compareAndSet(false, true)) {
            try {
                LOG.debug("Connection manager is shutting down");
            } catch (final RuntimeException logFailed) {
                // a failing logging backend must not keep the pool open
            } finally {
                // idle connections are closed politely (as HttpClient does), leased ones are shut down (reset), waiters fail
                this.pool.close(CloseMode.IMMEDIATE);
            }
            try {
                LOG.debug("Connection manager shut down");
            } catch (final RuntimeException logFailed) {
                // the pool is closed; nothing else to do
            }
        }
    }
}

package io.routepool.httpclient;

import io.routepool.core.PoolLogger;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Writes the pool's log records to commons-logging, HttpClient 4.5's logging facade, so that the pool's
 * reports go wherever the application already sends HttpClient's logs: one logging system per host. The
 * logger names stay pool-core's ({@link PoolLogger#DIAGNOSTICS}, {@link PoolLogger#POOL}); DEBUG is
 * {@code debug}, WARNING is {@code warn}, with the throwable.
 *
 * <p>Cheap on the pool's paths: the two {@link Log}s are looked up once, when the manager is built (as
 * HttpClient's classes hold theirs), so a record costs the backend's level check and nothing else. A backend
 * that throws costs no lease: pool-core drops what its logger throws.
 */
final class CommonsLoggingPoolLogger implements PoolLogger {

    private final Log diagnostics = LogFactory.getLog(PoolLogger.DIAGNOSTICS);
    private final Log pool = LogFactory.getLog(PoolLogger.POOL);

    private Log log(final String name) {
        // the pool passes its constants (equals tests identity first); any other name is looked up as it comes
        if (PoolLogger.DIAGNOSTICS.equals(name)) {
            return this.diagnostics;
        }
        if (PoolLogger.POOL.equals(name)) {
            return this.pool;
        }
        return LogFactory.getLog(name);
    }

    @Override
    public boolean isEnabled(final String name, final Level level) {
        final Log log = log(name);
        return level == Level.WARNING ? log.isWarnEnabled() : log.isDebugEnabled();
    }

    @Override
    public void log(final String name, final Level level, final String message, final Throwable thrown) {
        final Log log = log(name);
        if (level == Level.WARNING) {
            if (thrown != null) {
                log.warn(message, thrown);
            } else {
                log.warn(message);
            }
        } else {
            if (thrown != null) {
                log.debug(message, thrown);
            } else {
                log.debug(message);
            }
        }
    }

    @Override
    public String toString() {
        return "commons-logging";
    }
}

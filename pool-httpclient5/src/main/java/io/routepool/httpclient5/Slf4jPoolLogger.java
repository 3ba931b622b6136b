package io.routepool.httpclient5;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.routepool.core.PoolLogger;

/**
 * Writes the pool's records to SLF4J, HttpClient 5's logging facade, so that the pool's reports go wherever the
 * application already sends HttpClient's logs. The logger names stay pool-core's ({@link PoolLogger#DIAGNOSTICS}
 * for reports, {@link PoolLogger#POOL} for the pool's mechanics); DEBUG is {@code debug}, WARNING is {@code warn}.
 * The two loggers are looked up once; a backend that throws costs no lease (pool-core drops what a logger throws).
 */
final class Slf4jPoolLogger implements PoolLogger {

    static final Slf4jPoolLogger INSTANCE = new Slf4jPoolLogger();

    private final Logger diagnostics = LoggerFactory.getLogger(PoolLogger.DIAGNOSTICS);
    private final Logger pool = LoggerFactory.getLogger(PoolLogger.POOL);

    private Logger logger(final String name) {
        if (PoolLogger.DIAGNOSTICS.equals(name)) {
            return this.diagnostics;
        }
        if (PoolLogger.POOL.equals(name)) {
            return this.pool;
        }
        return LoggerFactory.getLogger(name);
    }

    @Override
    public boolean isEnabled(final String name, final Level level) {
        final Logger log = logger(name);
        return level == Level.WARNING ? log.isWarnEnabled() : log.isDebugEnabled();
    }

    @Override
    public void log(final String name, final Level level, final String message, final Throwable thrown) {
        final Logger log = logger(name);
        if (level == Level.WARNING) {
            log.warn(message, thrown);
        } else {
            log.debug(message, thrown);
        }
    }

    @Override
    public String toString() {
        return "SLF4J";
    }
}

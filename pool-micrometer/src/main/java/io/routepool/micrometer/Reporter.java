package io.routepool.micrometer;

import io.routepool.core.PoolLogger;

/**
 * How the meters say that reading a pool, or a route namer, failed: the first time at WARNING, later ones at DEBUG,
 * through the {@link PoolLogger} the binder was given, on the thread that read (a scrape or the refresh). Never
 * throws: a scrape must not fail because a logger did.
 */
final class Reporter {

    /** The logger name of the metrics' records. */
    static final String NAME = "io.routepool.micrometer.RoutePoolMetrics";

    private final PoolLogger logger;
    private final String poolName;
    /** Set by the first report; racy by design (two first reports at WARNING are harmless). */
    private volatile boolean warned;

    Reporter(PoolLogger logger, String poolName) {
        this.logger = logger;
        this.poolName = poolName;
    }

    void report(String what, Throwable thrown) {
        PoolLogger.Level level = warned ? PoolLogger.Level.DEBUG : PoolLogger.Level.WARNING;
        warned = true;
        try {
            if (logger.isEnabled(NAME, level)) {
                logger.log(NAME, level, "routepool metrics of pool '" + poolName + "': " + what
                        + (level == PoolLogger.Level.WARNING ? " (later failures are logged at DEBUG)" : ""), thrown);
            }
        } catch (RuntimeException | LinkageError dropped) {
            // a failing logger is dropped: the scrape or refresh goes on
        }
    }
}

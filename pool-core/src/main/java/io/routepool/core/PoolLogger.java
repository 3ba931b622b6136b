package io.routepool.core;

import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Where the pool writes its log records: {@code java.util.logging} unless the builder is given another
 * ({@link PoolBuilder#logger}); HttpClient's adapter passes one that writes to commons-logging, so that the
 * pool's reports go wherever the application already sends HttpClient's logs.
 *
 * <p>The pool logs under two names: {@value #DIAGNOSTICS} (the reports: leaks, self-deadlocks, stuck
 * waiters, state mismatches, reclaimed leases, late releases; WARNING) and {@value #POOL} (a connection whose
 * close, isOpen, validator or probe threw; DEBUG or WARNING). An implementation that throws costs no lease:
 * the pool catches it (a {@link VirtualMachineError} excepted) and goes on.
 */
public interface PoolLogger {

    /** The logger of the pool's reports. */
    String DIAGNOSTICS = "io.routepool.core.PoolDiagnostics";
    /** The logger of the pool's own mechanics. */
    String POOL = "io.routepool.core.KeyedPool";

    /** The levels the pool uses. */
    enum Level {
        /** Details for whoever debugs the pool (java.util.logging: FINE). */
        DEBUG,
        /** Something the operator should see (java.util.logging: WARNING). */
        WARNING
    }

    /** Whether a record of {@code level} on logger {@code name} would be written (lets the pool skip building it). */
    boolean isEnabled(String name, Level level);

    /** Writes one record; {@code thrown} may be null. */
    void log(String name, Level level, String message, Throwable thrown);

    /** The default: {@code java.util.logging}, logger {@code name}, DEBUG as FINE. */
    static PoolLogger javaUtilLogging() {
        return JulLogger.INSTANCE;
    }
}

/** {@link PoolLogger#javaUtilLogging()}. */
final class JulLogger implements PoolLogger {

    static final JulLogger INSTANCE = new JulLogger();

    private JulLogger() {
    }

    private static java.util.logging.Level jul(Level level) {
        return level == Level.WARNING ? java.util.logging.Level.WARNING : java.util.logging.Level.FINE;
    }

    @Override
    public boolean isEnabled(String name, Level level) {
        return Logger.getLogger(name).isLoggable(jul(level));
    }

    @Override
    public void log(String name, Level level, String message, Throwable thrown) {
        Logger logger = Logger.getLogger(name);
        LogRecord record = new LogRecord(jul(level), message);
        record.setLoggerName(name);
        record.setSourceClassName(null); // not this class: formatters then show the logger's name as the source
        record.setThrown(thrown);
        logger.log(record);
    }
}

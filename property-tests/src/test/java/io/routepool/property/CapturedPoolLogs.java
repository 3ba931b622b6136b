package io.routepool.property;

import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.PoolLogger;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the pools under test write to java.util.logging (their default logger) while a test runs: held here and kept
 * off the build log, so that the test asserts it. Random sequences with states provoke state-mismatch reports on
 * purpose; anything else (a record on the pool's own logger, a record with an exception) is a finding. Levels are
 * left as they are, so the pool builds exactly the records it would build in production.
 */
final class CapturedPoolLogs implements AutoCloseable {

    /** Held strongly: JUL holds loggers weakly, and the handler must stay on these very instances. */
    private static final Logger DIAGNOSTICS = Logger.getLogger(PoolLogger.DIAGNOSTICS);
    private static final Logger POOL = Logger.getLogger(PoolLogger.POOL);

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final boolean diagnosticsParents;
    private final boolean poolParents;

    private CapturedPoolLogs() {
        handler.setLevel(Level.ALL);
        diagnosticsParents = DIAGNOSTICS.getUseParentHandlers();
        poolParents = POOL.getUseParentHandlers();
        DIAGNOSTICS.addHandler(handler);
        POOL.addHandler(handler);
        DIAGNOSTICS.setUseParentHandlers(false);
        POOL.setUseParentHandlers(false);
    }

    /** Captures from now until {@link #close()}. */
    static CapturedPoolLogs start() {
        return new CapturedPoolLogs();
    }

    List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The records on the reports' logger at WARNING. */
    long reports() {
        return records.stream()
                .filter(r -> PoolLogger.DIAGNOSTICS.equals(r.getLoggerName()) && r.getLevel() == Level.WARNING)
                .count();
    }

    /**
     * Every record so far is a report (logger {@value PoolLogger#DIAGNOSTICS}, WARNING) with nothing thrown: what the
     * generated sequences provoke (a lease for one state while idle connections carry another). Facts only, not the
     * wording of the reports.
     */
    void assertOnlyReports() {
        assertThat(records).as("records other than reports")
                .allSatisfy(r -> {
                    assertThat(r.getLoggerName()).as("logger of %s", r.getMessage()).isEqualTo(PoolLogger.DIAGNOSTICS);
                    assertThat(r.getLevel()).as("level of %s", r.getMessage()).isEqualTo(Level.WARNING);
                    assertThat(r.getThrown()).as("thrown with %s", r.getMessage()).isNull();
                });
    }

    @Override
    public void close() {
        DIAGNOSTICS.removeHandler(handler);
        POOL.removeHandler(handler);
        DIAGNOSTICS.setUseParentHandlers(diagnosticsParents);
        POOL.setUseParentHandlers(poolParents);
    }
}

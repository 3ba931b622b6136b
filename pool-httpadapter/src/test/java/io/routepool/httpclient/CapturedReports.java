package io.routepool.httpclient;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The pool's reports (logger {@code io.routepool.core.PoolDiagnostics}) captured while a test that provokes them
 * runs, so that the test can assert them and the build log shows only what nobody expected. The records arrive
 * through java.util.logging whichever way the pool writes them: its default, or commons-logging, which has no other
 * backend here and delegates to java.util.logging under the same name.
 */
final class CapturedReports implements AutoCloseable {

    /** Held strongly: JUL holds loggers weakly, and the handler must stay on this very instance. */
    private static final Logger DIAGNOSTICS = Logger.getLogger("io.routepool.core.PoolDiagnostics");

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
    private final boolean useParentHandlers;

    private CapturedReports() {
        handler.setLevel(Level.ALL);
        DIAGNOSTICS.addHandler(handler);
        useParentHandlers = DIAGNOSTICS.getUseParentHandlers();
        DIAGNOSTICS.setUseParentHandlers(false);
    }

    /** Captures from now until {@link #close()}. */
    static CapturedReports start() {
        return new CapturedReports();
    }

    /** The WARNING records so far whose message contains all of {@code parts}. */
    List<LogRecord> warningRecords(String... parts) {
        return records.stream()
                .filter(r -> r.getLevel() == Level.WARNING)
                .filter(r -> r.getMessage() != null && java.util.Arrays.stream(parts).allMatch(r.getMessage()::contains))
                .collect(Collectors.toList());
    }

    /** The messages of the WARNING records so far. */
    List<String> warnings() {
        return records.stream()
                .filter(r -> r.getLevel() == Level.WARNING)
                .map(LogRecord::getMessage)
                .collect(Collectors.toList());
    }

    @Override
    public void close() {
        DIAGNOSTICS.removeHandler(handler);
        DIAGNOSTICS.setUseParentHandlers(useParentHandlers);
    }
}

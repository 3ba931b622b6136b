package io.routepool.httpclient5;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * What one logger (and its children) writes while a test that provokes it runs, held in a logback
 * {@link ListAppender} and kept off the console, so that the test asserts it and the build log shows only what
 * nobody expected.
 */
final class CapturedLogs implements AutoCloseable {

    /** routepool's reports: leaks, stuck waiters, state mismatches, self-deadlocks. */
    static final String DIAGNOSTICS = "io.routepool.core.PoolDiagnostics";
    /** routepool's pool events. */
    static final String POOL_EVENTS = "io.routepool.core.KeyedPool";

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final boolean additive;
    private final Level level;

    private CapturedLogs(String name) {
        logger = (Logger) LoggerFactory.getLogger(name);
        appender.setName("captured-" + name);
        appender.setContext(logger.getLoggerContext());
        appender.start();
        additive = logger.isAdditive();
        level = logger.getLevel();
        logger.addAppender(appender);
        logger.setAdditive(false);
        logger.setLevel(Level.DEBUG);
    }

    /** Captures from now until {@link #close()}. */
    static CapturedLogs capture(String loggerName) {
        return new CapturedLogs(loggerName);
    }

    /** Formatted messages at WARN or above so far. */
    List<String> warnings() {
        return events().stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage)
                .collect(Collectors.toList());
    }

    /** WARN (or above) messages so far that contain every one of {@code parts}. */
    List<String> warningsContaining(String... parts) {
        return warnings().stream()
                .filter(m -> Arrays.stream(parts).allMatch(m::contains))
                .collect(Collectors.toList());
    }

    /** Waits (polling, up to {@code max}) for a warning that matches, and returns it. */
    String awaitWarning(java.util.function.Predicate<String> matching, java.time.Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            for (String w : warnings()) {
                if (matching.test(w)) {
                    return w;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching warning within " + max + "; got " + warnings());
            }
            Thread.sleep(5);
        }
    }

    List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(additive);
        logger.setLevel(level);
        appender.stop();
    }
}

package io.routepool.httpclient5;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.routepool.core.PoolLogger;

/**
 * Captures what the pool writes to SLF4J (logger {@link PoolLogger#DIAGNOSTICS}) during a test, instead of the
 * console: tests assert on the reports they expect, and a passing run prints none of them.
 */
final class CapturedPoolLog implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger(PoolLogger.DIAGNOSTICS);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final boolean additive;

    CapturedPoolLog() {
        additive = logger.isAdditive();
        appender.start();
        logger.addAppender(appender);
        logger.setAdditive(false);
    }

    List<String> warnings() {
        synchronized (appender.list) {
            return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                    .collect(Collectors.toList());
        }
    }

    /** Waits (polling, up to {@code max}) for a warning that matches, and returns it. */
    String awaitWarning(Predicate<String> matching, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            for (String w : warnings()) {
                if (matching.test(w)) {
                    return w;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching pool warning within " + max + "; got " + warnings());
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(additive);
        appender.stop();
    }
}

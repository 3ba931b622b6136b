package io.routepool.httpclient;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * Logback's records of one logger, kept off the console. Only {@link JclOverSlf4jLogbackTest} uses it, in the test run
 * whose class path has logback; no other class names logback, so the default run loads none of it.
 */
final class LogbackCapture implements AutoCloseable {

    /** One record: logger, level, message, whether an exception came with it. */
    static final class Record {
        final String logger;
        final String level;
        final String message;
        final boolean thrown;

        Record(ILoggingEvent e) {
            this.logger = e.getLoggerName();
            this.level = e.getLevel().toString();
            this.message = e.getFormattedMessage();
            this.thrown = e.getThrowableProxy() != null;
        }
    }

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogbackCapture(String name) {
        logger = (Logger) LoggerFactory.getLogger(name);
        logger.setAdditive(false);
        logger.setLevel(Level.WARN);
        appender.start();
        logger.addAppender(appender);
    }

    List<Record> records() {
        return appender.list.stream().map(Record::new).collect(Collectors.toList());
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setAdditive(true);
    }
}

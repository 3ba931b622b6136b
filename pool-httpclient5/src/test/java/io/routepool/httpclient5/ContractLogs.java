package io.routepool.httpclient5;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * Keeps routepool's reports (logger {@code io.routepool}) off the console while a scenario that provokes them on
 * purpose runs, and keeps its warnings for the scenario to assert on. Only WARN and above are kept (at most
 * {@link #KEPT}; the rest are counted).
 */
final class ContractLogs implements AutoCloseable {

    static final int KEPT = 200;

    private final Logger logger = (Logger) LoggerFactory.getLogger("io.routepool");
    private final boolean wasAdditive;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN) && count.incrementAndGet() <= KEPT) {
                warnings.add(event.getFormattedMessage());
            }
        }
    };

    private ContractLogs() {
        appender.setContext(logger.getLoggerContext());
        appender.setName("contract-capture");
        appender.start();
        wasAdditive = logger.isAdditive();
        logger.addAppender(appender);
        logger.setAdditive(false);
    }

    static ContractLogs capture() {
        return new ContractLogs();
    }

    /** The WARN (and above) messages so far. */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    int warningCount() {
        return count.get();
    }

    @Override
    public void close() {
        logger.setAdditive(wasAdditive);
        logger.detachAppender(appender);
        appender.stop();
    }
}

package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The clean-up of unreachable owners (the stand-in for Java 9's {@code Cleaner}) outlives an action that fails. */
class UnreachableCleanupTest {

    /** Held strongly: JUL holds loggers weakly, and the handler must stay on this very instance. */
    private static final Logger MANAGER_LOG = Logger.getLogger(RoutePoolConnectionManager.class.getName());

    @Test
    void anActionThatThrowsAnErrorDoesNotStopTheCleanUpOfOthers() throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                warnings.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean parents = MANAGER_LOG.getUseParentHandlers();
        MANAGER_LOG.addHandler(capture);
        MANAGER_LOG.setUseParentHandlers(false); // the expected warning stays out of the build log
        try {
            AtomicBoolean firstRan = new AtomicBoolean();
            CountDownLatch secondRan = new CountDownLatch(1);
            Object[] owners = {new Object(), new Object()};
            UnreachableCleanup.register(owners[0], () -> {
                firstRan.set(true);
                throw new Error("injected failure of a clean-up action");
            });
            UnreachableCleanup.register(owners[1], secondRan::countDown);

            owners[0] = null;
            Await.until("the failing action ran", () -> {
                System.gc();
                return firstRan.get();
            });
            owners[1] = null;
            Await.until("the next action ran all the same", () -> {
                System.gc();
                return secondRan.getCount() == 0;
            });

            assertThat(warnings).singleElement().satisfies(r -> {
                assertThat(r.getMessage()).isEqualTo("Shutting down an unreachable RoutePoolConnectionManager failed");
                assertThat(r.getThrown()).hasMessage("injected failure of a clean-up action");
            });
        } finally {
            MANAGER_LOG.removeHandler(capture);
            MANAGER_LOG.setUseParentHandlers(parents);
        }
    }
}

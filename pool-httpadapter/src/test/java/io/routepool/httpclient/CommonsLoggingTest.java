package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.PoolLogger;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.commons.logging.impl.Jdk14Logger;
import org.apache.commons.logging.impl.LogFactoryImpl;
import org.apache.http.HttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.protocol.BasicHttpContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's log records go through commons-logging, where HttpClient 4.5's users already route their logs,
 * under pool-core's logger names. commons-logging is pointed at {@link RecordingLog} for each test (system
 * property {@value LogFactoryImpl#LOG_PROPERTY}, factories released) and back afterwards.
 */
@Timeout(30)
class CommonsLoggingTest {

    /** One record written to a {@link RecordingLog}. */
    static final class Entry {
        final String logger;
        final String level;
        final String message;
        final Throwable thrown;

        Entry(String logger, String level, Object message, Throwable thrown) {
            this.logger = logger;
            this.level = level;
            this.message = String.valueOf(message);
            this.thrown = thrown;
        }

        @Override
        public String toString() {
            return level + " " + logger + ": " + message;
        }
    }

    static final List<Entry> RECORDED = new CopyOnWriteArrayList<>();
    /** While true, a {@link RecordingLog} records (every level enabled) instead of delegating. */
    static volatile boolean recording;
    /** While true, a recording {@link RecordingLog} of pool-core's loggers throws from every write, after recording it. */
    static volatile boolean throwing;
    /** While set, a recording {@link RecordingLog} of any logger throws from writing a message that starts with it. */
    static volatile String throwOnPrefix;

    /**
     * A commons-logging {@link Log} that records while a test of this class runs and otherwise behaves exactly as
     * the default backend here (java.util.logging), so that a class that happens to get its Log during a test
     * (HttpClient's classes hold theirs in static fields) logs as usual for the rest of the build.
     */
    public static final class RecordingLog implements Log {
        private final String name;
        private final Jdk14Logger delegate;

        public RecordingLog(String name) {
            this.name = name;
            this.delegate = new Jdk14Logger(name);
        }

        private boolean record(String level, Object message, Throwable thrown) {
            if (!recording) {
                return false;
            }
            RECORDED.add(new Entry(name, level, message, thrown));
            if (throwsNow() || throwsFor(message)) {
                throw new IllegalStateException("injected logging failure");
            }
            return true;
        }

        /** Only pool-core's loggers: the adapter's and HttpClient's own logging is not what is under test. */
        private boolean throwsNow() {
            return throwing && name.startsWith("io.routepool.core.");
        }

        private boolean throwsFor(Object message) {
            String prefix = throwOnPrefix;
            return prefix != null && String.valueOf(message).startsWith(prefix);
        }

        private boolean enabled(boolean delegated) {
            return recording || delegated;
        }

        @Override public boolean isTraceEnabled() { return enabled(delegate.isTraceEnabled()); }
        @Override public boolean isDebugEnabled() { return enabled(delegate.isDebugEnabled()); }
        @Override public boolean isInfoEnabled() { return enabled(delegate.isInfoEnabled()); }
        @Override public boolean isWarnEnabled() { return enabled(delegate.isWarnEnabled()); }
        @Override public boolean isErrorEnabled() { return enabled(delegate.isErrorEnabled()); }
        @Override public boolean isFatalEnabled() { return enabled(delegate.isFatalEnabled()); }

        @Override public void trace(Object m) { if (!record("TRACE", m, null)) delegate.trace(m); }
        @Override public void trace(Object m, Throwable t) { if (!record("TRACE", m, t)) delegate.trace(m, t); }
        @Override public void debug(Object m) { if (!record("DEBUG", m, null)) delegate.debug(m); }
        @Override public void debug(Object m, Throwable t) { if (!record("DEBUG", m, t)) delegate.debug(m, t); }
        @Override public void info(Object m) { if (!record("INFO", m, null)) delegate.info(m); }
        @Override public void info(Object m, Throwable t) { if (!record("INFO", m, t)) delegate.info(m, t); }
        @Override public void warn(Object m) { if (!record("WARN", m, null)) delegate.warn(m); }
        @Override public void warn(Object m, Throwable t) { if (!record("WARN", m, t)) delegate.warn(m, t); }
        @Override public void error(Object m) { if (!record("ERROR", m, null)) delegate.error(m); }
        @Override public void error(Object m, Throwable t) { if (!record("ERROR", m, t)) delegate.error(m, t); }
        @Override public void fatal(Object m) { if (!record("FATAL", m, null)) delegate.fatal(m); }
        @Override public void fatal(Object m, Throwable t) { if (!record("FATAL", m, t)) delegate.fatal(m, t); }
    }

    /** Held strongly: JUL holds loggers weakly, and the handler must stay on this very instance. */
    private static final Logger DIAGNOSTICS_JUL = Logger.getLogger(PoolLogger.DIAGNOSTICS);
    private final List<LogRecord> julRecords = new CopyOnWriteArrayList<>();
    private final Handler julCapture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            julRecords.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private String previousLogProperty;
    private TestServer server;
    private HttpRoute route;
    private final BasicHttpContext context = new BasicHttpContext();

    @BeforeEach
    void pointCommonsLoggingAtRecordingLog() throws IOException {
        server = TestServer.start();
        route = server.route();
        DIAGNOSTICS_JUL.addHandler(julCapture);
        previousLogProperty = System.getProperty(LogFactoryImpl.LOG_PROPERTY);
        System.setProperty(LogFactoryImpl.LOG_PROPERTY, RecordingLog.class.getName());
        LogFactory.releaseAll(); // the next LogFactory.getLog discovers the backend again, from the property
        RECORDED.clear();
        throwing = false;
        throwOnPrefix = null;
        recording = true;
    }

    @AfterEach
    void restoreCommonsLogging() {
        recording = false;
        throwing = false;
        throwOnPrefix = null;
        try {
            server.close();
        } finally {
            if (previousLogProperty == null) {
                System.clearProperty(LogFactoryImpl.LOG_PROPERTY);
            } else {
                System.setProperty(LogFactoryImpl.LOG_PROPERTY, previousLogProperty);
            }
            LogFactory.releaseAll();
            DIAGNOSTICS_JUL.removeHandler(julCapture);
            RECORDED.clear();
        }
    }

    private List<Entry> recorded(String logger, String level, String part) {
        return RECORDED.stream()
                .filter(e -> e.logger.equals(logger) && e.level.equals(level) && e.message.contains(part))
                .collect(Collectors.toList());
    }

    /** Leases, connects and completes the route, as MainClientExec does for a new connection. */
    private HttpClientConnection leaseConnected(RoutePoolConnectionManager cm, Object state) throws Exception {
        HttpClientConnection conn = cm.requestConnection(route, state).get(5, TimeUnit.SECONDS);
        cm.connect(conn, route, 5_000, context);
        cm.routeComplete(conn, route, context);
        return conn;
    }

    /** Leaves one idle connection with state "alice", then leases for state null: a state mismatch, reported at once. */
    private void causeAStateMismatch(RoutePoolConnectionManager cm) throws Exception {
        cm.releaseConnection(leaseConnected(cm, "alice"), "alice", 10, TimeUnit.SECONDS);
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);

        HttpClientConnection anonymous = leaseConnected(cm, null);
        assertThat(cm.getStateMismatches(route)).isEqualTo(1);
        cm.releaseConnection(anonymous, null, 10, TimeUnit.SECONDS);
    }

    @Test
    void thePoolsReportsGoThroughCommonsLoggingUnderPoolCoresLoggerNames() throws Exception {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        try {
            causeAStateMismatch(cm);
        } finally {
            cm.shutdown();
        }

        assertThat(recorded(PoolLogger.DIAGNOSTICS, "WARN", "State mismatch on route " + route))
                .as("the report, as a commons-logging warning on " + PoolLogger.DIAGNOSTICS + "; recorded: " + RECORDED)
                .hasSize(1);
        assertThat(julRecords).as("nothing written to java.util.logging directly, past commons-logging").isEmpty();
    }

    @Test
    void debugIsDebugAndWarningIsWarnWithTheThrowable() {
        PoolLogger logger = new CommonsLoggingPoolLogger();
        IllegalStateException thrown = new IllegalStateException("close failed");

        assertThat(logger.isEnabled(PoolLogger.POOL, PoolLogger.Level.DEBUG)).isTrue();
        logger.log(PoolLogger.POOL, PoolLogger.Level.DEBUG, "closing threw", thrown);
        logger.log(PoolLogger.DIAGNOSTICS, PoolLogger.Level.WARNING, "a report", null);
        logger.log("io.routepool.core.Other", PoolLogger.Level.WARNING, "another", thrown);

        assertThat(RECORDED).extracting(e -> e.level + " " + e.logger + " " + e.message + " " + e.thrown).containsExactly(
                "DEBUG " + PoolLogger.POOL + " closing threw " + thrown,
                "WARN " + PoolLogger.DIAGNOSTICS + " a report null",
                "WARN io.routepool.core.Other another " + thrown);
    }

    @Test
    void aLoggingBackendThatThrowsCostsNoLease() throws Exception {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        throwing = true;
        try {
            causeAStateMismatch(cm);
            assertThat(cm.getTotalStats().getLeased()).isZero();
            assertThat(cm.getTotalStats().getAvailable()).isEqualTo(2);
            assertThat(recorded(PoolLogger.DIAGNOSTICS, "WARN", "State mismatch on route " + route))
                    .as("the backend was asked, and threw").hasSize(1);
        } finally {
            throwing = false;
            cm.shutdown();
        }
    }

    /** Something a test runs while the manager's logger throws. */
    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} while the manager's logger throws on every message that starts with {@code prefix}, and
     * returns how often it was asked to write one. That logger is a static field, bound to whichever backend was
     * current when its class loaded in this JVM (this class's recording one, or java.util.logging), so both throw.
     */
    private int withManagerLogThrowingOn(String prefix, Body body) throws Exception {
        Logger julManager = Logger.getLogger(RoutePoolConnectionManager.class.getName());
        java.util.concurrent.atomic.AtomicInteger julAsked = new java.util.concurrent.atomic.AtomicInteger();
        Handler throwingHandler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().startsWith(prefix)) {
                    julAsked.incrementAndGet();
                    throw new IllegalStateException("injected logging failure");
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Level previousLevel = julManager.getLevel();
        boolean previousParents = julManager.getUseParentHandlers();
        julManager.setLevel(java.util.logging.Level.FINE);
        julManager.setUseParentHandlers(false);
        julManager.addHandler(throwingHandler);
        throwOnPrefix = prefix;
        try {
            body.run();
        } finally {
            throwOnPrefix = null;
            julManager.removeHandler(throwingHandler);
            julManager.setUseParentHandlers(previousParents);
            julManager.setLevel(previousLevel);
        }
        return julAsked.get() + recorded(RoutePoolConnectionManager.class.getName(), "DEBUG", prefix).size();
    }

    /** The adapter's own debug line after a lease: a backend that throws there must not fail the request or lose the lease. */
    @Test
    void aLoggingBackendThatThrowsOnTheLeasedLineCostsNoLease() throws Exception {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        try {
            HttpClientConnection[] conn = new HttpClientConnection[1];
            int asked = withManagerLogThrowingOn("Connection leased",
                    () -> conn[0] = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS));

            assertThat(conn[0]).isNotNull();
            assertThat(asked).as("the backend was asked, and threw").isEqualTo(1);
            assertThat(cm.getTotalStats().getLeased()).isEqualTo(1);
            cm.releaseConnection(conn[0], null, 0, TimeUnit.MILLISECONDS);
            assertThat(cm.getTotalStats().getLeased()).isZero();
        } finally {
            cm.shutdown();
        }
    }

    /** The shutdown's debug line: a backend that throws there must not keep the pool open. */
    @Test
    void aLoggingBackendThatThrowsOnTheShutdownLineStillClosesThePool() throws Exception {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        cm.releaseConnection(leaseConnected(cm, null), null, 10, TimeUnit.SECONDS);
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);

        int asked = withManagerLogThrowingOn("Connection manager is shutting down", cm::shutdown);

        assertThat(asked).as("the backend was asked, and threw").isEqualTo(1);
        assertThat(cm.getTotalStats().getAvailable()).as("the idle connection was closed").isZero();
    }
}

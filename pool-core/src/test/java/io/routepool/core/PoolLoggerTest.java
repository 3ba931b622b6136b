package io.routepool.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The pool writes every log record through the {@link PoolLogger} it was built with (the seam HttpClient's
 * adapter uses to send the pool's reports to commons-logging), under the documented names, and a logger that
 * throws costs no lease.
 */
class PoolLoggerTest {

    private static KeyedPool<String, TestConnections.Conn> pool(ConnectionFactory<String, TestConnections.Conn> conns,
            PoolLogger logger) {
        return KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO).defaultMaxPerRoute(1).logger(logger).build();
    }

    @Test
    void reportsGoToTheBuildersLoggerUnderTheDiagnosticsName() throws Exception {
        CapturedLog logger = new CapturedLog();
        TestConnections conns = new TestConnections();
        try (KeyedPool<String, TestConnections.Conn> pool = pool(conns, logger)) {
            PoolEntry<String, TestConnections.Conn> e = pool.lease("a", null, 1, SECONDS);
            e.setState("token");
            pool.release(e, true);
            pool.release(pool.lease("a", null, 1, SECONDS), true); // takes over the token connection: a state mismatch

            assertThat(logger.records).hasSize(1);
            assertThat(logger.records.get(0).toString()).startsWith(PoolLogger.DIAGNOSTICS + " WARNING " + pool.name() + ": State mismatch on route a");
        }
    }

    @Test
    void aFailingCloseIsLoggedUnderThePoolName() throws Exception {
        CapturedLog logger = new CapturedLog();
        TestConnections books = new TestConnections();
        ConnectionFactory<String, TestConnections.Conn> conns = new ConnectionFactory<String, TestConnections.Conn>() {
            @Override
            public TestConnections.Conn create(String route) throws java.io.IOException {
                return books.create(route);
            }

            @Override
            public void close(TestConnections.Conn conn, CloseMode mode) {
                throw new IllegalStateException("close failed");
            }

            @Override
            public boolean isOpen(TestConnections.Conn conn) {
                return books.isOpen(conn);
            }
        };
        try (KeyedPool<String, TestConnections.Conn> pool = pool(conns, logger)) {
            pool.release(pool.lease("a", null, 1, SECONDS), false);

            assertThat(logger.records).singleElement().asString()
                    .startsWith(PoolLogger.POOL + " WARNING Closing connection")
                    .endsWith("failed [IllegalStateException]");
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 1));
        }
    }

    @Test
    void aLoggerThatThrowsCostsNoLease() throws Exception {
        CapturedLog logger = new CapturedLog();
        logger.fail = true;
        TestConnections conns = new TestConnections();
        try (KeyedPool<String, TestConnections.Conn> pool = pool(conns, logger)) {
            PoolEntry<String, TestConnections.Conn> e = pool.lease("a", null, 1, SECONDS);
            e.setState("token");
            pool.release(e, true);
            PoolEntry<String, TestConnections.Conn> other = pool.lease("a", null, 1, SECONDS); // logs, and the logger throws

            assertThat(logger.records).hasSize(1);
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
            pool.release(other, true);
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
        }
    }
}

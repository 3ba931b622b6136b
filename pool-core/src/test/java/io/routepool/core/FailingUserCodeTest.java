package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * User code that fails (a route's toString, the idle probe, the factory's close and isOpen, the validator, with
 * exceptions and Errors alike) costs the pool no capacity: the connection concerned is closed or counted as
 * closed, its units are freed, and the lease or the sweep goes on.
 */
class FailingUserCodeTest {

    /**
     * What the pools log (the failures these tests provoke are logged with their stack traces), kept out of the
     * build's output.
     */
    final List<String> logged = new CopyOnWriteArrayList<>();
    final PoolLogger quiet = new PoolLogger() {
        @Override
        public boolean isEnabled(String name, Level level) {
            return true;
        }

        @Override
        public void log(String name, Level level, String message, Throwable thrown) {
            logged.add(name + " " + level + " " + message);
        }
    };

    static final class RouteWithBrokenToString {
        @Override
        public String toString() {
            throw new IllegalStateException("toString broken");
        }
    }

    /**
     * A state mismatch is reported after the lease took capacity (here: took over an idle entry of another
     * state). A route whose toString throws used to make the report throw out of the lease, leaking the taken
     * units and the detached victim, so that the route was blocked for good.
     */
    @Test
    void aReportThatCannotFormatItsRouteDoesNotLoseCapacity() throws Exception {
        List<Object> closed = new CopyOnWriteArrayList<>();
        ConnectionFactory<RouteWithBrokenToString, Object> factory = new ConnectionFactory<>() {
            @Override
            public Object create(RouteWithBrokenToString route) {
                return new Object();
            }

            @Override
            public void close(Object connection, CloseMode mode) {
                closed.add(connection);
            }
        };
        RouteWithBrokenToString route = new RouteWithBrokenToString();
        KeyedPool<RouteWithBrokenToString, Object> pool = KeyedPool.builder(factory).defaultMaxPerRoute(1).maxTotal(2)
                .maintenanceInterval(Duration.ZERO).logger(quiet).build();
        PoolEntry<RouteWithBrokenToString, Object> e = pool.lease(route, null, 0, MILLISECONDS);
        e.setState("u");
        pool.release(e, true);

        PoolEntry<RouteWithBrokenToString, Object> other = pool.lease(route, "v", 0, MILLISECONDS);

        assertThat(closed).as("the idle entry of the other state made room").containsExactly(e.connection());
        assertThat(pool.getStateMismatches(route)).isEqualTo(1);
        pool.release(other, true);
        assertThat(pool.getStats(route)).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    /** An Error from a probe used to leave the connection detached for good: its capacity was lost. */
    @Test
    void anErrorFromTheProbeClosesTheConnectionAndFreesItsCapacity() throws Exception {
        TestConnections conns = new TestConnections();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(1).maintenanceInterval(Duration.ZERO).logger(quiet)
                .idleProbe((Conn c) -> {
                    throw new AssertionError("probe broken");
                }).build();
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, MILLISECONDS);
        pool.release(e, true);

        pool.maintain();

        assertThat(e.connection().open).as("closed").isFalse();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 1));
        PoolEntry<String, Conn> next = pool.lease("a", null, 0, MILLISECONDS);
        assertThat(next.connection()).isNotSameAs(e.connection());
        pool.close();
    }

    /** An Error from the factory's close used to strand every later connection of the maintenance pass. */
    @Test
    void anErrorFromCloseDoesNotStrandTheOtherExpiredConnections() throws Exception {
        List<String> closed = new CopyOnWriteArrayList<>();
        ConnectionFactory<String, String> factory = new ConnectionFactory<>() {
            private final java.util.concurrent.atomic.AtomicInteger serial = new java.util.concurrent.atomic.AtomicInteger();

            @Override
            public String create(String route) {
                return route + "-" + serial.incrementAndGet();
            }

            @Override
            public void close(String connection, CloseMode mode) {
                closed.add(connection);
                if (closed.size() == 1) {
                    throw new AssertionError("close broken");
                }
            }
        };
        FakeTime time = new FakeTime(1);
        KeyedPool<String, String> pool = KeyedPool.builder(factory).defaultMaxPerRoute(3).timeSource(time)
                .maintenanceInterval(Duration.ZERO).logger(quiet).build();
        List<PoolEntry<String, String>> leased = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leased.add(pool.lease("a", null, 0, MILLISECONDS));
        }
        for (PoolEntry<String, String> e : leased) {
            pool.release(e, true, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        time.advance(Duration.ofSeconds(2));

        pool.maintain();

        assertThat(closed).hasSize(3);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 3));
        assertThat(pool.getCounters().closed()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            pool.lease("a", null, 0, MILLISECONDS); // the capacity is all there
        }
        pool.close();
    }

    /** A validator that throws an Error used to leave its entry leased by nobody: the route was blocked for good. */
    @Test
    void anErrorFromTheValidatorDiscardsTheConnectionAndTheLeaseGoesOn() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime(1);
        AtomicBoolean broken = new AtomicBoolean();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(1).timeSource(time)
                .maintenanceInterval(Duration.ZERO).logger(quiet).validateAfterInactivity(Duration.ofMillis(1))
                .validator((Conn c) -> {
                    if (broken.get()) {
                        throw new AssertionError("validator broken");
                    }
                    return true;
                }).build();
        PoolEntry<String, Conn> first = pool.lease("a", null, 0, MILLISECONDS);
        pool.release(first, true);
        time.advance(Duration.ofSeconds(1));
        broken.set(true);

        PoolEntry<String, Conn> next = pool.lease("a", null, 0, MILLISECONDS);

        assertThat(next.connection()).isNotSameAs(first.connection());
        assertThat(first.connection().open).isFalse();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
        pool.close();
    }

    /** closeIdle used to strand the entries it had detached when isOpen threw on another idle connection. */
    @Test
    void aThrowingIsOpenDoesNotStrandWhatASweepDetached() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime(1);
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(2).timeSource(time)
                .maintenanceInterval(Duration.ZERO).logger(quiet).build();
        PoolEntry<String, Conn> old = pool.lease("a", null, 0, MILLISECONDS);
        PoolEntry<String, Conn> young = pool.lease("a", null, 0, MILLISECONDS);
        pool.release(old, true);
        time.advance(Duration.ofSeconds(10));
        pool.release(young, true);
        young.connection().isOpenThrows = true;

        pool.closeIdle(5, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(old.connection().open).as("idle 10 s: closed").isFalse();
        assertThat(young.connection().open).as("its isOpen threw: counted as closed").isFalse();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 2));
        pool.lease("a", null, 0, MILLISECONDS);
        pool.lease("a", null, 0, MILLISECONDS); // both units are back
        pool.close();
    }
}

package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.TestConnections.Conn;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * minIdlePerRoute (PoolBuilder; Warming), on the fake clock with warming tasks run when the test says
 * ({@link ManualExecutor}): maintenance keeps n idle connections on used and named routes, made by createIdle, within
 * the route's and the pool's limits and never while a lease waits; failures back off and are said once.
 */
class WarmingTest {

    final TestConnections conns = new TestConnections();
    final FakeTime time = new FakeTime(1);
    final CapturedLog log = new CapturedLog();
    final ManualExecutor warmer = new ManualExecutor();
    /** createIdle calls, and whether they fail. */
    final AtomicInteger idleCreates = new AtomicInteger();
    volatile boolean serverDown;
    /** Thrown by createIdle when set: a factory broken by an Error (a missing class), not an IOException. */
    volatile Error brokenWith;
    KeyedPool<String, Conn> pool;

    final ConnectionFactory<String, Conn> factory = new ConnectionFactory<String, Conn>() {
        @Override
        public Conn create(String route) throws IOException {
            return conns.create(route);
        }

        @Override
        public Conn createIdle(String route) throws IOException {
            idleCreates.incrementAndGet();
            if (brokenWith != null) {
                throw brokenWith;
            }
            if (serverDown) {
                throw new ConnectException("Connection refused: " + route);
            }
            return conns.create(route);
        }

        @Override
        public void close(Conn c, CloseMode mode) {
            conns.close(c, mode);
        }

        @Override
        public boolean isOpen(Conn c) {
            return conns.isOpen(c);
        }
    };

    PoolBuilder<String, Conn> builder(int minIdle) {
        return KeyedPool.builder(factory).logger(log).timeSource(time).maintenanceInterval(Duration.ZERO)
                .defaultMaxPerRoute(4).maxTotal(10).minIdlePerRoute(minIdle).warmingExecutor(warmer);
    }

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
        assertThat(log.warnings()).as("reports not asserted by the test").isEmpty();
    }

    void pass() {
        pool.maintain();
        warmer.drain();
    }

    @Test
    void aUsedRouteIsKeptWarmAndLeasesTakeTheWarmConnections() throws Exception {
        pool = builder(2).build();
        pool.getStats("looked-at"); // registered, never leased: not warmed
        PoolEntry<String, Conn> first = pool.lease("a", null, 0, MILLISECONDS);
        pass();
        assertThat(idleCreates).as("its one connection is leased, not idle: two more").hasValue(2);
        assertThat(pool.getStats("a").available()).isEqualTo(2);
        assertThat(pool.getStats("looked-at").available()).isZero();
        pool.release(first, true);
        pass();
        assertThat(idleCreates).as("3 idle now: enough").hasValue(2);
        PoolEntry<String, Conn> x = pool.lease("a", null, 0, MILLISECONDS);
        PoolEntry<String, Conn> y = pool.lease("a", null, 0, MILLISECONDS);
        PoolEntry<String, Conn> z = pool.lease("a", null, 0, MILLISECONDS);
        assertThat(conns.created).as("three leases, no new connection").hasSize(3);
        pass();
        assertThat(pool.getStats("a").available()).as("the route's limit, 4, leaves room for one").isEqualTo(1);
        pool.release(x, true);
        pool.release(y, true);
        pool.release(z, true);
        assertThat(pool.getTotalStats().available()).isEqualTo(4);
        assertThat(pool.getTotalStats().leased()).isZero();
    }

    @Test
    void namedRoutesAreWarmBeforeAnyLeaseAndWarmingStaysWithinTheLimits() {
        pool = builder(6).warmRoutes(Arrays.asList("a", "b", "c")).build();
        assertThat(pool.getTotalStats().available()).isZero();
        pass();
        assertThat(pool.getStats("a").available()).as("capped by maxPerRoute 4").isEqualTo(4);
        assertThat(pool.getStats("b").available()).isEqualTo(4);
        assertThat(pool.getStats("c").available()).as("what maxTotal 10 leaves").isEqualTo(2);
        assertThat(conns.maxOpen).hasValue(10);
        pool.closeIdle(0, MILLISECONDS);
        pass();
        assertThat(pool.getRoutes()).as("named routes are never purged").contains("a", "b", "c");
        assertThat(pool.getTotalStats().available()).as("warmed again").isEqualTo(10);
    }

    @Test
    void aFullRouteWithAWaitingLeaseIsNotWarmed() throws Exception {
        pool = builder(2).defaultMaxPerRoute(1).build();
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, MILLISECONDS);
        KeyedPool.LeaseRequest<String, Conn> waiting = pool.newRequest("a", null);
        Thread t = new Thread(() -> {
            try {
                waiting.get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // cancelled below
            }
        });
        t.start();
        Await.until("the lease waits", () -> pool.getStats("a").pending() == 1);
        pass();
        assertThat(idleCreates).as("the route is full, and a lease waits").hasValue(0);
        waiting.cancel();
        t.join();
        pool.release(held, true);
    }

    @Test
    void failuresBackOffAreSaidOnceAndASuccessEndsTheRun() {
        pool = builder(1).warmRoutes(Arrays.asList("down")).build();
        serverDown = true;
        pass();
        assertThat(idleCreates).hasValue(1);
        List<String> w = log.warnings();
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).contains("Pre-warming failed", "down", "minIdlePerRoute 1", "Connection refused",
                "tried again in 1");
        log.records.clear();
        pass();
        assertThat(idleCreates).as("backing off 1 s").hasValue(1);
        int[] gapsMillis = {1000, 2000, 4000, 8000};
        for (int gap : gapsMillis) {
            time.advance(Duration.ofMillis(gap - 1));
            pass();
            int before = idleCreates.get();
            time.advance(Duration.ofMillis(1));
            pass();
            assertThat(idleCreates.get()).as("the attempt after %d ms, not before", gap).isEqualTo(before + 1);
        }
        assertThat(log.warnings()).as("said once").isEmpty();
        assertThat(pool.getTotalStats().leased()).as("no unit lost").isZero();
        serverDown = false;
        time.advance(Duration.ofSeconds(16));
        pass();
        assertThat(pool.getStats("down").available()).isEqualTo(1);
        serverDown = true;
        pool.closeIdle(0, MILLISECONDS);
        pass();
        assertThat(log.warnings()).as("a new run of failures is said again").hasSize(1);
        log.records.clear();
    }

    @Test
    void aTaskHoldsNoUnitBeforeItsConnectSoALeaseThatComesMeanwhileFindsTheCapacity() throws Exception {
        pool = builder(2).defaultMaxPerRoute(2).maxTotal(2).warmRoutes(Arrays.asList("a")).build();
        pool.maintain(); // the task is planned, not yet run
        assertThat(warmer.tasks).hasSize(1);
        assertThat(pool.getTotalStats().leased()).as("nothing reserved while the task waits for a thread").isZero();
        PoolEntry<String, Conn> mine = pool.lease("a", null, 0, MILLISECONDS); // no wait: the capacity is free
        warmer.drain();
        assertThat(idleCreates).as("the task makes only what the lease left: one").hasValue(1);
        assertThat(pool.getStats("a").available()).isEqualTo(1);
        pool.release(mine, true);
        assertThat(pool.getTotalStats().available()).isEqualTo(2);
    }

    @Test
    void aTaskTheExecutorDropsCostsNoCapacityAndTheRouteIsPlannedAgainLater() {
        AtomicInteger accepted = new AtomicInteger();
        pool = builder(1).warmRoutes(Arrays.asList("a")).warmingExecutor(task -> accepted.incrementAndGet()).build();
        pool.maintain();
        pool.maintain();
        assertThat(accepted).as("one task per route while it is in flight").hasValue(1);
        assertThat(pool.getTotalStats().leased()).isZero();
        time.advance(Duration.ofNanos(Warming.ABANDONED_TASK_NANOS));
        pool.maintain();
        assertThat(accepted).as("taken for dropped: planned again").hasValue(2);
    }

    @Test
    void aUsedRouteStopsBeingWarmedAfterTenMinutesWithoutALeaseAndIsPurged() throws Exception {
        pool = builder(2).maxIdleTime(Duration.ofMinutes(3)).build(); // idle connections end after 3 minutes
        pool.release(pool.lease("busy", null, 0, MILLISECONDS), true);
        pool.release(pool.lease("quiet", null, 0, MILLISECONDS), true);
        pass();
        assertThat(pool.getStats("busy").available()).isEqualTo(2);
        assertThat(pool.getStats("quiet").available()).isEqualTo(2);
        boolean quietKeptUntilTheLapse = true;
        for (int minute = 1; minute <= 15; minute++) {
            time.advance(Duration.ofMinutes(1));
            pool.release(pool.lease("busy", null, 0, MILLISECONDS), true); // reuses an idle one
            pass();
            if (minute < 10) {
                quietKeptUntilTheLapse &= pool.getStats("quiet").available() == 2;
            }
        }
        assertThat(quietKeptUntilTheLapse).as("replaced as they idled out, for 10 minutes").isTrue();
        assertThat(pool.getStats("busy").available()).as("leased every minute: still warmed").isEqualTo(2);
        assertThat(pool.getRoutes()).as("no lease for 10 minutes: no longer warmed, and purged once empty")
                .doesNotContain("quiet");
        pool.release(pool.lease("quiet", null, 0, MILLISECONDS), true);
        pass();
        assertThat(pool.getStats("quiet").available()).as("a new lease: warmed again").isEqualTo(2);
    }

    @Test
    void anErrorFromTheFactoryBacksOffAsAnIOExceptionDoes() {
        pool = builder(1).warmRoutes(Arrays.asList("broken")).build();
        brokenWith = new NoClassDefFoundError("org/example/TlsProvider");
        pass();
        assertThat(idleCreates).hasValue(1);
        List<String> w = log.warnings();
        assertThat(w).hasSize(1);
        assertThat(w.get(0)).contains("Pre-warming failed", "broken", "NoClassDefFoundError");
        log.records.clear();
        pass();
        assertThat(idleCreates).as("backing off, not tried at every pass").hasValue(1);
        assertThat(pool.getTotalStats().leased()).as("no unit lost").isZero();
    }

    @Test
    void aFactoryThatCannotWarmTheRouteCountsNoFailureAndLosesNoCapacity() {
        AtomicInteger asked = new AtomicInteger();
        pool = KeyedPool.builder(new ConnectionFactory<String, Conn>() {
            @Override
            public Conn create(String route) throws IOException {
                return conns.create(route);
            }

            @Override
            public Conn createIdle(String route) {
                asked.incrementAndGet();
                return null;
            }

            @Override
            public void close(Conn c, CloseMode mode) {
                conns.close(c, mode);
            }
        }).logger(log).timeSource(time).maintenanceInterval(Duration.ZERO).maxTotal(2).minIdlePerRoute(2)
                .warmRoutes(Arrays.asList("tunnel")).warmingExecutor(warmer).build();
        pass();
        pass();
        assertThat(asked).as("asked again at each pass, no backoff").hasValue(2);
        assertThat(pool.getTotalStats().leased() + pool.getTotalStats().available()).isZero();
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void badSettingsAreRefusedByName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeyedPool.builder(conns).minIdlePerRoute(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIdlePerRoute").hasMessageContaining("-1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeyedPool.builder(conns).warmRoutes(Arrays.asList("a", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KeyedPool.builder(conns).warmRoutes(Arrays.asList("a")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIdlePerRoute is 0");
    }
}

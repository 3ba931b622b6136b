package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Findings of the two reviews of the diagnostics change. The first two tests failed on commit 6b9da18; the
 * others (but the class-loader one, which depends on which thread first starts the shared thread) failed on
 * c05a297, the last commit before the second review's fixes.
 */
class DiagnosticsReviewRegressionTest {

    /**
     * Maintenance reclaims a lease while its lessee is still checking the entry (validation, outside any lock);
     * the check fails. The lessee used to discard the reclaimed entry again: it unlinked it from a list it was no
     * longer in (dropping the route's other leases from the leased list), closed it a second time and freed its
     * units twice, so the route could open more connections than its limit.
     */
    @Test
    void reclaimRacingALesseesFailedCheckFreesOnce() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime(1);
        AtomicReference<KeyedPool<String, Conn>> poolRef = new AtomicReference<>();
        AtomicReference<PoolEntry<String, Conn>> other = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(2).maxTotal(2).timeSource(time)
                .maintenanceInterval(Duration.ZERO).leakThreshold(Duration.ofSeconds(5))
                .reclaimAbandonedAfter(Duration.ofSeconds(5))
                .validateAfterInactivity(Duration.ofMillis(1))
                .validator(c -> {
                    if (armed.compareAndSet(true, false)) {
                        time.advance(Duration.ofSeconds(10)); // the lessee's validation is slow
                        try {
                            other.set(poolRef.get().lease("a", null, 0, MILLISECONDS)); // a second, fresh lease
                        } catch (Exception ex) {
                            throw new AssertionError(ex);
                        }
                        poolRef.get().maintain(); // reclaims the lease under validation
                        return false;             // and the validation fails
                    }
                    return true;
                }).build();
        poolRef.set(pool);
        PoolEntry<String, Conn> first = pool.lease("a", null, 0, MILLISECONDS);
        pool.release(first, true);
        time.advance(Duration.ofSeconds(1));
        armed.set(true);

        PoolEntry<String, Conn> third = pool.lease("a", null, 0, MILLISECONDS);

        assertThat(conns.doubleCloses.get()).as("connections closed twice").isZero();
        assertThat(pool.leasedEntries()).as("the other leases stay in the leased list").containsExactlyInAnyOrder(other.get(), third);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 0, 2));
        assertThat(pool.getCounters().reclaimed()).isEqualTo(1);
        assertThatThrownBy(() -> pool.lease("a", null, 0, MILLISECONDS)).as("the route is full")
                .isInstanceOf(TimeoutException.class);
    }

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
                .maintenanceInterval(Duration.ZERO).build();
        PoolEntry<RouteWithBrokenToString, Object> e = pool.lease(route, null, 0, MILLISECONDS);
        e.setState("u");
        pool.release(e, true);

        PoolEntry<RouteWithBrokenToString, Object> other = pool.lease(route, "v", 0, MILLISECONDS);

        assertThat(closed).as("the idle entry of the other state made room").containsExactly(e.connection());
        assertThat(pool.getStateMismatches(route)).isEqualTo(1);
        pool.release(other, true);
        assertThat(pool.getStats(route)).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    // ------------------------------------------------------------------ second review

    /**
     * A probe of a healthy HttpClient connection waits its 1 ms read timeout, so probing every idle connection
     * every pass made a pass grow with the number of idle connections. Probes now stop at a quarter of the
     * interval and rotate: the least recently probed first.
     */
    @Test
    void probesStayWithinTheirBudgetAndRotate() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime();
        List<Conn> probed = new CopyOnWriteArrayList<>();
        // interval 1 h: the background task never comes due in this test; the budget is 15 min of the fake clock
        java.util.concurrent.ScheduledThreadPoolExecutor never = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        try {
            KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(5).timeSource(time)
                    .maintenanceInterval(Duration.ofHours(1)).maintenanceExecutor(never)
                    .idleProbe((Conn c) -> {
                        probed.add(c);
                        time.advance(Duration.ofMinutes(6)); // each probe "takes" 6 min: 3 fit in 15 min
                        return true;
                    }).build();
            List<PoolEntry<String, Conn>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(pool.lease("a", null, 0, MILLISECONDS));
            }
            for (PoolEntry<String, Conn> e : all) {
                pool.release(e, true);
            }
            time.advance(Duration.ofSeconds(1));

            pool.maintain();
            assertThat(probed).as("first pass, within budget").hasSize(3);
            List<Conn> first = List.copyOf(probed);
            probed.clear();
            pool.maintain();
            assertThat(probed).as("second pass").hasSize(3);
            assertThat(probed.subList(0, 2)).as("the two not probed yet go first")
                    .doesNotContainAnyElementsOf(first)
                    .hasSize(2);
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 5, 5));
            pool.close();
        } finally {
            never.shutdownNow();
        }
    }

    /** While a connection is being probed, its route counts it as available (it used to vanish from the counts). */
    @Test
    void aConnectionUnderProbeIsCountedAsAvailable() throws Exception {
        TestConnections conns = new TestConnections();
        java.util.concurrent.CountDownLatch inProbe = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO)
                .idleProbe((Conn c) -> {
                    inProbe.countDown();
                    try {
                        return finish.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }).build();
        pool.release(pool.lease("a", null, 0, MILLISECONDS), true);
        Thread maintenance = new Thread(pool::maintain, "test-maintenance");
        maintenance.start();
        try {
            assertThat(inProbe.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 2));
            assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 1, 20));
        } finally {
            finish.countDown();
            maintenance.join(10_000);
        }
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 2));
        pool.close();
    }

    /** An Error from a probe used to leave the connection detached for good: its capacity was lost. */
    @Test
    void anErrorFromTheProbeClosesTheConnectionAndFreesItsCapacity() throws Exception {
        TestConnections conns = new TestConnections();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(1).maintenanceInterval(Duration.ZERO)
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
                .maintenanceInterval(Duration.ZERO).build();
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

    /**
     * A lease that found every connection of the pool (maxTotal) leased by its own thread: the timeout
     * message used to say that nothing was suspected, against the self-deadlock report made as it began to wait.
     */
    @Test
    void theTimeoutMessageAgreesWithAPoolWideSelfDeadlock() throws Exception {
        TestConnections conns = new TestConnections();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(5).maxTotal(2)
                .maintenanceInterval(Duration.ZERO).build();
        pool.lease("a", null, 0, MILLISECONDS);
        pool.lease("b", null, 0, MILLISECONDS);

        assertThatThrownBy(() -> pool.lease("c", null, 100, MILLISECONDS))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("Self-deadlock suspected")
                .hasMessageContaining("maxTotal 2")
                .hasMessageNotContaining("No leak, self-deadlock or state mismatch suspected");
        assertThat(pool.getCounters().selfDeadlocks()).isEqualTo(1);
        pool.close(CloseMode.IMMEDIATE);
    }

    /** reused is a counter: it must never go down (it did when a connection handed out for reuse failed its checks). */
    @Test
    void reusedNeverDecreases() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime(1);
        AtomicReference<KeyedPool<String, Conn>> poolRef = new AtomicReference<>();
        AtomicReference<Long> seenDuringCheck = new AtomicReference<>();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).timeSource(time).maintenanceInterval(Duration.ZERO)
                .validateAfterInactivity(Duration.ofMillis(1)).validator((Conn c) -> {
                    seenDuringCheck.set(poolRef.get().getCounters().reused()); // the claim is counted by now
                    return false;
                }).build();
        poolRef.set(pool);
        pool.release(pool.lease("a", null, 0, MILLISECONDS), true);
        time.advance(Duration.ofSeconds(1));

        pool.release(pool.lease("a", null, 0, MILLISECONDS), true); // the idle one fails validation: a new one

        assertThat(seenDuringCheck.get()).isEqualTo(1);
        assertThat(pool.getCounters().reused()).as("read after the failed check").isGreaterThanOrEqualTo(seenDuringCheck.get());
        pool.close();
    }

    /** The shared maintenance thread is a daemon that pins neither the creator's class loader nor its thread locals. */
    @Test
    void theSharedMaintenanceThreadPinsNothingOfItsCreator() throws Exception {
        ClassLoader marker = new ClassLoader(getClass().getClassLoader()) { };
        Thread creator = new Thread(() -> {
            KeyedPool<String, Conn> pool = KeyedPool.builder(new TestConnections())
                    .maintenanceInterval(Duration.ofMillis(10)).build();
            try {
                Await.until("a maintenance thread runs", () -> maintenanceThread() != null);
            } finally {
                pool.close();
            }
        }, "creator");
        creator.setContextClassLoader(marker);
        creator.start();
        creator.join(10_000);
        Thread t = maintenanceThread();
        assertThat(t).isNotNull();
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getContextClassLoader()).isSameAs(Maintenance.class.getClassLoader()).isNotSameAs(marker);
    }

    private static Thread maintenanceThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("routepool-maintenance")).findFirst().orElse(null);
    }

    // ------------------------------------------------------------------ third review (failed on d0143a6)

    /** A validator that throws an Error used to leave its entry leased by nobody: the route was blocked for good. */
    @Test
    void anErrorFromTheValidatorDiscardsTheConnectionAndTheLeaseGoesOn() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime(1);
        AtomicBoolean broken = new AtomicBoolean();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(1).timeSource(time)
                .maintenanceInterval(Duration.ZERO).validateAfterInactivity(Duration.ofMillis(1))
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
                .maintenanceInterval(Duration.ZERO).build();
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

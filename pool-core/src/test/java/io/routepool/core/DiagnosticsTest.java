package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The pool's diagnostics: who holds what ({@link KeyedPool#leases()}), leak reports, reclaiming abandoned
 * leases, self-deadlock detection, state mismatches, stuck waiters, the explanatory timeout message,
 * maintenance of idle connections, counters, the listener and background maintenance.
 *
 * <p>Most tests use a {@link FakeTime} and {@code maintenanceInterval(ZERO)}, and run maintenance by calling
 * {@link KeyedPool#maintain()}: with background maintenance off, lease times come straight from the time
 * source, so ages are exact. Tests whose lease must time out use the system clock (a timed wait ends on the
 * pool's clock) with short real timeouts.
 */
@Timeout(30)
class DiagnosticsTest {

    static final String POOL_DIAGNOSTICS_LOGGER = "io.routepool.core.PoolDiagnostics";

    final TestConnections conns = new TestConnections();
    final FakeTime time = new FakeTime(1);
    final Recorder listener = new Recorder();
    final LogCapture logs = new LogCapture();
    /** Strong reference, so that the logger (and the handler on it) is not collected during the test. */
    Logger julLogger;
    boolean julUseParentHandlers;
    KeyedPool<String, Conn> pool;
    final List<Thread> threads = new CopyOnWriteArrayList<>();
    /** Borrower threads that must stay alive while the test runs wait on this. */
    final CountDownLatch endOfTest = new CountDownLatch(1);
    final List<java.util.concurrent.ExecutorService> executors = new ArrayList<>();
    String testThread;

    @BeforeEach
    void setUp() {
        testThread = Thread.currentThread().getName();
        julLogger = Logger.getLogger(POOL_DIAGNOSTICS_LOGGER);
        julLogger.addHandler(logs);
        julUseParentHandlers = julLogger.getUseParentHandlers();
        julLogger.setUseParentHandlers(false); // keep the expected warnings out of the build output
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        try {
            if (pool != null) {
                pool.close();
            }
            endOfTest.countDown();
            for (Thread t : threads) {
                t.join(10_000);
                assertThat(t.isAlive()).as("thread %s ended", t.getName()).isFalse();
            }
            for (java.util.concurrent.ExecutorService e : executors) {
                e.shutdownNow();
                assertThat(e.awaitTermination(10, SECONDS)).isTrue();
            }
            assertThat(conns.doubleCloses.get()).as("connections closed twice").isZero();
        } finally {
            julLogger.removeHandler(logs);
            julLogger.setUseParentHandlers(julUseParentHandlers);
        }
    }

    // ------------------------------------------------------------------ fixtures

    /** A fake-clock pool without background maintenance, reporting to {@link #listener}. */
    PoolBuilder<String, Conn> fake() {
        return KeyedPool.builder(conns).timeSource(time).maintenanceInterval(Duration.ZERO).listener(listener);
    }

    /** A real-clock pool without background maintenance, reporting to {@link #listener}. */
    PoolBuilder<String, Conn> real() {
        return KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO).listener(listener);
    }

    KeyedPool<String, Conn> build(PoolBuilder<String, Conn> builder) {
        pool = builder.build();
        return pool;
    }

    PoolEntry<String, Conn> now(String route, Object state) throws Exception {
        return pool.lease(route, state, 0, MILLISECONDS);
    }

    /** Starts a named thread running {@code task}; joined in tearDown. */
    <T> CompletableFuture<T> inThread(String name, java.util.concurrent.Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable ex) {
                result.completeExceptionally(ex);
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return result;
    }

    Thread thread(String name) {
        return threads.stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }

    /**
     * Leases in a new thread named {@code name} and returns the entry. With {@code stayAlive} the thread then
     * waits until the test ends (a live holder); else it ends, and is joined before this returns.
     */
    PoolEntry<String, Conn> leaseInThread(String name, String route, Object state, boolean stayAlive) throws Exception {
        CompletableFuture<PoolEntry<String, Conn>> leased = new CompletableFuture<>();
        inThread(name, () -> {
            try {
                leased.complete(pool.lease(route, state, 0, MILLISECONDS));
            } catch (Throwable ex) {
                leased.completeExceptionally(ex);
                throw ex;
            }
            if (stayAlive) {
                endOfTest.await();
            }
            return null;
        });
        PoolEntry<String, Conn> e = leased.get(10, SECONDS);
        if (!stayAlive) {
            thread(name).join(10_000);
            assertThat(thread(name).getState()).isEqualTo(Thread.State.TERMINATED);
        }
        return e;
    }

    /** A lease in a new thread named {@code name}, waiting up to {@code timeout} (on the pool's clock). */
    CompletableFuture<PoolEntry<String, Conn>> waiter(String name, String route, long timeout, java.util.concurrent.TimeUnit unit) {
        return inThread(name, () -> pool.lease(route, null, timeout, unit));
    }

    void awaitPending(String route, int n) {
        Await.until(n + " pending on " + route, Duration.ofSeconds(10), () -> pool.getStats(route).pending() == n);
    }

    void awaitTotalPending(int n) {
        Await.until(n + " pending in the pool", Duration.ofSeconds(10), () -> pool.getTotalStats().pending() == n);
    }

    /** A scheduled executor whose only thread is busy until the test ends: tasks scheduled on it never run. */
    java.util.concurrent.ScheduledExecutorService blockedExecutor() throws InterruptedException {
        java.util.concurrent.ScheduledThreadPoolExecutor e = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        executors.add(e);
        CountDownLatch busy = new CountDownLatch(1);
        e.execute(() -> {
            busy.countDown();
            try {
                endOfTest.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(busy.await(10, SECONDS)).isTrue();
        return e;
    }

    static String defaultRemedy(Diagnostic.Kind kind) {
        return Remedies.defaultFor(kind);
    }

    /** Collects everything the pool tells its listener, in order, with the thread that delivered it. */
    static final class Recorder implements PoolListener<String> {
        final List<Diagnostic<String>> diagnostics = new CopyOnWriteArrayList<>();
        final List<String> diagnosticThreads = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> waitedNanos = new CopyOnWriteArrayList<>();

        @Override
        public void onDiagnostic(Diagnostic<String> d) {
            diagnostics.add(d);
            diagnosticThreads.add(Thread.currentThread().getName());
        }

        @Override
        public void onConnectionCreated(String route, long id) {
            events.add("created " + route + " " + id);
        }

        @Override
        public void onConnectionClosed(String route, long id) {
            events.add("closed " + route + " " + id);
        }

        @Override
        public void onLeaseWaited(String route, long waited, boolean granted) {
            events.add("waited " + route + " " + granted);
            waitedNanos.add(waited);
        }

        List<Diagnostic<String>> of(Diagnostic.Kind kind) {
            return diagnostics.stream().filter(d -> d.kind() == kind).collect(Collectors.toList());
        }

        Diagnostic<String> only(Diagnostic.Kind kind) {
            List<Diagnostic<String>> found = of(kind);
            assertThat(found).as("%s diagnostics in %s", kind, diagnostics).hasSize(1);
            return found.get(0);
        }

        List<Diagnostic.Kind> kinds() {
            return diagnostics.stream().map(Diagnostic::kind).collect(Collectors.toList());
        }
    }

    /** Collects the records logged on the PoolDiagnostics logger. */
    static final class LogCapture extends Handler {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        List<LogRecord> warnings() {
            return records.stream().filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue()).collect(Collectors.toList());
        }

        List<String> warningMessages() {
            return warnings().stream().map(LogRecord::getMessage).collect(Collectors.toList());
        }
    }

    // ================================================================== leases()

    @Test
    void leasesNameHolderRouteIdAndAgeOldestFirst() throws Exception {
        build(fake().defaultMaxPerRoute(5));
        PoolEntry<String, Conn> mine = now("a", null);
        mine.setState("s1");
        time.advance(Duration.ofSeconds(3));
        PoolEntry<String, Conn> theirs = leaseInThread("holder-1", "b", null, true);
        time.advance(Duration.ofSeconds(2));

        List<LeaseInfo<String>> leases = pool.leases();

        assertThat(leases).hasSize(2);
        LeaseInfo<String> oldest = leases.get(0);
        assertThat(oldest.route()).isEqualTo("a");
        assertThat(oldest.connectionId()).isEqualTo(mine.id());
        assertThat(oldest.state()).isEqualTo("s1");
        assertThat(oldest.holder()).isEqualTo(testThread);
        assertThat(oldest.holderId()).isEqualTo(Thread.currentThread().getId());
        assertThat(oldest.holderState()).isEqualTo(Thread.State.RUNNABLE);
        assertThat(oldest.age()).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(5).plusMillis(1));
        assertThat(oldest.leaseSite()).isNull();
        LeaseInfo<String> newer = leases.get(1);
        assertThat(newer.route()).isEqualTo("b");
        assertThat(newer.connectionId()).isEqualTo(theirs.id());
        assertThat(newer.holder()).isEqualTo("holder-1");
        assertThat(newer.holderId()).isEqualTo(thread("holder-1").getId());
        assertThat(newer.age()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(2).plusMillis(1));
        assertThat(newer.toString()).contains("connection " + theirs.id(), "2.0 s", "\"holder-1\"");

        pool.release(mine, true);
        pool.release(theirs, true);
        assertThat(pool.leases()).isEmpty();
    }

    @Test
    void leaseGrantedToAWaiterRecordsTheWaitersThread() throws Exception {
        build(fake().defaultMaxPerRoute(1));
        PoolEntry<String, Conn> e = now("a", null);
        CompletableFuture<PoolEntry<String, Conn>> waiting = waiter("waiter-1", "a", 1, MINUTES);
        awaitPending("a", 1);
        time.advance(Duration.ofSeconds(4));

        pool.release(e, true);
        PoolEntry<String, Conn> granted = waiting.get(10, SECONDS);

        assertThat(granted).isSameAs(e);
        assertThat(pool.leases()).singleElement().satisfies(l -> {
            assertThat(l.holder()).isEqualTo("waiter-1");
            assertThat(l.holderId()).isEqualTo(thread("waiter-1").getId());
            assertThat(l.connectionId()).isEqualTo(e.id());
            assertThat(l.age()).as("the lease began at the grant, not at the first lease").isLessThan(Duration.ofSeconds(1));
        });
        pool.release(granted, true);
        assertThat(pool.leases()).isEmpty();
    }

    // ================================================================== leaks

    @Test
    void leakIsReportedOnceWhenALeaseReachesTheThreshold() throws Exception {
        build(fake().leakThreshold(Duration.ofSeconds(10)));
        PoolEntry<String, Conn> e = now("route-a", null);

        time.advance(Duration.ofSeconds(9));
        pool.maintain();
        assertThat(listener.diagnostics).isEmpty();
        assertThat(logs.warnings()).isEmpty();

        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        Diagnostic<String> leak = listener.only(Diagnostic.Kind.LEAK_SUSPECTED);
        assertThat(leak.route()).isEqualTo("route-a");
        assertThat(leak.thread()).isEqualTo(testThread);
        assertThat(leak.leases()).singleElement().satisfies(l -> {
            assertThat(l.connectionId()).isEqualTo(e.id());
            assertThat(l.route()).isEqualTo("route-a");
            assertThat(l.holder()).isEqualTo(testThread);
            assertThat(l.age()).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(10).plusMillis(1));
        });
        assertThat(leak.message()).contains("route-a", "\"" + testThread + "\"", "10.0 s");
        assertThat(logs.warnings()).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.WARNING);
            assertThat(r.getMessage()).isEqualTo(leak.message());
        });
        assertThat(pool.getCounters().leaksSuspected()).isEqualTo(1);

        for (int i = 0; i < 3; i++) {
            time.advance(Duration.ofSeconds(10));
            pool.maintain();
        }
        assertThat(listener.diagnostics).hasSize(1);
        assertThat(logs.warnings()).hasSize(1);
        assertThat(pool.getCounters().leaksSuspected()).isEqualTo(1);

        // the next lease of the same connection is a new lease: it can leak again
        pool.release(e, true);
        PoolEntry<String, Conn> again = now("route-a", null);
        assertThat(again).isSameAs(e);
        time.advance(Duration.ofSeconds(9));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.LEAK_SUSPECTED)).hasSize(1);
        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.LEAK_SUSPECTED)).hasSize(2);
        assertThat(listener.of(Diagnostic.Kind.LEAK_SUSPECTED).get(1).leases().get(0).age())
                .isBetween(Duration.ofSeconds(10), Duration.ofSeconds(10).plusMillis(1));
        assertThat(logs.warnings()).hasSize(2);
        assertThat(pool.getCounters().leaksSuspected()).isEqualTo(2);
    }

    @Test
    void releasedLeaseIsNotReportedAsALeak() throws Exception {
        build(fake().leakThreshold(Duration.ofSeconds(10)));
        PoolEntry<String, Conn> e = now("a", null);
        time.advance(Duration.ofSeconds(5));
        pool.release(e, true);
        time.advance(Duration.ofSeconds(60));
        pool.maintain();
        assertThat(listener.diagnostics).isEmpty();
        assertThat(pool.getCounters().leaksSuspected()).isZero();
    }

    @Test
    void captureLeaseStacksRecordsWhereTheConnectionWasLeased(TestInfo info) throws Exception {
        String method = info.getTestMethod().orElseThrow().getName();
        build(fake().leakThreshold(Duration.ofSeconds(10)).captureLeaseStacks(true));
        now("a", null);

        String frame = DiagnosticsTest.class.getName() + "#" + method;
        Throwable site = pool.leases().get(0).leaseSite();
        assertThat(site).isNotNull();
        assertThat(frames(site)).as("the lease site shows the leasing test method").contains(frame);

        time.advance(Duration.ofSeconds(10));
        pool.maintain();
        Diagnostic<String> leak = listener.only(Diagnostic.Kind.LEAK_SUSPECTED);
        assertThat(leak.leases().get(0).leaseSite()).isNotNull();
        assertThat(frames(leak.leases().get(0).leaseSite())).as("the leak report shows the leasing test method").contains(frame);
        assertThat(logs.warnings()).singleElement().satisfies(r -> {
            assertThat(r.getThrown()).as("the lease site is text in the report, not a logged exception").isNull();
            assertThat(r.getMessage()).contains("    leased at ", DiagnosticsTest.class.getName() + "." + method + "(")
                    .doesNotContain("\tat ", "LeaseSite");
        });
    }

    static List<String> frames(Throwable t) {
        return java.util.Arrays.stream(t.getStackTrace()).map(f -> f.getClassName() + "#" + f.getMethodName())
                .collect(Collectors.toList());
    }

    @Test
    void withoutStackCaptureThereIsNoLeaseSite() throws Exception {
        build(fake().leakThreshold(Duration.ofSeconds(10)));
        now("a", null);
        assertThat(pool.leases().get(0).leaseSite()).isNull();
        time.advance(Duration.ofSeconds(10));
        pool.maintain();
        assertThat(listener.only(Diagnostic.Kind.LEAK_SUSPECTED).leases().get(0).leaseSite()).isNull();
    }

    @Test
    void zeroLeakThresholdDisablesLeakDetection() throws Exception {
        build(fake().leakThreshold(Duration.ZERO));
        now("a", null);
        time.advance(Duration.ofHours(10));
        pool.maintain();
        assertThat(listener.diagnostics).isEmpty();
        assertThat(logs.warnings()).isEmpty();
        assertThat(pool.getCounters().leaksSuspected()).isZero();
    }

    // ================================================================== reclaiming abandoned leases

    PoolBuilder<String, Conn> reclaiming() {
        return fake().defaultMaxPerRoute(1).leakThreshold(Duration.ofSeconds(30)).reclaimAbandonedAfter(Duration.ofSeconds(60));
    }

    @Test
    void abandonedLeaseIsReclaimedAndALateReleaseIsIgnored() throws Exception {
        build(reclaiming());
        PoolEntry<String, Conn> abandoned = now("a", null);
        Conn conn = abandoned.connection();

        time.advance(Duration.ofSeconds(59));
        pool.maintain();
        assertThat(listener.kinds()).containsExactly(Diagnostic.Kind.LEAK_SUSPECTED);
        assertThat(conn.open).isTrue();

        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        assertThat(conn.open).as("reclaimed connection closed").isFalse();
        assertThat(conn.closes.get()).isEqualTo(1);
        assertThat(conn.closeMode).isEqualTo(CloseMode.IMMEDIATE);
        Diagnostic<String> reclaimed = listener.only(Diagnostic.Kind.LEASE_RECLAIMED);
        assertThat(reclaimed.route()).isEqualTo("a");
        assertThat(reclaimed.thread()).isEqualTo(testThread);
        assertThat(reclaimed.leases()).singleElement().satisfies(l -> {
            assertThat(l.connectionId()).isEqualTo(abandoned.id());
            assertThat(l.holder()).isEqualTo(testThread);
        });
        assertThat(pool.getCounters().reclaimed()).isEqualTo(1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 1));
        assertThat(pool.leases()).isEmpty();

        // the capacity is free again: the full route leases at once
        PoolEntry<String, Conn> fresh = now("a", null);
        assertThat(fresh.connection()).isNotSameAs(conn);
        assertThat(conns.open.get()).isEqualTo(1);

        // the old holder finally releases: ignored, reported
        assertThatCode(() -> pool.release(abandoned, true)).doesNotThrowAnyException();
        Diagnostic<String> late = listener.only(Diagnostic.Kind.LATE_RELEASE);
        assertThat(late.route()).isEqualTo("a");
        assertThat(late.thread()).isEqualTo(testThread);
        assertThat(late.leases()).singleElement().satisfies(l -> assertThat(l.connectionId()).isEqualTo(abandoned.id()));
        assertThat(logs.warningMessages()).contains(late.message());
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
        assertThat(pool.availableEntries()).isEmpty();
        assertThat(pool.leasedEntries()).containsExactly(fresh);

        // and again, and non-reusable: still harmless
        assertThatCode(() -> pool.release(abandoned, false)).doesNotThrowAnyException();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
        assertThat(conn.closes.get()).isEqualTo(1);

        pool.release(fresh, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
        assertThat(pool.availableEntries()).containsExactly(fresh);
        assertThat(now("a", null)).isSameAs(fresh);
        assertThat(conns.created).hasSize(2);
        assertThat(conns.open.get()).isEqualTo(1);
        PoolCounters c = pool.getCounters();
        assertThat(c.created()).isEqualTo(2);
        assertThat(c.closed()).isEqualTo(1);
        assertThat(c.reclaimed()).isEqualTo(1);
    }

    @Test
    void reclaimingServesAWaiter() throws Exception {
        build(reclaiming());
        PoolEntry<String, Conn> abandoned = now("a", null);
        CompletableFuture<PoolEntry<String, Conn>> waiting = waiter("waiter-1", "a", 10, MINUTES);
        awaitPending("a", 1);

        time.advance(Duration.ofSeconds(60));
        pool.maintain();

        PoolEntry<String, Conn> granted = waiting.get(10, SECONDS);
        assertThat(granted.connection()).isNotSameAs(abandoned.connection());
        assertThat(abandoned.connection().open).isFalse();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
        pool.release(abandoned, true);
        pool.release(granted, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void reclaimThresholdBelowTheLeakThresholdIsRejected() {
        assertThatThrownBy(() -> fake().leakThreshold(Duration.ofSeconds(30)).reclaimAbandonedAfter(Duration.ofSeconds(20)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reclaimAbandonedAfter")
                .hasMessageContaining("leakThreshold");
        // the order of the calls does not matter
        assertThatThrownBy(() -> fake().reclaimAbandonedAfter(Duration.ofSeconds(20)).leakThreshold(Duration.ofSeconds(30)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reclaimAbandonedAfter")
                .hasMessageContaining("leakThreshold");
    }

    @Test
    void reclaimThresholdAtOrAboveTheLeakThresholdOrEitherOffIsAccepted() {
        List<PoolBuilder<String, Conn>> fine = List.of(
                fake().leakThreshold(Duration.ofSeconds(30)).reclaimAbandonedAfter(Duration.ofSeconds(30)),
                fake().leakThreshold(Duration.ofSeconds(30)).reclaimAbandonedAfter(Duration.ofSeconds(31)),
                fake().leakThreshold(Duration.ZERO).reclaimAbandonedAfter(Duration.ofSeconds(1)),
                fake().leakThreshold(Duration.ofSeconds(30)).reclaimAbandonedAfter(Duration.ZERO));
        for (PoolBuilder<String, Conn> b : fine) {
            KeyedPool<String, Conn> p = b.build();
            p.close();
        }
    }

    /**
     * Maintenance reclaims a lease while its lessee is still checking the entry (validation, outside any lock);
     * the check fails. The lessee used to discard the reclaimed entry again: it unlinked it from a list it was no
     * longer in (dropping the route's other leases from the leased list), closed it a second time and freed its
     * units twice, so the route could open more connections than its limit.
     */
    @Test
    void reclaimRacingALesseesFailedCheckFreesOnce() throws Exception {
        AtomicReference<KeyedPool<String, Conn>> poolRef = new AtomicReference<>();
        AtomicReference<PoolEntry<String, Conn>> other = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean();
        build(KeyedPool.builder(conns).defaultMaxPerRoute(2).maxTotal(2).timeSource(time)
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
                }));
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

    // ================================================================== self-deadlock

    @Test
    void selfDeadlockOnTheRouteIsReportedBeforeTheLeaseTimesOut() throws Exception {
        build(real().defaultMaxPerRoute(2));
        PoolEntry<String, Conn> first = now("svc-a", null);
        PoolEntry<String, Conn> second = now("svc-a", null);

        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.lease("svc-a", null, 200, MILLISECONDS))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("Self-deadlock suspected");
        assertThat(System.nanoTime() - start).as("waited the timeout").isGreaterThanOrEqualTo(MILLISECONDS.toNanos(200));

        Diagnostic<String> deadlock = listener.only(Diagnostic.Kind.SELF_DEADLOCK);
        assertThat(listener.kinds()).as("reported when the wait began, before it timed out")
                .containsExactly(Diagnostic.Kind.SELF_DEADLOCK, Diagnostic.Kind.LEASE_TIMEOUT);
        assertThat(deadlock.route()).isEqualTo("svc-a");
        assertThat(deadlock.thread()).isEqualTo(testThread);
        assertThat(deadlock.message()).contains("\"" + testThread + "\"", "maxPerRoute 2", "svc-a");
        assertThat(deadlock.leases()).extracting(LeaseInfo::connectionId).containsExactlyInAnyOrder(first.id(), second.id());
        assertThat(deadlock.leases()).allSatisfy(l -> assertThat(l.holder()).isEqualTo(testThread));
        assertThat(logs.warningMessages()).containsExactly(deadlock.message());
        assertThat(pool.getCounters().selfDeadlocks()).isEqualTo(1);
        assertThat(pool.getStats("svc-a")).isEqualTo(new PoolStats(2, 0, 0, 2));
    }

    @Test
    void selfDeadlockIsReportedWhileTheLeaseStillWaits() throws Exception {
        build(real().defaultMaxPerRoute(2));
        List<PoolEntry<String, Conn>> held = new CopyOnWriteArrayList<>();
        // "greedy" leases both connections and asks for a third, with a long timeout
        CompletableFuture<PoolEntry<String, Conn>> third = inThread("greedy", () -> {
            held.add(pool.lease("a", null, 0, MILLISECONDS));
            held.add(pool.lease("a", null, 0, MILLISECONDS));
            return pool.lease("a", null, 1, MINUTES);
        });
        Await.until("a self-deadlock report", Duration.ofSeconds(10), () -> !listener.of(Diagnostic.Kind.SELF_DEADLOCK).isEmpty());
        assertThat(third).as("reported while the lease waits").isNotDone();
        Diagnostic<String> deadlock = listener.only(Diagnostic.Kind.SELF_DEADLOCK);
        assertThat(deadlock.thread()).isEqualTo("greedy");
        assertThat(deadlock.message()).contains("\"greedy\"", "maxPerRoute 2");
        assertThat(deadlock.leases()).allSatisfy(l -> assertThat(l.holder()).isEqualTo("greedy"));

        // another thread may release on its behalf: the wait then ends normally
        awaitPending("a", 1);
        pool.release(held.get(0), true);
        assertThat(third.get(10, SECONDS)).isSameAs(held.get(0));
        assertThat(pool.getCounters().selfDeadlocks()).isEqualTo(1);
        assertThat(listener.of(Diagnostic.Kind.LEASE_TIMEOUT)).isEmpty();
    }

    @Test
    void failOnSelfDeadlockThrowsAtOnceAndLeavesThePoolIntact() throws Exception {
        build(real().defaultMaxPerRoute(2).failOnSelfDeadlock(true));
        PoolEntry<String, Conn> first = now("a", null);
        PoolEntry<String, Conn> second = now("a", null);

        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.lease("a", null, 20, SECONDS))
                .isInstanceOf(SelfDeadlockException.class)
                .hasMessageContaining("maxPerRoute 2")
                .hasMessageContaining(testThread);
        assertThat(System.nanoTime() - start).as("at once, not after the timeout").isLessThan(SECONDS.toNanos(10));

        Diagnostic<String> deadlock = listener.only(Diagnostic.Kind.SELF_DEADLOCK);
        assertThat(deadlock.thread()).isEqualTo(testThread);
        assertThat(deadlock.message()).contains("maxPerRoute 2");
        assertThat(pool.getCounters().selfDeadlocks()).isEqualTo(1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 0, 2));
        assertThat(pool.getTotalStats().pending()).isZero();

        // capacity intact: a release makes room for exactly one lease
        pool.release(first, true);
        assertThat(now("a", null)).isSameAs(first);
        pool.release(second, false);
        PoolEntry<String, Conn> third = now("a", null);
        assertThat(third.id()).isEqualTo(3);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 0, 2));
        assertThat(conns.open.get()).isEqualTo(2);
    }

    @Test
    void noSelfDeadlockWhenAnotherThreadHoldsOneOfTheConnections() throws Exception {
        build(real().defaultMaxPerRoute(2).failOnSelfDeadlock(true));
        now("a", null);
        leaseInThread("holder-1", "a", null, true);

        assertThatThrownBy(() -> pool.lease("a", null, 100, MILLISECONDS))
                .isInstanceOf(TimeoutException.class)
                .satisfies(ex -> assertThat(ex.getMessage()).doesNotContain("Self-deadlock"));
        assertThat(listener.of(Diagnostic.Kind.SELF_DEADLOCK)).isEmpty();
        assertThat(pool.getCounters().selfDeadlocks()).isZero();
    }

    @Test
    void selfDeadlockOnMaxTotalAcrossRoutes() throws Exception {
        build(real().maxTotal(2).defaultMaxPerRoute(5));
        now("a", null);
        now("b", null);

        assertThatThrownBy(() -> pool.lease("c", null, 200, MILLISECONDS)).isInstanceOf(TimeoutException.class);

        Diagnostic<String> deadlock = listener.only(Diagnostic.Kind.SELF_DEADLOCK);
        assertThat(deadlock.route()).isEqualTo("c");
        assertThat(deadlock.thread()).isEqualTo(testThread);
        assertThat(deadlock.message()).contains("maxTotal", "\"" + testThread + "\"");
        assertThat(deadlock.leases()).extracting(LeaseInfo::route).containsExactlyInAnyOrder("a", "b");
        assertThat(listener.kinds().indexOf(Diagnostic.Kind.SELF_DEADLOCK))
                .isLessThan(listener.kinds().indexOf(Diagnostic.Kind.LEASE_TIMEOUT));
        assertThat(pool.getCounters().selfDeadlocks()).isEqualTo(1);
    }

    @Test
    void failOnSelfDeadlockOnMaxTotalThrows() throws Exception {
        build(real().maxTotal(2).defaultMaxPerRoute(5).failOnSelfDeadlock(true));
        now("a", null);
        now("b", null);
        assertThatThrownBy(() -> pool.lease("c", null, 20, SECONDS))
                .isInstanceOf(SelfDeadlockException.class)
                .hasMessageContaining("maxTotal");
        assertThat(listener.only(Diagnostic.Kind.SELF_DEADLOCK).message()).contains("maxTotal");
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(2, 0, 0, 2));
    }

    @Test
    void asyncLeasesNeverReportSelfDeadlock() throws Exception {
        build(real().defaultMaxPerRoute(2).maxTotal(2).failOnSelfDeadlock(true));
        PoolEntry<String, Conn> first = now("a", null);
        now("a", null);

        CompletableFuture<PoolEntry<String, Conn>> sameRoute = pool.leaseAsync("a", null, 100, MILLISECONDS);
        CompletableFuture<PoolEntry<String, Conn>> otherRoute = pool.leaseAsync("b", null, 100, MILLISECONDS);
        assertThatThrownBy(() -> sameRoute.get(10, SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> otherRoute.get(10, SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);

        assertThat(listener.of(Diagnostic.Kind.SELF_DEADLOCK)).isEmpty();
        assertThat(pool.getCounters().selfDeadlocks()).isZero();
        pool.release(first, true);
    }

    // ================================================================== state mismatch

    @Test
    void stateMismatchIsCountedAndReportedOncePerRoute() throws Exception {
        build(fake().defaultMaxPerRoute(10));
        PoolEntry<String, Conn> u = now("a", null);
        u.setState("u");
        pool.release(u, true);

        PoolEntry<String, Conn> plain = now("a", null);
        assertThat(plain).as("a null lease does not take a connection of state u").isNotSameAs(u);
        assertThat(conns.created).hasSize(2);
        assertThat(pool.getStateMismatches("a")).isEqualTo(1);
        assertThat(pool.getCounters().stateMismatches()).isEqualTo(1);
        Diagnostic<String> mismatch = listener.only(Diagnostic.Kind.STATE_MISMATCH);
        assertThat(mismatch.route()).isEqualTo("a");
        assertThat(mismatch.message()).contains("u", defaultRemedy(Diagnostic.Kind.STATE_MISMATCH));
        assertThat(logs.warningMessages()).containsExactly(mismatch.message());

        now("a", null);
        now("a", null);
        assertThat(pool.getStateMismatches("a")).isEqualTo(3);
        assertThat(pool.getCounters().stateMismatches()).isEqualTo(3);
        assertThat(listener.of(Diagnostic.Kind.STATE_MISMATCH)).hasSize(1);
        assertThat(logs.warnings()).hasSize(1);

        // another route has its own count and its own warning
        PoolEntry<String, Conn> v = now("b", null);
        v.setState("v");
        pool.release(v, true);
        now("b", null);
        assertThat(pool.getStateMismatches("b")).isEqualTo(1);
        assertThat(pool.getStateMismatches("a")).isEqualTo(3);
        assertThat(pool.getCounters().stateMismatches()).isEqualTo(4);
        assertThat(listener.of(Diagnostic.Kind.STATE_MISMATCH)).extracting(Diagnostic::route).containsExactly("a", "b");
        assertThat(logs.warnings()).hasSize(2);
    }

    @Test
    void leaseWithAStateLeavingItsStateIdleAlsoMismatchesANullLease() throws Exception {
        build(fake().defaultMaxPerRoute(10));
        // a new connection starts with a null state, as in HttpCore: the lessee sets the state it leaves it with
        PoolEntry<String, Conn> e = pool.lease("a", "u", 0, MILLISECONDS);
        assertThat(e.state()).isNull();
        e.setState("u");
        pool.release(e, true);
        assertThat(pool.lease("a", "u", 0, MILLISECONDS)).isSameAs(e);
        pool.release(e, true);

        PoolEntry<String, Conn> plain = now("a", null);
        assertThat(plain).isNotSameAs(e);
        assertThat(pool.getStateMismatches("a")).isEqualTo(1);
        assertThat(listener.only(Diagnostic.Kind.STATE_MISMATCH).message()).contains("u");
    }

    @Test
    void aLeaseThatReplacesAnIdleConnectionOfAnotherStateIsAMismatchToo() throws Exception {
        // the route is full of an idle "u" connection: a null lease closes it and opens its own (HttpCore's
        // per-route excess rule), a mismatch counted once
        build(fake().defaultMaxPerRoute(1).maxTotal(5));
        PoolEntry<String, Conn> u = now("a", null);
        u.setState("u");
        pool.release(u, true);
        PoolEntry<String, Conn> plain = now("a", null); // route full of the idle "u": it takes its place
        assertThat(plain).isNotSameAs(u);
        assertThat(u.connection().open).isFalse();
        assertThat(pool.getStateMismatches("a")).isEqualTo(1);
        assertThat(pool.getCounters().stateMismatches()).isEqualTo(1);
        assertThat(listener.of(Diagnostic.Kind.STATE_MISMATCH)).hasSize(1);
    }

    @Test
    void customRemedyReplacesTheDefaultAdvice() throws Exception {
        build(fake().defaultMaxPerRoute(10).remedy(Diagnostic.Kind.STATE_MISMATCH, "custom advice"));
        PoolEntry<String, Conn> u = now("a", null);
        u.setState("u");
        pool.release(u, true);
        now("a", null);
        String message = listener.only(Diagnostic.Kind.STATE_MISMATCH).message();
        assertThat(message).contains("custom advice").doesNotContain(defaultRemedy(Diagnostic.Kind.STATE_MISMATCH));
    }

    @Test
    void noStateMismatchWhenStatesMatchOrNothingIsIdle() throws Exception {
        build(fake().defaultMaxPerRoute(10));
        PoolEntry<String, Conn> u = now("a", null);
        u.setState("u");
        pool.release(u, true);
        assertThat(pool.lease("a", "u", 0, MILLISECONDS)).isSameAs(u); // states match
        now("a", null); // nothing idle
        PoolEntry<String, Conn> n = now("a", null);
        pool.release(n, true);
        assertThat(now("a", null)).isSameAs(n); // null matches null
        assertThat(pool.getStateMismatches("a")).isZero();
        assertThat(pool.getStateMismatches("never-used")).isZero();
        assertThat(pool.getCounters().stateMismatches()).isZero();
        assertThat(listener.diagnostics).isEmpty();
        assertThat(logs.warnings()).isEmpty();
    }

    // ================================================================== stuck waiters

    @Test
    void stuckRouteWaitersAreReportedOnceInOneReportPerRouteWithTheRoutesHolders() throws Exception {
        build(fake().defaultMaxPerRoute(1).stuckWaiterThreshold(Duration.ofSeconds(5)));
        PoolEntry<String, Conn> held = leaseInThread("holder-1", "a", null, true);
        CompletableFuture<PoolEntry<String, Conn>> w1 = waiter("waiter-1", "a", 10, MINUTES);
        awaitPending("a", 1);
        CompletableFuture<PoolEntry<String, Conn>> w2 = waiter("waiter-2", "a", 10, MINUTES);
        awaitPending("a", 2);

        time.advance(Duration.ofSeconds(4));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).isEmpty();

        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        List<Diagnostic<String>> stuck = listener.of(Diagnostic.Kind.WAITER_STUCK);
        assertThat(stuck).as("one report for the route's stuck waiters, naming the longest waiting")
                .extracting(Diagnostic::thread).containsExactly("waiter-1");
        assertThat(stuck).allSatisfy(d -> {
            assertThat(d.route()).isEqualTo("a");
            assertThat(d.leases()).singleElement().satisfies(l -> {
                assertThat(l.holder()).isEqualTo("holder-1");
                assertThat(l.connectionId()).isEqualTo(held.id());
            });
            assertThat(d.message()).contains("\"holder-1\"", "\"waiter-1\"", "\"waiter-2\"")
                    .startsWith(pool.name() + ": 2 leases stuck waiting on route a, up to 5.0 s\n");
        });
        assertThat(logs.warnings()).hasSize(stuck.size());

        // once per wait
        time.advance(Duration.ofSeconds(20));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).hasSize(stuck.size());

        pool.release(held, true);
        PoolEntry<String, Conn> first = w1.get(10, SECONDS);
        pool.release(first, true);
        PoolEntry<String, Conn> second = w2.get(10, SECONDS);
        pool.release(second, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void stuckCapacityWaiterIsReported() throws Exception {
        build(fake().maxTotal(2).defaultMaxPerRoute(2).stuckWaiterThreshold(Duration.ofSeconds(5)));
        PoolEntry<String, Conn> a = now("a", null);
        PoolEntry<String, Conn> b = now("b", null);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-c", "c", 10, MINUTES);
        awaitTotalPending(1);

        time.advance(Duration.ofSeconds(4));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).isEmpty();

        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        Diagnostic<String> stuck = listener.only(Diagnostic.Kind.WAITER_STUCK);
        assertThat(stuck.route()).isEqualTo("c");
        assertThat(stuck.thread()).isEqualTo("waiter-c");
        assertThat(stuck.leases()).extracting(LeaseInfo::connectionId).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(stuck.leases()).allSatisfy(l -> assertThat(l.holder()).isEqualTo(testThread));
        assertThat(stuck.message()).contains("\"waiter-c\"", "\"" + testThread + "\"");

        time.advance(Duration.ofSeconds(20));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).hasSize(1);

        pool.release(a, true);
        PoolEntry<String, Conn> c = w.get(10, SECONDS);
        assertThat(c.route()).isEqualTo("c");
        pool.release(c, true);
        pool.release(b, true);
    }

    /**
     * A capacity waiter is counted in {@code pending} only once its wait start is stamped. The time source makes
     * the race that {@link #stuckCapacityWaiterIsReported} used to lose on a busy machine happen every time: a
     * clock read of the waiter's thread made while the waiter shows as pending (to that thread, at least) returns
     * only after the test, which awaits the waiter in {@code pending}, has moved the clock on 4 s, or once the
     * test is blocked on a lock (then it cannot see the waiter yet). A stamp read after others could see the
     * waiter would make the wait seem 4 s shorter, and the waiter would not be reported at the threshold.
     */
    @Test
    void aCapacityWaiterShowsAsPendingOnlyOnceItsWaitIsStamped() throws Exception {
        Thread test = Thread.currentThread();
        AtomicBoolean moved = new AtomicBoolean();
        AtomicBoolean held = new AtomicBoolean(); // once: only the read that stamps the wait start is held back
        TimeSource racingClock = () -> {
            if (!moved.get() && !held.get() && Thread.currentThread().getName().equals("waiter-c")
                    && pool.getStats("c").pending() == 1 && held.compareAndSet(false, true)) {
                Await.until("the test moved the clock on, or waits for a lock", Duration.ofSeconds(10),
                        () -> moved.get() || test.getState() == Thread.State.WAITING);
            }
            return time.nanoTime();
        };
        build(fake().timeSource(racingClock).maxTotal(2).defaultMaxPerRoute(2).stuckWaiterThreshold(Duration.ofSeconds(5)));
        PoolEntry<String, Conn> a = now("a", null);
        PoolEntry<String, Conn> b = now("b", null);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-c", "c", 10, MINUTES);
        awaitTotalPending(1);

        time.advance(Duration.ofSeconds(4));
        moved.set(true);
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).isEmpty();

        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        Diagnostic<String> stuck = listener.only(Diagnostic.Kind.WAITER_STUCK);
        assertThat(stuck.route()).isEqualTo("c");
        assertThat(stuck.thread()).isEqualTo("waiter-c");

        pool.release(a, true);
        PoolEntry<String, Conn> c = w.get(10, SECONDS);
        assertThat(c.route()).isEqualTo("c");
        pool.release(c, true);
        pool.release(b, true);
    }

    @Test
    void zeroStuckWaiterThresholdDisablesTheReport() throws Exception {
        build(fake().defaultMaxPerRoute(1).stuckWaiterThreshold(Duration.ZERO));
        PoolEntry<String, Conn> held = now("a", null);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-1", "a", 10, MINUTES);
        awaitPending("a", 1);
        time.advance(Duration.ofMinutes(5));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).isEmpty();
        pool.release(held, true);
        pool.release(w.get(10, SECONDS), true);
    }

    // ================================================================== timeout message

    @Test
    void timeoutMessageExplainsTheWaitWithNoSuspicion() throws Exception {
        build(real().defaultMaxPerRoute(1).maxTotal(7));
        PoolEntry<String, Conn> held = leaseInThread("holder-1", "svc-a", null, true);

        TimeoutException ex = (TimeoutException) org.assertj.core.api.Assertions.catchThrowable(
                () -> pool.lease("svc-a", null, 50, MILLISECONDS));

        assertThat(ex).isNotNull();
        String m = ex.getMessage();
        assertThat(m).startsWith("Timeout waiting for connection from pool")
                .contains("svc-a", "maxPerRoute 1", "maxTotal 7", "leased 1", "available 0", "pending",
                        "\"holder-1\"", "connection " + held.id(),
                        "No leak, self-deadlock or state mismatch suspected")
                .doesNotContain("Leak suspected", "Self-deadlock suspected");
        Diagnostic<String> d = listener.only(Diagnostic.Kind.LEASE_TIMEOUT);
        assertThat(d.message()).isEqualTo(m);
        assertThat(d.route()).isEqualTo("svc-a");
        assertThat(d.thread()).isEqualTo(testThread);
        assertThat(logs.records).as("timeouts are not logged: the exception carries the message").isEmpty();
        PoolCounters c = pool.getCounters();
        assertThat(c.timedOut()).isEqualTo(1);
        assertThat(c.waited()).isEqualTo(1);
        assertThat(pool.getTotalStats().pending()).isZero();
    }

    @Test
    void timeoutMessageSuspectsALeakWhenTheOldestLeaseIsOlderThanTheThreshold() throws Exception {
        build(real().defaultMaxPerRoute(1).leakThreshold(Duration.ofMillis(50)));
        leaseInThread("holder-1", "svc-a", null, true);
        // the timeout is longer than the leak threshold: when it fires, the holder's lease is older than it
        assertThatThrownBy(() -> pool.lease("svc-a", null, 100, MILLISECONDS))
                .isInstanceOf(TimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool")
                .hasMessageContaining("Leak suspected")
                .hasMessageContaining("\"holder-1\"")
                .satisfies(ex -> assertThat(ex.getMessage()).doesNotContain("No leak"));
        assertThat(pool.getCounters().timedOut()).isEqualTo(1);
    }

    @Test
    void timeoutMessageSuspectsALeakWhenTheHolderThreadHasEnded() throws Exception {
        build(real().defaultMaxPerRoute(1));
        leaseInThread("short-lived", "svc-a", null, false);
        assertThatThrownBy(() -> pool.lease("svc-a", null, 50, MILLISECONDS))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("Leak suspected")
                .hasMessageContaining("\"short-lived\"");
        assertThat(listener.only(Diagnostic.Kind.LEASE_TIMEOUT).leases()).singleElement()
                .satisfies(l -> assertThat(l.holderState()).isEqualTo(Thread.State.TERMINATED));
    }

    @Test
    void zeroTimeoutLeaseFailsWithAShortMessage() throws Exception {
        build(real().defaultMaxPerRoute(1));
        leaseInThread("holder-1", "svc-a", null, true);
        assertThatThrownBy(() -> pool.lease("svc-a", null, 0, MILLISECONDS))
                .isInstanceOf(TimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool")
                .hasMessageContaining("svc-a");
        assertThat(logs.records).isEmpty();
    }

    /**
     * A lease that found every connection of the pool (maxTotal) leased by its own thread: the timeout
     * message used to say that nothing was suspected, against the self-deadlock report made as it began to wait.
     */
    @Test
    void theTimeoutMessageAgreesWithAPoolWideSelfDeadlock() throws Exception {
        build(KeyedPool.builder(conns).defaultMaxPerRoute(5).maxTotal(2)
                .maintenanceInterval(Duration.ZERO));
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

    // ================================================================== maintenance of idle connections

    @Test
    void maintenanceClosesConnectionsPastTheirTimeToLive() throws Exception {
        build(fake().timeToLive(Duration.ofSeconds(10)));
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);
        time.advance(Duration.ofSeconds(9));
        pool.maintain();
        assertThat(pool.getStats("a").available()).isEqualTo(1);
        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        assertThat(e.connection().open).isFalse();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 2));
        assertThat(pool.getCounters().closed()).isEqualTo(1);
        assertThat(listener.events).contains("closed a " + e.id());
    }

    @Test
    void maintenanceClosesConnectionsWhoseKeepAliveExpired() throws Exception {
        build(fake());
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true, 5, SECONDS);
        time.advance(Duration.ofSeconds(4));
        pool.maintain();
        assertThat(e.connection().open).isTrue();
        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        assertThat(e.connection().open).isFalse();
        assertThat(pool.availableEntries()).isEmpty();
    }

    @Test
    void maintenanceClosesConnectionsIdleLongerThanMaxIdleTime() throws Exception {
        build(fake().defaultMaxPerRoute(3).maxIdleTime(Duration.ofSeconds(30)));
        PoolEntry<String, Conn> old = now("a", null);
        PoolEntry<String, Conn> young = now("a", null);
        PoolEntry<String, Conn> leased = now("a", null);
        pool.release(old, true);
        time.advance(Duration.ofSeconds(20));
        pool.release(young, true);
        time.advance(Duration.ofSeconds(9));
        pool.maintain();
        assertThat(pool.availableEntries()).containsExactly(young, old);
        time.advance(Duration.ofSeconds(1));
        pool.maintain();
        assertThat(old.connection().open).isFalse();
        assertThat(pool.availableEntries()).containsExactly(young);
        time.advance(Duration.ofSeconds(100));
        pool.maintain();
        assertThat(young.connection().open).isFalse();
        assertThat(leased.connection().open).as("leased connections are never idle-closed").isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 3));
    }

    @Test
    void maintenanceDropsIdleConnectionsTheFactoryReportsClosed() throws Exception {
        build(fake().defaultMaxPerRoute(3));
        PoolEntry<String, Conn> closedByPeer = now("a", null);
        PoolEntry<String, Conn> broken = now("a", null);
        PoolEntry<String, Conn> fine = now("a", null);
        pool.release(closedByPeer, true);
        pool.release(broken, true);
        pool.release(fine, true);
        closedByPeer.connection().open = false;
        broken.connection().isOpenThrows = true;

        pool.maintain();

        assertThat(pool.availableEntries()).containsExactly(fine);
        assertThat(closedByPeer.connection().closes.get()).isEqualTo(1);
        assertThat(broken.connection().closes.get()).isEqualTo(1);
        assertThat(fine.connection().open).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 3));
        assertThat(pool.getCounters().closed()).isEqualTo(2);
    }

    @Test
    void idleProbeClosesRejectedConnectionsAndKeepsTheOthersInLifoOrder() throws Exception {
        List<Conn> probed = new CopyOnWriteArrayList<>();
        List<Conn> reject = new CopyOnWriteArrayList<>();
        List<Conn> explode = new CopyOnWriteArrayList<>();
        // maintenanceInterval(ZERO): every idle connection is old enough to be probed (idle >= one interval)
        build(fake().defaultMaxPerRoute(5).idleProbe(c -> {
            probed.add(c);
            if (explode.contains(c)) {
                throw new IllegalStateException("probe failed on " + c);
            }
            return !reject.contains(c);
        }));
        PoolEntry<String, Conn> e1 = now("a", null);
        PoolEntry<String, Conn> e2 = now("a", null);
        PoolEntry<String, Conn> e3 = now("a", null);
        PoolEntry<String, Conn> e4 = now("a", null);
        PoolEntry<String, Conn> leased = now("a", null);
        reject.add(e2.connection());
        explode.add(e3.connection());
        for (PoolEntry<String, Conn> e : List.of(e1, e2, e3, e4)) {
            pool.release(e, true);
            time.advance(Duration.ofSeconds(1));
        }

        pool.maintain();

        assertThat(probed).containsExactlyInAnyOrder(e1.connection(), e2.connection(), e3.connection(), e4.connection());
        assertThat(probed).as("never a leased connection").doesNotContain(leased.connection());
        assertThat(e2.connection().closes.get()).isEqualTo(1);
        assertThat(e3.connection().closes.get()).isEqualTo(1);
        assertThat(e1.connection().open).isTrue();
        assertThat(e4.connection().open).isTrue();
        assertThat(pool.availableEntries()).containsExactly(e4, e1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 2, 5));
        // the most recently released is still the one leased next
        assertThat(now("a", null)).isSameAs(e4);
        assertThat(now("a", null)).isSameAs(e1);
    }

    /**
     * The probe leaves alone connections released moments ago: it runs on those idle for at least one
     * maintenance interval, at most 250 ms (PoolBuilder.idleProbe). With a maintenance interval the pool
     * schedules a background task on real time; it is given an executor of the test's own and an interval far
     * longer than the test, so the task never runs, and maintain() is called by hand on the fake clock.
     */
    @Test
    void idleProbeSkipsConnectionsIdleLessThan250MillisWithALongInterval() throws Exception {
        java.util.concurrent.ScheduledThreadPoolExecutor idleExecutor = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        executors.add(idleExecutor);
        List<Conn> probed = new CopyOnWriteArrayList<>();
        build(fake().maintenanceInterval(Duration.ofHours(1)).maintenanceExecutor(idleExecutor)
                .idleProbe(c -> probed.add(c)));
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);

        time.advance(Duration.ofMillis(249));
        pool.maintain();
        assertThat(probed).isEmpty();

        time.advance(Duration.ofMillis(1));
        pool.maintain();
        assertThat(probed).containsExactly(e.connection());
        assertThat(pool.availableEntries()).containsExactly(e);
        assertThat(idleExecutor.getCompletedTaskCount()).isZero();
    }

    @Test
    void idleProbeSkipsConnectionsIdleLessThanAShortInterval() throws Exception {
        List<Conn> probed = new CopyOnWriteArrayList<>();
        // 100 ms of real time is too short to keep the background task from running during the test: its
        // executor's only thread is kept busy until the test ends, and the test calls maintain() itself
        build(fake().maintenanceInterval(Duration.ofMillis(100)).maintenanceExecutor(blockedExecutor())
                .idleProbe(c -> probed.add(c)));
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);

        time.advance(Duration.ofMillis(99));
        pool.maintain();
        assertThat(probed).isEmpty();

        time.advance(Duration.ofMillis(1));
        pool.maintain();
        assertThat(probed).containsExactly(e.connection());
        time.advance(Duration.ofMillis(100));
        pool.maintain();
        assertThat(probed).as("every pass").containsExactly(e.connection(), e.connection());
    }

    /**
     * A probe of a healthy HttpClient connection waits its 1 ms read timeout, so probing every idle connection
     * every pass made a pass grow with the number of idle connections. Probes now stop at a quarter of the
     * interval and rotate: the least recently probed first.
     */
    @Test
    void probesStayWithinTheirBudgetAndRotate() throws Exception {
        FakeTime clock = new FakeTime(); // no tick: only the probes move it
        List<Conn> probed = new CopyOnWriteArrayList<>();
        // interval 1 h: the background task never comes due in this test; the budget is 15 min of the fake clock
        java.util.concurrent.ScheduledThreadPoolExecutor never = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        try {
            build(KeyedPool.builder(conns).defaultMaxPerRoute(5).timeSource(clock)
                    .maintenanceInterval(Duration.ofHours(1)).maintenanceExecutor(never)
                    .idleProbe((Conn c) -> {
                        probed.add(c);
                        clock.advance(Duration.ofMinutes(6)); // each probe "takes" 6 min: 3 fit in 15 min
                        return true;
                    }));
            List<PoolEntry<String, Conn>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(pool.lease("a", null, 0, MILLISECONDS));
            }
            for (PoolEntry<String, Conn> e : all) {
                pool.release(e, true);
            }
            clock.advance(Duration.ofSeconds(1));

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
        java.util.concurrent.CountDownLatch inProbe = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
        build(KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO)
                .idleProbe((Conn c) -> {
                    inProbe.countDown();
                    try {
                        return finish.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
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

    // ================================================================== counters

    @Test
    void countersInADeterministicScenario() throws Exception {
        build(real().defaultMaxPerRoute(1));
        assertThat(pool.getCounters()).isEqualTo(new PoolCounters(0, 0, 0, 0, 0, 0, 0, 0, 0));

        PoolEntry<String, Conn> e = now("a", null);        // created 1
        pool.release(e, true);
        assertThat(now("a", null)).isSameAs(e);             // reused 1
        assertThatThrownBy(() -> now("a", null)).isInstanceOf(TimeoutException.class); // timed out 1, no wait
        // waited 1, timed out 2 (in another thread: the test thread waiting for its own lease would be a self-deadlock)
        CompletableFuture<PoolEntry<String, Conn>> impatient = waiter("impatient", "a", 20, MILLISECONDS);
        assertThatThrownBy(() -> impatient.get(10, SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-1", "a", 1, MINUTES);
        awaitPending("a", 1);                                // waited 2
        pool.release(e, false);                              // closed 1
        PoolEntry<String, Conn> second = w.get(10, SECONDS); // created 2
        assertThat(second).isNotSameAs(e);
        pool.release(second, false);                         // closed 2

        assertThat(pool.getCounters()).isEqualTo(new PoolCounters(2, 2, 1, 2, 2, 0, 0, 0, 0));
        Await.until("the granted wait is reported", Duration.ofSeconds(10), () -> listener.events.contains("waited a true"));
        assertThat(listener.events).containsExactlyInAnyOrder(
                "created a 1", "waited a false", "closed a 1", "created a 2", "waited a true", "closed a 2");
    }

    /** reused is a counter: it must never go down (it did when a connection handed out for reuse failed its checks). */
    @Test
    void reusedNeverDecreases() throws Exception {
        AtomicReference<KeyedPool<String, Conn>> poolRef = new AtomicReference<>();
        AtomicReference<Long> seenDuringCheck = new AtomicReference<>();
        build(KeyedPool.builder(conns).timeSource(time).maintenanceInterval(Duration.ZERO)
                .validateAfterInactivity(Duration.ofMillis(1)).validator((Conn c) -> {
                    seenDuringCheck.set(poolRef.get().getCounters().reused()); // the claim is counted by now
                    return false;
                }));
        poolRef.set(pool);
        pool.release(pool.lease("a", null, 0, MILLISECONDS), true);
        time.advance(Duration.ofSeconds(1));

        pool.release(pool.lease("a", null, 0, MILLISECONDS), true); // the idle one fails validation: a new one

        assertThat(seenDuringCheck.get()).isEqualTo(1);
        assertThat(pool.getCounters().reused()).as("read after the failed check").isGreaterThanOrEqualTo(seenDuringCheck.get());
        pool.close();
    }

    // ================================================================== listener

    @Test
    void listenerSeesConnectionEventsAndWaits() throws Exception {
        build(real().defaultMaxPerRoute(1));
        PoolEntry<String, Conn> e = now("a", null);
        assertThat(listener.events).containsExactly("created a " + e.id());

        CompletableFuture<PoolEntry<String, Conn>> impatient = waiter("impatient", "a", 30, MILLISECONDS);
        assertThatThrownBy(() -> impatient.get(10, SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(listener.events).endsWith("waited a false");
        assertThat(listener.waitedNanos.get(0)).isGreaterThanOrEqualTo(MILLISECONDS.toNanos(30));

        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-1", "a", 1, MINUTES);
        awaitPending("a", 1);
        pool.release(e, true);
        PoolEntry<String, Conn> granted = w.get(10, SECONDS);
        Await.until("the granted wait is reported", Duration.ofSeconds(10), () -> listener.events.contains("waited a true"));
        pool.release(granted, false);
        assertThat(listener.events).containsExactly("created a 1", "waited a false", "waited a true", "closed a 1");
    }

    @Test
    void aThrowingListenerBreaksNeitherLeasingNorMaintenance() throws Exception {
        PoolListener<String> hostile = new PoolListener<>() {
            @Override
            public void onDiagnostic(Diagnostic<String> d) {
                listener.onDiagnostic(d);
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onConnectionCreated(String route, long id) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onConnectionClosed(String route, long id) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onLeaseWaited(String route, long waited, boolean granted) {
                throw new IllegalStateException("listener bug");
            }
        };
        build(fake().defaultMaxPerRoute(2).listener(hostile).leakThreshold(Duration.ofSeconds(10))
                .maxIdleTime(Duration.ofSeconds(30)).stuckWaiterThreshold(Duration.ofSeconds(5)));

        PoolEntry<String, Conn> e1 = now("a", null);
        PoolEntry<String, Conn> e2 = now("a", null);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-1", "a", 10, MINUTES);
        awaitPending("a", 1);
        time.advance(Duration.ofSeconds(10));
        pool.maintain(); // leak x2 and a stuck waiter: each report throws
        assertThat(listener.kinds()).contains(Diagnostic.Kind.LEAK_SUSPECTED, Diagnostic.Kind.WAITER_STUCK);
        assertThat(pool.getCounters().leaksSuspected()).isEqualTo(2);

        pool.release(e1, true);
        PoolEntry<String, Conn> granted = w.get(10, SECONDS);
        assertThat(granted).isSameAs(e1);
        pool.release(granted, true);
        pool.release(e2, true);
        time.advance(Duration.ofSeconds(30));
        pool.maintain(); // closes both idle connections
        assertThat(conns.open.get()).isZero();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 2));
        PoolEntry<String, Conn> fresh = now("a", null);
        assertThat(fresh.id()).isEqualTo(3);
        pool.release(fresh, false);
        assertThat(pool.getCounters().created()).isEqualTo(3);
        assertThat(pool.getCounters().closed()).isEqualTo(3);
    }

    // ================================================================== background maintenance

    @Test
    void backgroundMaintenanceReportsLeaksWithoutMaintainAndStopsAtClose() throws Exception {
        build(KeyedPool.builder(conns).listener(listener).maintenanceInterval(Duration.ofMillis(50))
                .leakThreshold(Duration.ofMillis(100)));
        PoolEntry<String, Conn> first = now("a", null);
        Await.until("a leak report", Duration.ofSeconds(5), () -> !listener.of(Diagnostic.Kind.LEAK_SUSPECTED).isEmpty());
        assertThat(listener.only(Diagnostic.Kind.LEAK_SUSPECTED).leases().get(0).connectionId()).isEqualTo(first.id());
        assertThat(listener.diagnosticThreads).containsExactly("routepool-maintenance");

        now("a", null); // would be reported after 100 ms if maintenance still ran
        pool.close();
        long until = System.nanoTime() + MILLISECONDS.toNanos(300);
        while (System.nanoTime() < until) {
            Thread.sleep(20); // bounded check that nothing happens: no condition to await
        }
        assertThat(listener.of(Diagnostic.Kind.LEAK_SUSPECTED)).hasSize(1);
    }

    @Test
    void maintenanceRunsOnAUserExecutorAndIsCancelledOnClose() throws Exception {
        java.util.concurrent.ScheduledThreadPoolExecutor exec = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "user-maintenance");
            t.setDaemon(true);
            return t;
        });
        executors.add(exec);
        build(KeyedPool.builder(conns).listener(listener).maintenanceInterval(Duration.ofMillis(50))
                .maintenanceExecutor(exec).leakThreshold(Duration.ofMillis(100)));
        assertThat(exec.getQueue()).hasSize(1);
        java.util.concurrent.Future<?> task = (java.util.concurrent.Future<?>) exec.getQueue().peek();

        now("a", null);
        Await.until("a leak report", Duration.ofSeconds(5), () -> !listener.of(Diagnostic.Kind.LEAK_SUSPECTED).isEmpty());
        assertThat(listener.diagnosticThreads).containsExactly("user-maintenance");

        pool.close();
        assertThat(task.isCancelled()).isTrue();
        assertThat(exec.isShutdown()).as("the pool never shuts the user's executor down").isFalse();
    }

    @Test
    void zeroMaintenanceIntervalSchedulesNothing() {
        java.util.concurrent.ScheduledThreadPoolExecutor exec = new java.util.concurrent.ScheduledThreadPoolExecutor(1);
        executors.add(exec);
        build(KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO).maintenanceExecutor(exec));
        assertThat(exec.getQueue()).isEmpty();
        assertThat(exec.getTaskCount()).isZero();
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

    // ================================================================== bad input

    @Test
    void negativeMaintenanceIntervalIsRejected() {
        assertThatThrownBy(() -> KeyedPool.builder(conns).maintenanceInterval(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maintenanceInterval")
                .hasMessageContaining(">= 0");
    }

    @Test
    void nullArgumentsAreRejectedNamingTheParameter() {
        PoolBuilder<String, Conn> b = KeyedPool.builder(conns);
        assertThatThrownBy(() -> b.maintenanceInterval(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("maintenanceInterval");
        assertThatThrownBy(() -> b.maintenanceExecutor(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("maintenanceExecutor");
        assertThatThrownBy(() -> b.maxIdleTime(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("maxIdleTime");
        assertThatThrownBy(() -> b.idleProbe(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("idleProbe");
        assertThatThrownBy(() -> b.leakThreshold(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("leakThreshold");
        assertThatThrownBy(() -> b.reclaimAbandonedAfter(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("reclaimAbandonedAfter");
        assertThatThrownBy(() -> b.stuckWaiterThreshold(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("stuckWaiterThreshold");
        assertThatThrownBy(() -> b.listener(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("listener");
        assertThatThrownBy(() -> b.remedy(null, "x")).isInstanceOf(NullPointerException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> b.remedy(Diagnostic.Kind.LEAK_SUSPECTED, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("advice");
    }

    // ================================================================== reports for people: name, head, remedies

    @Test
    void poolsAreNamedRoutepoolNByDefaultAndByTheirPoolNameOtherwise() throws Exception {
        KeyedPool<String, Conn> a = KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO).build();
        KeyedPool<String, Conn> b = KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO).build();
        try {
            assertThat(a.name()).matches("routepool-\\d+");
            assertThat(b.name()).matches("routepool-\\d+").isNotEqualTo(a.name());
            assertThat(a.toString()).contains(a.name());
        } finally {
            a.close();
            b.close();
        }
        build(real().poolName("payments").defaultMaxPerRoute(1));
        assertThat(pool.name()).isEqualTo("payments");
        now("a", null);
        assertThatThrownBy(() -> pool.lease("a", null, 10, MILLISECONDS)).isInstanceOf(TimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool payments after 10 ms, route a\n");
        assertThatThrownBy(() -> now("a", null)).isInstanceOf(TimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool payments (no wait), route a\n");
    }

    @Test
    void aBlankOrMultiLinePoolNameIsRejectedNamingTheProblem() {
        PoolBuilder<String, Conn> b = KeyedPool.builder(conns);
        for (String bad : new String[] {"", "  ", "a\nb", "a\rb"}) {
            assertThatThrownBy(() -> b.poolName(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("poolName must be one line of text, not blank");
        }
        assertThatThrownBy(() -> b.poolName(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("poolName");
    }

    @Test
    void everyReportStartsWithAShortHeadNamingThePoolAndTheRoute() throws Exception {
        build(fake().poolName("feeds").defaultMaxPerRoute(1).leakThreshold(Duration.ofSeconds(10))
                .stuckWaiterThreshold(Duration.ofSeconds(5)));
        PoolEntry<String, Conn> held = leaseInThread("holder-1", "svc-a", null, true);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("waiter-1", "svc-a", 10, MINUTES);
        awaitPending("svc-a", 1);
        time.advance(Duration.ofSeconds(10));
        pool.maintain();
        assertThat(listener.of(Diagnostic.Kind.LEAK_SUSPECTED)).hasSize(1);
        assertThat(listener.of(Diagnostic.Kind.WAITER_STUCK)).hasSize(1);
        for (Diagnostic<String> d : listener.diagnostics) {
            String head = d.message().split("\n", 2)[0];
            assertThat(head).as("head of %s", d.kind()).startsWith("feeds: ").contains("route svc-a").hasSizeLessThan(100);
            assertThat(d.message()).as("details follow the head").contains("\n  ");
        }
        assertThat(logs.warningMessages()).hasSize(2).allMatch(m -> m.startsWith("feeds: "));
        pool.release(held, true);
        pool.release(w.get(10, SECONDS), true);
    }

    @Test
    void aLongRouteIsCutInTheHeadAndGivenWholeInTheDetails() throws Exception {
        String route = "https://" + "very-long-host-name.".repeat(5) + "example.com:8443";
        build(real().defaultMaxPerRoute(1));
        pool.lease(route, null, 0, MILLISECONDS);
        String m = org.assertj.core.api.Assertions.catchThrowable(() -> pool.lease(route, null, 0, MILLISECONDS)).getMessage();
        String[] lines = m.split("\n");
        assertThat(lines[0]).hasSizeLessThan(120).endsWith("...").doesNotContain(route);
        assertThat(lines[1]).isEqualTo("  Route: " + route);
    }

    @Test
    void theLeakRemedyAsksForLeaseStacksOnlyWhileTheyAreNotCaptured() throws Exception {
        build(fake().leakThreshold(Duration.ofSeconds(10)));
        now("a", null);
        time.advance(Duration.ofSeconds(10));
        pool.maintain();
        assertThat(listener.only(Diagnostic.Kind.LEAK_SUSPECTED).message()).contains("captureLeaseStacks(true)");
        pool.close();

        listener.diagnostics.clear();
        build(fake().leakThreshold(Duration.ofSeconds(10)).captureLeaseStacks(true));
        now("a", null);
        time.advance(Duration.ofSeconds(10));
        pool.maintain();
        assertThat(listener.only(Diagnostic.Kind.LEAK_SUSPECTED).message()).doesNotContain("captureLeaseStacks")
                .contains("leased at ");
    }

    @Test
    void aReworkedHintReplacesThePoolsOwn() throws Exception {
        build(fake().leakThreshold(Duration.ofSeconds(10)).remedyHint(RemedyHint.CAPTURE_LEASE_STACKS, "Call stacks(on)."));
        now("a", null);
        time.advance(Duration.ofSeconds(10));
        pool.maintain();
        assertThat(listener.only(Diagnostic.Kind.LEAK_SUSPECTED).message()).contains("Call stacks(on).")
                .doesNotContain("captureLeaseStacks");
        assertThatThrownBy(() -> KeyedPool.builder(conns).remedyHint(null, "x")).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("hint");
    }

    @Test
    void theStuckRemedyAsksForATimeoutOnlyWhenAStuckLeaseHasNone() throws Exception {
        build(fake().defaultMaxPerRoute(1).maxTotal(3).stuckWaiterThreshold(Duration.ofSeconds(5)).maxLeaseWait(Duration.ZERO));
        PoolEntry<String, Conn> a = leaseInThread("holder-a", "a", null, true);
        PoolEntry<String, Conn> b = leaseInThread("holder-b", "b", null, true);
        CompletableFuture<PoolEntry<String, Conn>> bounded = waiter("bounded", "a", 10, MINUTES);
        CompletableFuture<PoolEntry<String, Conn>> forever = waiter("forever", "b", Long.MAX_VALUE, MILLISECONDS);
        awaitPending("a", 1);
        awaitPending("b", 1);
        time.advance(Duration.ofSeconds(5));
        pool.maintain();
        List<Diagnostic<String>> stuck = listener.of(Diagnostic.Kind.WAITER_STUCK);
        assertThat(stuck).hasSize(2);
        String hint = Remedies.defaultFor(Diagnostic.Kind.WAITER_STUCK);
        assertThat(stuck).filteredOn(d -> d.route().equals("a")).singleElement()
                .satisfies(d -> assertThat(d.message()).contains(hint).doesNotContain("Give leases a timeout"));
        assertThat(stuck).filteredOn(d -> d.route().equals("b")).singleElement()
                .satisfies(d -> assertThat(d.message()).contains(hint, "Give leases a timeout"));
        pool.release(a, true);
        pool.release(b, true);
        pool.release(bounded.get(10, SECONDS), true);
        pool.release(forever.get(10, SECONDS), true);
    }

    @Test
    void stuckCapacityWaitersAreOneReportPerRoute() throws Exception {
        build(fake().maxTotal(1).defaultMaxPerRoute(5).stuckWaiterThreshold(Duration.ofSeconds(5)));
        PoolEntry<String, Conn> held = now("a", null);
        List<CompletableFuture<PoolEntry<String, Conn>>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(waiter("waiter-b" + i, "b", 10, MINUTES));
            awaitTotalPending(i + 1);
        }
        waiting.add(waiter("waiter-c", "c", 10, MINUTES));
        awaitTotalPending(4);
        time.advance(Duration.ofSeconds(5));
        pool.maintain();
        List<Diagnostic<String>> stuck = listener.of(Diagnostic.Kind.WAITER_STUCK);
        assertThat(stuck).extracting(Diagnostic::route).containsExactly("b", "c");
        assertThat(stuck.get(0).thread()).isEqualTo("waiter-b0");
        assertThat(stuck.get(0).message()).startsWith(pool.name() + ": 3 leases stuck waiting on route b")
                .contains("\"waiter-b0\"", "\"waiter-b1\"", "\"waiter-b2\"", "the pool to have room", "maxTotal 1");
        assertThat(stuck.get(1).message()).startsWith(pool.name() + ": Lease stuck waiting on route c");
        assertThat(logs.warnings()).hasSize(2);
        pool.release(held, true);
        for (CompletableFuture<PoolEntry<String, Conn>> f : waiting) {
            pool.release(f.get(10, SECONDS), true);
        }
    }

    // ================================================================== maxLeaseWait

    @Test
    void aWaitForeverIsCappedByMaxLeaseWaitAndTheMessageSaysSo() throws Exception {
        build(real().defaultMaxPerRoute(1).maxLeaseWait(Duration.ofMillis(200)));
        PoolEntry<String, Conn> held = now("a", null);
        long start = System.nanoTime();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> pool.lease("a", null, Long.MAX_VALUE, MILLISECONDS));
        assertThat(System.nanoTime() - start).as("waited the cap").isGreaterThanOrEqualTo(MILLISECONDS.toNanos(200));
        assertThat(t).isInstanceOf(TimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool " + pool.name() + " after 200 ms, route a")
                .hasMessageContaining("The caller asked to wait without a timeout; maxLeaseWait (0.2 s) capped the wait.")
                .hasMessageContaining("PoolBuilder.maxLeaseWait sets this cap (0 waits forever).");
        CompletableFuture<PoolEntry<String, Conn>> async = pool.leaseAsync("a", null, Long.MAX_VALUE, SECONDS);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> async.get(10, SECONDS)))
                .hasCauseInstanceOf(TimeoutException.class).hasMessageContaining("maxLeaseWait (0.2 s) capped the wait");
        pool.release(held, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void aFiniteTimeoutIsNeverChangedByMaxLeaseWait() throws Exception {
        build(real().defaultMaxPerRoute(1).maxLeaseWait(Duration.ofMillis(20)));
        PoolEntry<String, Conn> held = now("a", null);
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.lease("a", null, 300, MILLISECONDS)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("after 300 ms").hasMessageNotContaining("maxLeaseWait");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(MILLISECONDS.toNanos(300));
        pool.release(held, true);
    }

    @Test
    void maxLeaseWaitZeroWaitsForever() throws Exception {
        build(fake().defaultMaxPerRoute(1).maxLeaseWait(Duration.ZERO));
        PoolEntry<String, Conn> held = now("a", null);
        CompletableFuture<PoolEntry<String, Conn>> w = waiter("patient", "a", Long.MAX_VALUE, MILLISECONDS);
        awaitPending("a", 1);
        time.advance(Duration.ofDays(1));
        pool.maintain();
        assertThat(w).isNotDone();
        pool.release(held, true);
        pool.release(w.get(10, SECONDS), true);
    }

    @Test
    void aNegativeMaxLeaseWaitIsRejectedNamingTheOption() {
        assertThatThrownBy(() -> KeyedPool.builder(conns).maxLeaseWait(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLeaseWait must be >= 0 (0 = wait forever)");
        assertThatThrownBy(() -> KeyedPool.builder(conns).maxLeaseWait(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("maxLeaseWait");
    }
}

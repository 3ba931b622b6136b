package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolListener;
import io.routepool.core.PoolLogger;
import io.routepool.core.PoolStats;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The binder on pool-core's {@link KeyedPool} over in-memory connections: totals and counters follow the pool, the
 * cap on routes keeps the busiest and sums the rest, routes that come and go never grow the registry, the lease-wait
 * timer records waits (granted and failed) and nothing else, closing removes everything, and a pool that fails,
 * closes or is dropped never breaks a scrape.
 */
@Timeout(30)
class KeyedPoolMetricsTest {

    private final MemoryConnections connections = new MemoryConnections();
    private final CapturedLogger poolLog = new CapturedLogger();
    private final CapturedLogger metricsLog = new CapturedLogger();
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final Meters meters = new Meters(registry, "test");
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        assertThat(poolLog.at(PoolLogger.Level.WARNING)).as("pool warnings").isEmpty();
    }

    private KeyedPool<String, Integer> pool(int maxPerRoute, PoolListener<String> listener) {
        KeyedPool<String, Integer> pool = KeyedPool.builder(connections)
                .maxTotal(50)
                .defaultMaxPerRoute(maxPerRoute)
                .maintenanceInterval(Duration.ZERO)
                .logger(poolLog)
                .listener(listener)
                .poolName("test")
                .build();
        closeables.add(pool);
        return pool;
    }

    private KeyedPool<String, Integer> pool(int maxPerRoute) {
        return pool(maxPerRoute, PoolListener.none());
    }

    /** Live values (no shared reading), refresh on demand only. */
    private RoutePoolMetrics.Builder<String> metrics(KeyedPool<String, Integer> pool) {
        return RoutePoolMetrics.builder(pool)
                .maxSampleAge(Duration.ZERO)
                .refreshInterval(Duration.ZERO)
                .logger(metricsLog);
    }

    private RoutePoolMetrics bound(RoutePoolMetrics.Builder<String> builder) {
        RoutePoolMetrics m = builder.build();
        closeables.add(m);
        m.bindTo(registry);
        return m;
    }

    private static List<PoolEntry<String, Integer>> lease(KeyedPool<String, Integer> pool, String route, int n)
            throws Exception {
        List<PoolEntry<String, Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(pool.lease(route, null, 5, TimeUnit.SECONDS));
        }
        return out;
    }

    private void assertTotalsAre(KeyedPool<String, Integer> pool, int leased, int idle) {
        PoolStats total = pool.getTotalStats();
        assertThat(total.leased()).as("pool leased").isEqualTo(leased);
        assertThat(total.available()).as("pool idle").isEqualTo(idle);
        assertThat(meters.gauge("routepool.connections", "state", "leased")).isEqualTo(leased);
        assertThat(meters.gauge("routepool.connections", "state", "idle")).isEqualTo(idle);
        assertThat(meters.gauge("routepool.leases.pending")).isEqualTo(total.pending());
    }

    @Test
    void totalsAndCountersFollowThePool() throws Exception {
        KeyedPool<String, Integer> pool = pool(5);
        bound(metrics(pool));
        assertTotalsAre(pool, 0, 0);
        assertThat(meters.gauge("routepool.connections.max")).isEqualTo(50);

        List<PoolEntry<String, Integer>> two = lease(pool, "a", 2);
        pool.release(two.get(0), true);
        assertTotalsAre(pool, 1, 1);
        assertThat(meters.gauge("routepool.routes")).isEqualTo(1);
        assertThat(meters.count("routepool.connections.created")).isEqualTo(2);
        assertThat(meters.count("routepool.connections.reused")).isZero();

        PoolEntry<String, Integer> again = pool.lease("a", null, 5, TimeUnit.SECONDS);
        assertThat(meters.count("routepool.connections.reused")).isEqualTo(1);
        assertThat(meters.count("routepool.connections.created")).isEqualTo(2);
        pool.release(again, true);
        pool.release(two.get(1), true);
        pool.closeIdle(0, TimeUnit.MILLISECONDS);
        assertTotalsAre(pool, 0, 0);
        assertThat(meters.count("routepool.connections.closed")).isEqualTo(2);
        assertThat(meters.gauge("routepool.routes")).isZero();

        pool.setMaxTotal(7);
        assertThat(meters.gauge("routepool.connections.max")).isEqualTo(7);
        PoolEntry<String, Integer> reused = lease(pool, "s", 1).get(0);
        pool.release(reused, true);
        reused = pool.lease("s", null, 5, TimeUnit.SECONDS);
        assertThat(meters.count("routepool.connections.stale")).isZero();
        pool.releaseStale(reused); // its request failed before any response: a stale connection found
        assertThat(meters.count("routepool.connections.stale")).isEqualTo(1);
        for (Binding.CounterMeter c : Binding.COUNTERS) {
            assertThat(registry.find(c.name).tag("pool", "test").functionCounter()).as(c.name).isNotNull();
        }
    }

    @Test
    void theCapShowsTheBusiestRoutesAndSumsTheRestUnderOther() throws Exception {
        KeyedPool<String, Integer> pool = pool(5);
        lease(pool, "a", 4);
        List<PoolEntry<String, Integer>> b = lease(pool, "b", 3);
        pool.release(b.get(0), true); // b: 2 leased, 1 idle
        lease(pool, "c", 1);
        pool.release(lease(pool, "d", 1).get(0), true); // d: 1 idle
        RoutePoolMetrics m = bound(metrics(pool).maxRoutes(2));

        assertThat(m.shownRoutes()).containsExactly("a", "b");
        assertThat(meters.routeTags()).containsExactly("a", "b", "other");
        assertThat(meters.gauge("routepool.route.connections", "route", "a", "state", "leased")).isEqualTo(4);
        assertThat(meters.gauge("routepool.route.connections", "route", "b", "state", "leased")).isEqualTo(2);
        assertThat(meters.gauge("routepool.route.connections", "route", "b", "state", "idle")).isEqualTo(1);
        assertThat(meters.gauge("routepool.route.connections", "route", "other", "state", "leased")).isEqualTo(1);
        assertThat(meters.gauge("routepool.route.connections", "route", "other", "state", "idle")).isEqualTo(1);
        assertThat(meters.gauge("routepool.route.connections.max", "route", "a")).isEqualTo(5);
        assertThat(meters.gauge("routepool.route.connections.max", "route", "other")).isEqualTo(10); // c + d
        assertThat(meters.gauge("routepool.route.leases.pending", "route", "other")).isZero();
        double leasedOverRoutes = 0;
        for (String route : meters.routeTags()) {
            leasedOverRoutes += meters.gauge("routepool.route.connections", "route", route, "state", "leased");
        }
        assertThat(leasedOverRoutes).as("the route rows add up to the total")
                .isEqualTo(meters.gauge("routepool.connections", "state", "leased")).isEqualTo(7);
        assertThat(meters.gauge("routepool.routes")).isEqualTo(4);

        lease(pool, "c", 4); // c: 5, now the busiest
        m.refresh();
        assertThat(m.shownRoutes()).containsExactly("c", "a");
        assertThat(meters.routeTags()).containsExactly("a", "c", "other");
        assertThat(meters.gauge("routepool.route.connections", "route", "other", "state", "leased")).isEqualTo(2); // b
        assertThat(meters.gauge("routepool.route.connections", "route", "other", "state", "idle")).isEqualTo(2); // b, d
    }

    @Test
    void routesThatComeAndGoNeverGrowTheRegistry() throws Exception {
        KeyedPool<String, Integer> pool = pool(5);
        lease(pool, "steady", 2);
        RoutePoolMetrics m = bound(metrics(pool).maxRoutes(3));
        int bound = 5 + Binding.COUNTERS.size() + (3 + 1) * 4; // totals, counters, rows of 3 routes and other
        for (int i = 0; i < 60; i++) {
            pool.release(pool.lease("r" + i, null, 5, TimeUnit.SECONDS), true);
            if (i % 5 == 4) {
                pool.closeIdle(0, TimeUnit.MILLISECONDS); // the idle routes leave the pool
            }
            m.refresh();
            meters.scrape();
            assertThat(meters.meterCount()).as("meters after round %d", i).isLessThanOrEqualTo(bound);
        }
        pool.closeIdle(0, TimeUnit.MILLISECONDS);
        m.refresh();
        assertThat(pool.getRoutes()).containsExactly("steady");
        assertThat(meters.routeTags()).as("gone routes lose their rows; other stays once shown")
                .containsExactly("other", "steady");
        assertThat(meters.meterCount()).isEqualTo(5 + Binding.COUNTERS.size() + 2 * 4);
    }

    @Test
    void theLeaseWaitTimerRecordsWaitsGrantedAndFailedAndNothingElse() throws Exception {
        AtomicInteger delegateWaits = new AtomicInteger();
        AtomicInteger delegateCreated = new AtomicInteger();
        MetricsPoolListener<String> waits = MetricsPoolListener.wrapping(new PoolListener<String>() {
            @Override
            public void onLeaseWaited(String route, long waitedNanos, boolean granted) {
                delegateWaits.incrementAndGet();
            }

            @Override
            public void onConnectionCreated(String route, long connectionId) {
                delegateCreated.incrementAndGet();
            }
        });
        KeyedPool<String, Integer> pool = pool(1, waits);
        RoutePoolMetrics m = bound(metrics(pool).leaseWaits(waits));

        PoolEntry<String, Integer> held = pool.lease("a", null, 5, TimeUnit.SECONDS);
        pool.release(held, true);
        held = pool.lease("a", null, 5, TimeUnit.SECONDS); // served at once, twice: no wait recorded
        assertThat(meters.timer("granted").count()).isZero();
        m.refresh(); // route a gets its rows

        Future<PoolEntry<String, Integer>> waiter = threads.submit(() -> pool.lease("a", null, 10, TimeUnit.SECONDS));
        Await.until("a lease waits", () -> meters.gauge("routepool.leases.pending") == 1);
        assertThat(meters.gauge("routepool.route.leases.pending", "route", "a")).isEqualTo(1);
        pool.release(held, true);
        held = waiter.get(10, TimeUnit.SECONDS);
        assertThat(meters.timer("granted").count()).isEqualTo(1);
        assertThat(meters.timer("granted").totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(meters.timer("failed").count()).isZero();
        assertThat(meters.count("routepool.leases.waited")).isEqualTo(1);

        assertThatThrownBy(() -> pool.lease("a", null, 20, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(meters.timer("failed").count()).isEqualTo(1);
        assertThat(meters.timer("failed").totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(19);
        assertThat(meters.count("routepool.leases.timeouts")).isEqualTo(1);
        assertThat(meters.timer("granted").count()).isEqualTo(1);
        assertThat(delegateWaits).as("the wrapped listener sees every wait").hasValue(2);
        assertThat(delegateCreated).hasValue(1);
        pool.release(held, true);
    }

    @Test
    void closeRemovesEveryMeterFromEveryRegistryAndStopsTheRefresh() throws Exception {
        ScheduledThreadPoolExecutor refresher = new ScheduledThreadPoolExecutor(1);
        refresher.setRemoveOnCancelPolicy(true);
        closeables.add(refresher::shutdownNow);
        MetricsPoolListener<String> waits = MetricsPoolListener.create();
        KeyedPool<String, Integer> pool = pool(1, waits);
        lease(pool, "a", 1);
        MeterRegistry second = new SimpleMeterRegistry();
        RoutePoolMetrics m = metrics(pool).leaseWaits(waits).refreshInterval(Duration.ofHours(1))
                .refreshExecutor(refresher).build();
        m.bindTo(registry);
        m.bindTo(second);
        m.bindTo(registry); // again: nothing more
        int each = 5 + Binding.COUNTERS.size() + 2 + 4; // totals, counters, two timers, the rows of route a
        assertThat(meters.meterCount()).isEqualTo(each);
        assertThat(new Meters(second, "test").meterCount()).isEqualTo(each);
        assertThat(waits.toString()).contains("registries=2");
        assertThat(refresher.getQueue()).hasSize(1);

        m.close();
        assertThat(meters.meterCount()).isZero();
        assertThat(new Meters(second, "test").meterCount()).isZero();
        assertThat(registry.getMeters()).isEmpty();
        assertThat(refresher.getQueue()).as("the refresh is cancelled").isEmpty();
        assertThat(waits.toString()).contains("registries=0");
        m.close(); // idempotent
        assertThatThrownBy(() -> m.bindTo(registry)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theScheduledRefreshPicksUpNewRoutes() throws Exception {
        ScheduledThreadPoolExecutor refresher = new ScheduledThreadPoolExecutor(1);
        closeables.add(refresher::shutdownNow);
        KeyedPool<String, Integer> pool = pool(2);
        RoutePoolMetrics m = bound(metrics(pool).refreshInterval(Duration.ofMillis(20)).refreshExecutor(refresher));
        assertThat(meters.routeTags()).isEmpty();
        lease(pool, "late", 1);
        Await.until("the refresh shows the new route", () -> meters.routeTags().contains("late"));
        assertThat(m.shownRoutes()).containsExactly("late");
        assertThat(meters.gauge("routepool.route.connections", "route", "late", "state", "leased")).isEqualTo(1);
    }

    @Test
    void theSharedRefreshThreadRunsByDefault() throws Exception {
        KeyedPool<String, Integer> pool = pool(2);
        RoutePoolMetrics m = bound(RoutePoolMetrics.builder(pool).refreshInterval(Duration.ofMillis(20)).logger(metricsLog));
        lease(pool, "late", 1);
        Await.until("the refresh shows the new route", () -> m.shownRoutes().contains("late"));
        Set<Thread> threads = Thread.getAllStackTraces().keySet();
        assertThat(threads).anySatisfy(t -> {
            assertThat(t.getName()).isEqualTo("routepool-metrics");
            assertThat(t.isDaemon()).isTrue();
        });
    }

    @Test
    void aClosedPoolLosesItsMetersAtTheNextRefresh() throws Exception {
        KeyedPool<String, Integer> pool = pool(2);
        RoutePoolMetrics m = bound(metrics(pool));
        assertThat(meters.meterCount()).isPositive();
        pool.close();
        m.refresh();
        assertThat(meters.meterCount()).isZero();
        assertThatThrownBy(() -> m.bindTo(registry)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDroppedPoolIsNotKeptAliveAndLosesItsMeters() throws Exception {
        RoutePoolMetrics m = dropAfterBinding();
        closeables.add(m);
        Await.until("the pool is collected and its meters removed", () -> {
            System.gc();
            m.refresh();
            return dropped.get() == null && meters.meterCount() == 0;
        });
    }

    /** The pool of {@link #dropAfterBinding}, held weakly. */
    private WeakReference<Object> dropped;

    /** Binds the meters of a pool that nothing refers to once this returns. */
    private RoutePoolMetrics dropAfterBinding() throws Exception {
        KeyedPool<String, Integer> pool = KeyedPool.builder(connections).maintenanceInterval(Duration.ZERO)
                .logger(poolLog).poolName("test").build();
        pool.release(pool.lease("a", null, 5, TimeUnit.SECONDS), true);
        RoutePoolMetrics m = metrics(pool).build();
        m.bindTo(registry);
        assertThat(meters.gauge("routepool.connections", "state", "idle")).isEqualTo(1);
        dropped = new WeakReference<>(pool);
        return m;
    }

    /** A pool whose stats methods throw while {@code failing} is set. */
    private static KeyedPool<String, Integer> failing(KeyedPool<String, Integer> pool, AtomicInteger failing,
            AtomicInteger countersCalls) {
        @SuppressWarnings("unchecked")
        KeyedPool<String, Integer> proxy = (KeyedPool<String, Integer>) Proxy.newProxyInstance(
                KeyedPool.class.getClassLoader(), new Class<?>[] {KeyedPool.class}, (self, method, args) -> {
                    if (method.getName().equals("getCounters")) {
                        countersCalls.incrementAndGet();
                    }
                    if (failing.get() > 0 && method.getName().startsWith("getStats")) {
                        throw new IllegalStateException("stats broken");
                    }
                    try {
                        return method.invoke(pool, args);
                    } catch (InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                });
        return proxy;
    }

    @Test
    void aPoolThatThrowsNeverBreaksAScrape() throws Exception {
        AtomicInteger failing = new AtomicInteger();
        KeyedPool<String, Integer> real = pool(5);
        KeyedPool<String, Integer> pool = failing(real, failing, new AtomicInteger());
        RoutePoolMetrics m = bound(metrics(pool));
        lease(real, "a", 2);
        m.refresh();
        assertThat(meters.gauge("routepool.connections", "state", "leased")).isEqualTo(2);

        failing.set(1);
        lease(real, "a", 1);
        meters.scrape();
        m.refresh(); // a failed reading at refresh keeps the rows too
        assertThat(meters.gauge("routepool.connections", "state", "leased")).as("the last good value").isEqualTo(2);
        assertThat(meters.gauge("routepool.route.connections", "route", "a", "state", "leased")).isEqualTo(2);
        assertThat(metricsLog.at(PoolLogger.Level.WARNING)).hasSize(1).first().satisfies(e -> {
            assertThat(e.name).isEqualTo("io.routepool.micrometer.RoutePoolMetrics");
            assertThat(e.message).contains("pool 'test'").contains("reading the pool failed");
            assertThat(e.thrown).hasMessage("stats broken");
        });
        assertThat(metricsLog.at(PoolLogger.Level.DEBUG)).as("later failures").isNotEmpty();

        failing.set(0);
        assertThat(meters.gauge("routepool.connections", "state", "leased")).isEqualTo(3);
        assertThat(metricsLog.at(PoolLogger.Level.WARNING)).hasSize(1);
    }

    @Test
    void aNamerThatThrowsPutsItsRouteUnderOther() throws Exception {
        KeyedPool<String, Integer> pool = pool(5);
        lease(pool, "good", 1);
        lease(pool, "bad", 2);
        lease(pool, "null", 1);
        bound(metrics(pool).routeNamer(r -> {
            if (r.equals("bad")) {
                throw new IllegalArgumentException("no name for " + r);
            }
            return r.equals("null") ? null : r.toUpperCase(java.util.Locale.ROOT);
        }));
        assertThat(meters.routeTags()).containsExactly("GOOD", "other");
        assertThat(meters.gauge("routepool.route.connections", "route", "other", "state", "leased")).isEqualTo(3);
        assertThat(meters.gauge("routepool.route.connections", "route", "GOOD", "state", "leased")).isEqualTo(1);
        assertThat(metricsLog.at(PoolLogger.Level.WARNING)).hasSize(1).first()
                .satisfies(e -> assertThat(e.message).contains("route namer threw"));
        meters.scrape();
        assertThat(metricsLog.records).as("the namer runs once per route while the route stays").hasSize(1);
    }

    @Test
    void theMetersOfOneScrapeShareOneReading() throws Exception {
        AtomicLong clock = new AtomicLong();
        AtomicInteger readings = new AtomicInteger();
        KeyedPool<String, Integer> real = pool(5);
        KeyedPool<String, Integer> pool = failing(real, new AtomicInteger(), readings);
        lease(real, "a", 1);
        RoutePoolMetrics.Builder<String> b = RoutePoolMetrics.builder(pool).refreshInterval(Duration.ZERO)
                .maxSampleAge(Duration.ofSeconds(1));
        b.clock = clock::get;
        bound(b);
        int atBind = readings.get();
        assertThat(atBind).as("the bind reads the pool once").isEqualTo(1);
        meters.scrape();
        meters.scrape();
        assertThat(readings.get()).as("within maxSampleAge of the bind").isEqualTo(atBind);
        assertThat(meters.gauge("routepool.route.connections", "route", "a", "state", "leased")).isEqualTo(1);
        lease(real, "a", 1);
        assertThat(meters.gauge("routepool.connections", "state", "leased")).isEqualTo(1);

        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        meters.scrape();
        assertThat(readings.get()).as("one reading for the whole scrape").isEqualTo(atBind + 1);
        assertThat(meters.gauge("routepool.connections", "state", "leased")).isEqualTo(2);
        assertThat(meters.gauge("routepool.route.connections", "route", "a", "state", "leased")).isEqualTo(2);
    }

    @Test
    void maxRoutesZeroRegistersNoRouteMeters() throws Exception {
        KeyedPool<String, Integer> pool = pool(5);
        lease(pool, "a", 1);
        bound(metrics(pool).maxRoutes(0).tags("app", "x"));
        assertThat(meters.routeTags()).isEmpty();
        assertThat(meters.meterCount()).isEqualTo(5 + Binding.COUNTERS.size());
        assertThat(registry.find("routepool.connections").tag("app", "x").tag("state", "leased").gauge().value())
                .isEqualTo(1);
        assertThat(meters.gauge("routepool.routes")).isEqualTo(1);
    }

    @Test
    void builderRefusesNonsense() {
        KeyedPool<String, Integer> pool = pool(1);
        RoutePoolMetrics.Builder<String> b = RoutePoolMetrics.builder(pool);
        assertThatThrownBy(() -> b.maxRoutes(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.refreshInterval(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxSampleAge(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.poolName(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.otherRoutes("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(b.build().poolName()).isEqualTo("test");
        assertThat(b.poolName("renamed").build().poolName()).isEqualTo("renamed");
    }
}

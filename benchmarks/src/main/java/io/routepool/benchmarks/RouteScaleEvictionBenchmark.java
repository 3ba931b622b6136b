package io.routepool.benchmarks;

import io.routepool.benchmarks.Fixtures.PoolFixture;
import io.routepool.benchmarks.pools.Pool;
import io.routepool.benchmarks.pools.RoutePoolCompetitor;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolCounters;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolStats;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.http.HttpHost;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Cross-route eviction at route scale (routepool only): the pool is full of idle connections
 * (maxTotal {@value #MAX_TOTAL}, all idle, on {@value #MAX_TOTAL} routes), and each operation leases
 * on a route that has none, so the lease must evict the least recently released idle connection of
 * another route and create a new one; it is then released reusable, so the pool stays full. Time per
 * lease + release, µs (lower is better).
 *
 * <p>The routes leased are a ring of {@value #RING} routes ({@code maxTotal + 1}), leased in turn:
 * with least-recently-released eviction the route leased next is always the one whose connection was
 * evicted {@value #MAX_TOTAL} operations ago, so every lease evicts. Each iteration checks that from
 * the pool's counters (one connection created and one closed per operation, none reused, the pool
 * still full of idle connections) and fails the run otherwise, so it cannot silently measure hits.
 *
 * <p>{@code history} is what the pool went through before: {@link History#FRESH} nothing;
 * {@link History#SEEN_50K} {@value #SEEN} distinct routes each leased and released once;
 * {@link History#SEEN_50K_PURGED} the same, then {@code closeIdle(0)} closed every idle connection
 * and purged every route, then the {@value #MAX_TOTAL} idle connections were re-created. Each history
 * ends with the same {@value #MAX_TOTAL} idle connections on ring routes 0-19, route 0 the least
 * recently released. {@code maintenance}: {@code PoolBuilder.maintenanceInterval} zero (none) or the
 * default 1 s; with it on, maintenance purges empty routes every pass, so within a second of setup
 * SEEN_50K holds only the routes with connections (warm-up covers that second).
 *
 * <p>The history's first {@code SEEN - 20} routes are released <em>non-reusable</em> (closed at once),
 * the last 20 leased together and released reusable. That leaves the pool exactly where a history of
 * reusable releases at maxTotal 20 would (every route registered until a purge, {@value #SEEN}
 * connections created, {@code SEEN - 20} closed, the 20 most recently used routes idle; setup checks
 * it) without the {@code SEEN - 20} evictions on the way, each as slow as what is measured: the
 * unfixed pool takes 10-12 s over them, and this setup runs once per trial and in the smoke test.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class RouteScaleEvictionBenchmark extends PoolFixture {

    /** The pool's limit, all of it idle between operations (maxPerRoute: the default, 2). */
    public static final int MAX_TOTAL = 20;
    /** The routes leased in turn: one more than the pool holds, so the next one has never an idle connection. */
    public static final int RING = MAX_TOTAL + 1;
    /** Distinct routes of the SEEN histories, the ring included. */
    public static final int SEEN = 50_000;

    public enum History { FRESH, SEEN_50K, SEEN_50K_PURGED }

    public enum Maintenance {
        OFF(Duration.ZERO),
        ON(Duration.ofSeconds(1));

        final Duration interval;

        Maintenance(Duration interval) {
            this.interval = interval;
        }
    }

    @Param({"ROUTEPOOL"})
    public Pool pool;

    @Param({"FRESH", "SEEN_50K", "SEEN_50K_PURGED"})
    public History history;

    @Param({"OFF", "ON"})
    public Maintenance maintenance;

    private KeyedPool<HttpHost, ?> keyed;
    private HttpHost[] ring;
    private int next;
    private long operations;
    private PoolCounters before;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (pool != Pool.ROUTEPOOL) {
            throw new IllegalArgumentException("SKIPPED: " + pool + ": this benchmark runs routepool only");
        }
        int routes = history == History.FRESH ? RING : SEEN;
        RoutePoolCompetitor rp = RoutePoolCompetitor.create(2, MAX_TOTAL, maintenance.interval);
        start(pool, routes, rp);
        keyed = rp.keyedPool();
        ring = java.util.Arrays.copyOf(hosts, RING);
        long t0 = System.nanoTime();
        if (history != History.FRESH) {
            seen(keyed);
            PoolCounters c = keyed.getCounters();
            int registered = keyed.getRoutes().size();
            if (c.created() != SEEN || c.closed() != SEEN - MAX_TOTAL || c.reused() != 0
                    || registered > SEEN || (maintenance == Maintenance.OFF && registered != SEEN)) {
                throw new IllegalStateException("history " + history + ": expected " + SEEN + " routes registered, "
                        + SEEN + " created, " + (SEEN - MAX_TOTAL) + " closed, none reused; got " + registered
                        + " routes, " + c);
            }
            if (history == History.SEEN_50K_PURGED) {
                keyed.closeIdle(0, TimeUnit.MILLISECONDS);
                PoolStats s = keyed.getTotalStats();
                if (!keyed.getRoutes().isEmpty() || s.available() != 0 || s.leased() != 0) {
                    throw new IllegalStateException("closeIdle(0) left " + keyed.getRoutes().size() + " routes, " + s);
                }
            }
        }
        if (history != History.SEEN_50K) {
            fill(keyed);
        }
        checkFull("after setup");
        next = MAX_TOTAL; // ring routes 0-19 are idle, route 20 has nothing: the first lease evicts route 0's
        System.out.printf("%n[history %s, maintenance %s] setup %d ms, %d routes registered%n", history, maintenance,
                (System.nanoTime() - t0) / 1_000_000, keyed.getRoutes().size());
    }

    /** {@value #SEEN} routes leased and released once, ending with ring routes 0-19 idle (see the class comment). */
    private <C> void seen(KeyedPool<HttpHost, C> p) throws Exception {
        for (int i = RING; i < SEEN; i++) {
            p.release(p.lease(hosts[i], null, 10, TimeUnit.SECONDS), false);
        }
        p.release(p.lease(ring[MAX_TOTAL], null, 10, TimeUnit.SECONDS), false);
        fill(p);
    }

    /** Leases ring routes 0-19 together and releases them in order: route 0 the least recently released. */
    private <C> void fill(KeyedPool<HttpHost, C> p) throws Exception {
        @SuppressWarnings("unchecked")
        PoolEntry<HttpHost, C>[] entries = new PoolEntry[MAX_TOTAL];
        for (int i = 0; i < MAX_TOTAL; i++) {
            entries[i] = p.lease(ring[i], null, 10, TimeUnit.SECONDS);
        }
        for (PoolEntry<HttpHost, C> e : entries) {
            p.release(e, true);
        }
    }

    private void checkFull(String when) {
        PoolStats s = keyed.getTotalStats();
        if (s.available() != MAX_TOTAL || s.leased() != 0 || s.pending() != 0) {
            throw new IllegalStateException(when + ": the pool must hold " + MAX_TOTAL + " idle connections and no lease, " + s);
        }
    }

    @Setup(Level.Iteration)
    public void countersBefore() {
        before = keyed.getCounters();
        operations = 0;
    }

    /** Every operation evicted: one connection created and one closed each, nothing reused, the pool still full. */
    @TearDown(Level.Iteration)
    public void checkEveryLeaseEvicted() {
        PoolCounters after = keyed.getCounters();
        long created = after.created() - before.created();
        long closed = after.closed() - before.closed();
        long reused = after.reused() - before.reused();
        if (operations == 0 || created != operations || closed != operations || reused != 0 || after.waited() != before.waited()) {
            throw new IllegalStateException("history " + history + ", maintenance " + maintenance + ": " + operations
                    + " operations must each evict (created " + created + ", closed " + closed + ", reused " + reused
                    + ", waited " + (after.waited() - before.waited()) + ")");
        }
        checkFull("after an iteration");
    }

    @Benchmark
    public Object evictingLease() throws Exception {
        int i = next;
        next = i + 1 == RING ? 0 : i + 1;
        operations++;
        return competitor.leaseRelease(ring[i], null);
    }
}

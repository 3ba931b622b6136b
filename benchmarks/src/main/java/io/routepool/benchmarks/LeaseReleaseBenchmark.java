package io.routepool.benchmarks;

import io.routepool.benchmarks.Fixtures.Capacity;
import io.routepool.benchmarks.Fixtures.PoolFixture;
import io.routepool.benchmarks.Fixtures.ThreadCursor;
import io.routepool.benchmarks.pools.Pool;
import java.util.concurrent.TimeUnit;
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

/**
 * Issue targets T1, T2, T4, T5: lease a connection (10 s timeout) and release it reusable, every thread
 * in a loop; aggregate ops/µs. Threads come from the command line ({@code -t 1, 2, 4, 8, 16}; on a
 * 2-core machine more than 2 threads measure oversubscription, not scaling).
 *
 * <ul>
 *   <li>{@code routes}: 1, 20 or 1000 routes; each lease picks one uniformly at random (per-thread
 *       generator, see {@link Fixtures.ThreadCursor}).</li>
 *   <li>{@code capacity}: AMPLE = 64 per route (nobody waits; connections are created lazily up to the
 *       demand), SCARCE = 2 per route, maxTotal = per route × routes.</li>
 *   <li>{@code states}: 0 = no state ({@code null}); 8 = thread {@code i} leases with state
 *       {@code i % 8} and sets it on release (pools that carry a state only).</li>
 *   <li>The bag is measured by its own method, with routes=1 and no state only.</li>
 * </ul>
 * Allocation (B/op): run with {@code -prof gc}. Scarce throughput is never quoted without
 * {@link ScarceLatencyBenchmark}'s percentiles.
 *
 * <p>The three methods differ only in the parameter sets JMH generates for them (keyed pools without
 * state, pools with state, the bag), so that no invalid combination is generated; the report matches
 * rows by class and parameters, not by method.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LeaseReleaseBenchmark {

    /** Keyed pools, no state. */
    @State(Scope.Benchmark)
    public static class Keyed extends PoolFixture {
        @Param({"ROUTEPOOL", "ROUTEPOOL5", "HTTPCORE4", "STRICT5", "LAX5", "OFFLOCK5", "COMMONS_POOL2"})
        public Pool pool;

        @Param({"1", "20", "1000"})
        public int routes;

        @Param({"AMPLE", "SCARCE"})
        public Capacity capacity;

        @Param({"0"})
        public int states;

        @Setup(Level.Trial)
        public void setUp() {
            if (states != 0) {
                throw new IllegalArgumentException("SKIPPED: leaseRelease runs with states=0; states=8 is leaseReleaseStates");
            }
            start(pool, routes, states, capacity.perRoute, capacity.perRoute * routes);
        }
    }

    /** Pools that carry a state, 8 distinct states. */
    @State(Scope.Benchmark)
    public static class Stateful extends PoolFixture {
        @Param({"ROUTEPOOL", "ROUTEPOOL5", "HTTPCORE4", "STRICT5", "LAX5", "OFFLOCK5"})
        public Pool pool;

        @Param({"1", "20", "1000"})
        public int routes;

        @Param({"AMPLE", "SCARCE"})
        public Capacity capacity;

        @Param({"8"})
        public int states;

        @Setup(Level.Trial)
        public void setUp() {
            if (states != Fixtures.STATE_COUNT) {
                throw new IllegalArgumentException("SKIPPED: leaseReleaseStates runs with states=" + Fixtures.STATE_COUNT);
            }
            start(pool, routes, states, capacity.perRoute, capacity.perRoute * routes);
        }
    }

    /** The non-keyed ceiling: HikariCP's bag, one "route", no state; pre-filled with the route limit. */
    @State(Scope.Benchmark)
    public static class Bag extends PoolFixture {
        @Param({"HIKARI_BAG"})
        public Pool pool;

        @Param({"1"})
        public int routes;

        @Param({"AMPLE", "SCARCE"})
        public Capacity capacity;

        @Param({"0"})
        public int states;

        @Setup(Level.Trial)
        public void setUp() {
            if (pool != Pool.HIKARI_BAG) {
                throw new IllegalArgumentException("SKIPPED: leaseReleaseBag runs HIKARI_BAG only, not " + pool);
            }
            start(pool, routes, states, capacity.perRoute, capacity.perRoute);
        }
    }

    @Benchmark
    public Object leaseRelease(Keyed s, ThreadCursor cursor) throws Exception {
        return s.competitor.leaseRelease(cursor.route(s.hosts), null);
    }

    @Benchmark
    public Object leaseReleaseStates(Stateful s, ThreadCursor cursor) throws Exception {
        return s.competitor.leaseRelease(cursor.route(s.hosts), cursor.state);
    }

    @Benchmark
    public Object leaseReleaseBag(Bag s) throws Exception {
        return s.competitor.leaseRelease(null, null);
    }
}

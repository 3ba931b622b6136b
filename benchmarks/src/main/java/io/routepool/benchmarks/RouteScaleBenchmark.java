package io.routepool.benchmarks;

import io.routepool.benchmarks.Fixtures.PoolFixture;
import io.routepool.benchmarks.pools.Pool;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * Scale with routes: every one of {@code routes} routes holds one idle connection (2 per route,
 * maxTotal 2 × routes), and one thread leases and releases on a single route. A pool whose lease or
 * release is O(routes) shows it here (commons-pool2's return checks every key for waiters).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class RouteScaleBenchmark extends PoolFixture {

    @Param({"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5", "COMMONS_POOL2"})
    public Pool pool;

    @Param({"1", "100", "10000", "100000"})
    public int routes;

    private HttpHost route;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        start(pool, routes, 0, 2, 2 * routes);
        for (HttpHost host : hosts) {
            competitor.addIdle(host, null);
        }
        route = hosts[routes / 2];
    }

    @Benchmark
    public Object leaseRelease() throws Exception {
        return competitor.leaseRelease(route, null);
    }
}

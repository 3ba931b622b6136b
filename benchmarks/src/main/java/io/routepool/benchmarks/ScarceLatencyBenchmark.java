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
 * Issue target T3: how long one lease+release takes when 16 threads share 2 connections of one route
 * (sample time, µs; the report reads p50, p99, p99.9, p99.99 and max from the JSON).
 *
 * <p>Pools that let the releasing thread take the connection straight back (barging: HttpCore 4.4,
 * commons-pool2, the bag) have sub-µs medians and starve unlucky threads for tens of ms; pools that
 * hand connections to waiters first come, first served (routepool, Strict, Lax) pay a park/unpark per
 * operation and bound the wait. Throughput alone rewards starvation: read both.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(16)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class ScarceLatencyBenchmark extends PoolFixture {

    /** Connections of the one route (maxPerRoute = maxTotal = 2; the bag holds 2 entries). */
    public static final int CONNECTIONS = 2;

    @Param({"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5", "COMMONS_POOL2", "HIKARI_BAG"})
    public Pool pool;

    private HttpHost route;

    @Setup(Level.Trial)
    public void setUp() {
        start(pool, 1, 0, CONNECTIONS, CONNECTIONS);
        route = hosts[0];
    }

    @Benchmark
    public Object leaseRelease() throws Exception {
        return competitor.leaseRelease(route, null);
    }
}

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
 * Scale with idle connections under other states: one route holds {@code others + 1} idle
 * connections, each with its own state (a user token), and one thread leases them round robin, each
 * with its own state, releasing it with that state. With LIFO reuse the connection asked for is always
 * the least recently released one, so a pool that matches states by scanning its idle list walks past
 * {@code others} connections on every lease: the worst case of state-matched reuse.
 *
 * <p>LaxConnPool does not scan: it takes the most recently released connection and closes it when the
 * state differs (here: always), so its figure is a close + re-create per lease, which stub connections
 * make free. The JMH log line "connections created / closed" shows that churn.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class StateScaleBenchmark extends PoolFixture {

    @Param({"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5"})
    public Pool pool;

    @Param({"0", "10", "100", "1000"})
    public int others;

    private HttpHost route;
    private Object[] states;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        int n = others + 1;
        start(pool, 1, n, n + 8, n + 8);
        route = hosts[0];
        states = new Object[n];
        Object[] handles = new Object[n];
        for (int i = 0; i < n; i++) {
            states[i] = "user-" + i;
            handles[i] = competitor.lease(route, states[i]);
        }
        // Release in order: state n-1 is the most recently released, state 0 the least.
        for (int i = 0; i < n; i++) {
            competitor.release(handles[i], states[i]);
        }
        next = 0;
    }

    @Benchmark
    public Object leaseRelease() throws Exception {
        int i = next;
        Object state = states[i];
        next = i + 1 == states.length ? 0 : i + 1;
        return competitor.leaseRelease(route, state);
    }
}

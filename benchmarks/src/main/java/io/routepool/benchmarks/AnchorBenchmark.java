package io.routepool.benchmarks;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.http.HttpHost;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Not a pool: the costs a keyed lease + release is made of, on this machine, to explain the pool
 * figures (performance notes §9.5, §10). Nanoseconds per operation, 1 thread: a clock read, an
 * uncontended {@link ReentrantLock} lock + unlock, an {@link HttpHost} hash, a route lookup in a
 * {@link ConcurrentHashMap} by an equal (not identical) {@code HttpHost}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class AnchorBenchmark {

    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentHashMap<HttpHost, Object> routes = new ConcurrentHashMap<>();
    private HttpHost key;

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < 20; i++) {
            routes.put(new HttpHost("host" + i, 80), new Object());
        }
        key = new HttpHost("host7", 80); // equal to a key in the map, not the same object
    }

    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }

    @Benchmark
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Benchmark
    public int lockUnlock() {
        lock.lock();
        try {
            return lock.getHoldCount();
        } finally {
            lock.unlock();
        }
    }

    @Benchmark
    public int httpHostHashCode() {
        return key.hashCode();
    }

    @Benchmark
    public Object routeLookup() {
        return routes.get(key);
    }
}

package io.routepool.benchmarks;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
 * Not a pool: the floor under {@link ScarceLatencyBenchmark}'s tail. Sixteen threads share two permits of a fair
 * {@link Semaphore} (first come, first served, no barging), acquired and released in a loop: what a first come, first
 * served pool with two connections costs with nothing of a pool in it, the park and wake-up of a thread per operation
 * and the scheduler's delays on this machine. Same shape and timing as ScarceLatencyBenchmark, so their percentiles
 * compare within one run.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(16)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class HandOffAnchorBenchmark {

    private Semaphore permits;

    @Setup(Level.Trial)
    public void setUp() {
        permits = new Semaphore(ScarceLatencyBenchmark.CONNECTIONS, true);
    }

    @Benchmark
    public int fairSemaphore() throws InterruptedException {
        permits.acquire();
        try {
            return permits.availablePermits();
        } finally {
            permits.release();
        }
    }
}

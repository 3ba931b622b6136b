package io.routepool.benchmarks;

import io.routepool.benchmarks.Fixtures.PoolFixture;
import io.routepool.benchmarks.pools.Competitor;
import io.routepool.benchmarks.pools.Pool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.http.HttpHost;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Issue target T6, cross-thread release: 3 lessee threads lease (1 route, ample capacity) and hand each
 * entry to 1 releasing thread, as an async client releases on its I/O thread. This is the case that
 * defeats thread-local caches (HikariCP's per-thread list). Run with {@code -t 4} (one group).
 *
 * <p>The score to read is {@code lease}: ops/µs of the 3 lessees together, which in steady state is
 * the rate at which connections go round. ({@code release} counts batches, not entries.)
 *
 * <p>The handoff is one single-producer/single-consumer ring per lessee (16 slots, a release-store
 * per side, no lock, no allocation); the releaser takes everything queued in each ring in turn. A full
 * ring (lessee) or empty rings (releaser) {@link Thread#yield()}, never park. Why: the first version
 * used one {@code ArrayBlockingQueue} with parking {@code offer/poll(timeout)}, and every pool measured
 * 0.2–0.6 ops/µs (a wake-up per entry: the scheduler, not the pools). With non-blocking
 * {@code offer}/{@code drainTo} and yields it gave the same figures as these rings within noise, so the
 * queue is not the limit; on 2 cores the limit is that the one releaser gets about half a core while
 * the 3 lessees wait for it, plus every entry's cache lines moving between cores. Entries still in a
 * ring when an iteration ends are released by the iteration teardown.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class CrossThreadReleaseBenchmark extends PoolFixture {

    static final int LESSEES = 3;
    /** Slots per ring: at most 3 × 16 + 3 entries are out, below the 64 per route, so no lease waits. */
    static final int RING_SIZE = 16;
    static final int PER_ROUTE = 64;

    @Param({"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5", "COMMONS_POOL2", "HIKARI_BAG"})
    public Pool pool;

    private HttpHost route;

    @Setup(Level.Trial)
    public void setUp() {
        start(pool, 1, 0, PER_ROUTE, PER_ROUTE);
        route = hosts[0];
    }

    /** A bounded single-producer/single-consumer ring of handles. */
    static final class Ring {
        private static final int MASK = RING_SIZE - 1;
        private final Object[] slots = new Object[RING_SIZE];
        private final AtomicLong head = new AtomicLong(); // next slot to take (consumer)
        private final AtomicLong tail = new AtomicLong(); // next slot to fill (producer)

        /** Producer only. */
        boolean offer(Object handle) {
            long t = tail.get();
            if (t - head.get() == RING_SIZE) {
                return false;
            }
            slots[(int) t & MASK] = handle;
            tail.lazySet(t + 1); // publishes the slot
            return true;
        }

        /** Consumer only: releases everything queued; returns how many. */
        int releaseAll(Competitor competitor) {
            long h = head.get();
            long t = tail.get();
            for (long i = h; i < t; i++) {
                int slot = (int) i & MASK;
                Object handle = slots[slot];
                slots[slot] = null;
                competitor.release(handle, null);
            }
            if (t != h) {
                head.lazySet(t); // hands the slots back
            }
            return (int) (t - h);
        }
    }

    /** One ring per lessee of the group. */
    @State(Scope.Group)
    public static class Handoff {
        final Ring[] rings = new Ring[LESSEES];

        @Setup(Level.Trial)
        public void setUp() {
            for (int i = 0; i < LESSEES; i++) {
                rings[i] = new Ring();
            }
        }

        @TearDown(Level.Iteration)
        public void drain(CrossThreadReleaseBenchmark bench) {
            for (Ring ring : rings) {
                ring.releaseAll(bench.competitor);
            }
        }
    }

    /** The lessee's own ring. */
    @State(Scope.Thread)
    public static class Lessee {
        Ring ring;

        @Setup(Level.Trial)
        public void setUp(Handoff handoff, ThreadParams threads) {
            ring = handoff.rings[threads.getSubgroupThreadIndex() % LESSEES];
        }
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(LESSEES)
    public boolean lease(Lessee lessee, Control control) throws Exception {
        Competitor c = competitor;
        Object handle = c.lease(route, null);
        while (!lessee.ring.offer(handle)) {
            if (control.stopMeasurement) {
                c.release(handle, null); // the releaser may already have stopped
                return false;
            }
            Thread.yield();
        }
        return true;
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public int release(Handoff handoff) {
        int n = 0;
        for (Ring ring : handoff.rings) {
            n += ring.releaseAll(competitor);
        }
        if (n == 0) {
            Thread.yield();
        }
        return n;
    }
}

package io.routepool.benchmarks;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
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
 * Not a pool: the floor under {@link StateScaleBenchmark}. Each of {@code others + 1} states has one slot, found by a
 * hash lookup of the state; a "lease" claims the slot with a CAS on its word and checks its state, a "release" CASes it
 * back. The states are taken round robin, as StateScaleBenchmark takes them, so with 1000 others every operation
 * touches another slot, map node and state: the least any lock-free per-state pool does, and what a working set of
 * 1001 states costs on this machine against one. Same shape and timing as StateScaleBenchmark, so their ratios compare
 * within one run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class StateScaleAnchorBenchmark {

    /** One state's slot: its word (0 free, 1 taken) and the state it holds. */
    static final class Slot {
        static final AtomicIntegerFieldUpdater<Slot> WORD = AtomicIntegerFieldUpdater.newUpdater(Slot.class, "word");
        volatile int word;
        final Object state;

        Slot(Object state) {
            this.state = state;
        }
    }

    @Param({"0", "1", "10", "1000"})
    public int others;

    private ConcurrentHashMap<Object, Slot> slots;
    private Object[] states;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        int n = others + 1;
        slots = new ConcurrentHashMap<>();
        states = new Object[n];
        for (int i = 0; i < n; i++) {
            states[i] = "user-" + i;
            slots.put(states[i], new Slot(states[i]));
        }
        next = 0;
    }

    @Benchmark
    public Object leaseRelease() {
        int i = next;
        Object state = states[i];
        next = i + 1 == states.length ? 0 : i + 1;
        Slot s = slots.get(state);
        if (!Slot.WORD.compareAndSet(s, 0, 1) || !s.state.equals(state)) {
            throw new IllegalStateException("slot of " + state + " not free or of another state");
        }
        if (!Slot.WORD.compareAndSet(s, 1, 0)) {
            throw new IllegalStateException("slot of " + state + " released twice");
        }
        return s;
    }
}

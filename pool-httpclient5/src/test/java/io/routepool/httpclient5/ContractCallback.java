package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.pool.PoolEntry;

/**
 * Records the calls a lease's {@link FutureCallback} gets. With a probe, each call also runs the probe on a second
 * thread and joins it with a bounded wait: a probe that uses the pool (stats, a release) cannot finish while the
 * calling thread holds a pool lock the probe needs, so a callback run under such a lock is reported.
 */
final class ContractCallback implements FutureCallback<PoolEntry<String, TestConn>> {

    static final long PROBE_BOUND_MS = 5_000;

    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger cancelled = new AtomicInteger();
    volatile PoolEntry<String, TestConn> result;
    volatile Exception failure;
    volatile Thread caller;

    private final Runnable probe;
    final AtomicInteger probesFinished = new AtomicInteger();
    /** Calls that have returned (their probe joined or given up on). */
    final AtomicInteger returned = new AtomicInteger();
    final List<String> problems = new CopyOnWriteArrayList<>();

    ContractCallback() {
        this(null);
    }

    ContractCallback(Runnable probe) {
        this.probe = probe;
    }

    @Override
    public void completed(PoolEntry<String, TestConn> entry) {
        result = entry;
        completed.incrementAndGet();
        called("completed");
    }

    @Override
    public void failed(Exception ex) {
        failure = ex;
        failed.incrementAndGet();
        called("failed");
    }

    @Override
    public void cancelled() {
        cancelled.incrementAndGet();
        called("cancelled");
    }

    int calls() {
        return completed.get() + failed.get() + cancelled.get();
    }

    private void called(String what) {
        try {
            probe(what);
        } finally {
            returned.incrementAndGet();
        }
    }

    /** Waits until a call has returned, on whatever thread it runs. */
    void awaitReturned() {
        ContractAwait.until("the callback has returned", () -> returned.get() > 0);
    }

    private void probe(String what) {
        caller = Thread.currentThread();
        if (probe == null) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                probe.run();
                probesFinished.incrementAndGet();
            } catch (Throwable e) {
                problems.add(what + ": the probe threw " + e);
            }
        }, "callback-probe");
        t.setDaemon(true);
        t.start();
        try {
            t.join(PROBE_BOUND_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add(what + ": interrupted while joining the probe");
            return;
        }
        if (t.isAlive()) {
            problems.add(what + ": the probe was still blocked after " + PROBE_BOUND_MS
                    + " ms (the callback runs while the pool holds a lock); probe at "
                    + Arrays.toString(t.getStackTrace()));
        }
    }

    /** Exactly one call so far, of the given kind, and every probe ran to its end. */
    void assertOnly(String kind) {
        assertThat(new int[] {completed.get(), failed.get(), cancelled.get()})
                .as("completed/failed/cancelled calls")
                .containsExactly("completed".equals(kind) ? 1 : 0, "failed".equals(kind) ? 1 : 0,
                        "cancelled".equals(kind) ? 1 : 0);
        assertThat(problems).isEmpty();
        if (probe != null) {
            assertThat(probesFinished.get()).as("probes finished").isEqualTo(1);
        }
    }
}

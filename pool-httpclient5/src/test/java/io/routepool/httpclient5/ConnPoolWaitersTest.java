package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.httpclient5.ContractPool.Impl;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Differential contract, part 4: request timeouts, Future.get timeouts, cancel, and the FutureCallback: called
 * exactly once, and never while the pool holds a lock (each callback runs a probe on a second thread that uses the
 * pool, releasing and leasing a connection of the same route, and joins it with a bounded wait). Runs against the
 * reference (StrictConnPool) and ours.
 */
@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class ConnPoolWaitersTest {

    private static final long REQUEST_TIMEOUT_MS = 200;

    /**
     * A probe that needs the pool, the route's included: stats, then the spare entry (a leased connection of the
     * route) released and leased back.
     */
    private static Runnable probe(ContractPool p, String route, AtomicReference<PoolEntry<String, TestConn>> spare) {
        return () -> {
            p.pool.getTotalStats();
            p.pool.getStats(route);
            PoolEntry<String, TestConn> e = spare.get();
            TestConn conn = e.getConnection();
            p.releaseKept(e);
            try {
                PoolEntry<String, TestConn> back = p.lease(route, null, Timeout.ofSeconds(5), null)
                        .get(5, TimeUnit.SECONDS);
                assertThat(back.getConnection()).isSameAs(conn);
                spare.set(back);
            } catch (Exception ex) {
                throw new AssertionError(ex);
            }
        };
    }

    /**
     * A lease whose request timeout passes before it can be served fails with a TimeoutException. Documented
     * difference: ours fails it when the timeout passes (on its timer); the reference has no timer and fails it only
     * when it next looks at its queue (here: validatePendingRequests; a lease or release would do). Also documented:
     * a timed {@code get} throws ours' TimeoutException itself, the reference wraps it in an ExecutionException
     * (an untimed {@code get} wraps it in both).
     */
    @ContractScenario
    void aRequestTimeoutFailsTheLease_oursWhenItPasses_theReferenceWhenItNextLooks(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            AtomicReference<PoolEntry<String, TestConn>> spare = new AtomicReference<>(p.leaseConnected("a", null));
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback(probe(p, "a", spare));
            long wallBefore = System.currentTimeMillis();
            long t0 = System.nanoTime();
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofMilliseconds(REQUEST_TIMEOUT_MS), cb);
            if (impl.isReference()) {
                ContractAwait.wallClockPast(wallBefore + REQUEST_TIMEOUT_MS + 1);
                assertThat(f.isDone()).as("reference: no timer").isFalse();
                assertThat(p.stats("a")).as("but no longer counted as pending")
                        .isEqualTo("leased 2, pending 0, available 0");
                p.validatePendingRequests();
                assertThat(f.isDone()).isTrue();
            } else {
                ContractAwait.until("the lease times out", f::isDone);
                long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(elapsedMs).as("not before its timeout").isGreaterThanOrEqualTo(REQUEST_TIMEOUT_MS - 2);
            }
            cb.awaitReturned();
            assertThat(f.isCancelled()).isFalse();
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
            if (impl.isReference()) {
                assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(TimeoutException.class);
            } else {
                assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
            }
            cb.assertOnly("failed");
            assertThat(cb.failure).isInstanceOf(TimeoutException.class);
            assertThat(p.stats("a")).isEqualTo("leased 2, pending 0, available 0");

            p.releaseKept(held); // not handed to the failed lease
            assertThat(p.stats("a")).isEqualTo("leased 1, pending 0, available 1");
            assertThat(f.isCancelled()).isFalse();
            if (impl.isReference()) {
                p.validatePendingRequests();
            }
            cb.assertOnly("failed");
        }
    }

    /** A Future.get whose own timeout runs out cancels the lease: the lease is never served afterwards. */
    @ContractScenario
    void aFutureGetThatTimesOutCancelsTheLease(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 1, 10)) {
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback();
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.DISABLED, cb);
            assertThatThrownBy(() -> f.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(f.isDone()).isTrue();
            assertThat(f.isCancelled()).isTrue();
            cb.assertOnly("cancelled");

            ContractCallback cb0 = new ContractCallback();
            Future<PoolEntry<String, TestConn>> zero = p.lease("a", null, Timeout.DISABLED, cb0);
            assertThatThrownBy(() -> zero.get(0, TimeUnit.MILLISECONDS)).as("get(0) does not wait")
                    .isInstanceOf(TimeoutException.class);
            assertThat(zero.isCancelled()).isTrue();
            cb0.assertOnly("cancelled");

            p.releaseKept(held);
            assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 1");
            assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
            cb.assertOnly("cancelled");
            cb0.assertOnly("cancelled");
        }
    }

    /**
     * cancel() of a waiting lease: cancelled at once, callback once, never served. Documented difference: the
     * reference still counts a cancelled lease as pending until it next looks at its queue; ours does not.
     */
    @ContractScenario
    void cancellingAWaitingLease(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            p.leaseConnected("a", null);
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback(); // no probe: it would make the reference look at its queue
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofSeconds(10), cb);
            assertThat(f.isDone()).isFalse();
            assertThat(p.stats("a")).isEqualTo("leased 2, pending 1, available 0");

            assertThat(f.cancel(true)).isTrue();
            assertThat(f.isCancelled()).isTrue();
            assertThat(f.isDone()).isTrue();
            cb.assertOnly("cancelled");
            assertThat(f.cancel(true)).as("a second cancel").isFalse();
            assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
            assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            if (impl.isReference()) {
                assertThat(p.stats("a")).as("reference: still counted").isEqualTo("leased 2, pending 1, available 0");
                p.validatePendingRequests();
            }
            assertThat(p.stats("a")).isEqualTo("leased 2, pending 0, available 0");

            p.releaseKept(held);
            assertThat(p.stats("a")).isEqualTo("leased 1, pending 0, available 1");
            cb.assertOnly("cancelled");
        }
    }

    /** cancel() of a completed lease returns false and leaves the entry with its caller. */
    @ContractScenario
    void cancellingACompletedLeaseChangesNothing(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            ContractCallback created = new ContractCallback();
            Future<PoolEntry<String, TestConn>> f1 = p.lease("a", null, Timeout.ofSeconds(10), created);
            PoolEntry<String, TestConn> e1 = f1.get();
            e1.assignConnection(new TestConn());
            assertThat(f1.cancel(true)).isFalse();
            assertThat(f1.isCancelled()).isFalse();
            assertThat(f1.get()).isSameAs(e1);
            created.assertOnly("completed");
            p.releaseKept(e1);

            ContractCallback reused = new ContractCallback();
            Future<PoolEntry<String, TestConn>> f2 = p.lease("a", null, Timeout.ofSeconds(10), reused);
            assertThat(f2.cancel(true)).isFalse();
            assertThat(f2.isCancelled()).isFalse();
            assertThat(f2.get().getConnection()).isSameAs(e1.getConnection());
            reused.assertOnly("completed");
            assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 0");
        }
    }

    @ContractScenario
    void theCallbackOfALeaseServedAtOnceRunsOnceOutsideThePoolsLocks(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 3, 10)) {
            AtomicReference<PoolEntry<String, TestConn>> spare = new AtomicReference<>(p.leaseConnected("a", null));
            ContractCallback created = new ContractCallback(probe(p, "a", spare));
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofSeconds(10), created);
            assertThat(created.calls()).as("called before lease returns").isEqualTo(1);
            created.assertOnly("completed");
            assertThat(created.caller).isSameAs(Thread.currentThread());
            PoolEntry<String, TestConn> e = f.get();
            e.assignConnection(new TestConn());
            p.releaseKept(e);

            ContractCallback reused = new ContractCallback(probe(p, "a", spare));
            Future<PoolEntry<String, TestConn>> g = p.lease("a", null, Timeout.ofSeconds(10), reused);
            reused.assertOnly("completed");
            assertThat(g.get().getConnection()).isSameAs(e.getConnection());
            assertThat(reused.result).isSameAs(g.get());

            f.cancel(true);
            g.cancel(true);
            p.releaseKept(g.get());
            created.assertOnly("completed");
            reused.assertOnly("completed");
        }
    }

    @ContractScenario
    void theCallbackOfAWaiterServedByAReleaseRunsOnceOutsideThePoolsLocks(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            AtomicReference<PoolEntry<String, TestConn>> spare = new AtomicReference<>(p.leaseConnected("a", null));
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback(probe(p, "a", spare));
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofSeconds(10), cb);
            assertThat(cb.calls()).isZero();
            p.releaseKept(held);
            cb.awaitReturned();
            assertThat(f.isDone()).isTrue();
            cb.assertOnly("completed");
            assertThat(cb.result).isSameAs(f.get());
            assertThat(f.get().getConnection()).isSameAs(held.getConnection());

            f.cancel(true);
            p.releaseKept(f.get());
            if (impl.isReference()) {
                p.validatePendingRequests();
            }
            cb.assertOnly("completed");
        }
    }

    @ContractScenario
    void theCallbackOfATimedOutLeaseRunsOnceOutsideThePoolsLocks(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            AtomicReference<PoolEntry<String, TestConn>> spare = new AtomicReference<>(p.leaseConnected("a", null));
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback(probe(p, "a", spare));
            long wallBefore = System.currentTimeMillis();
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofMilliseconds(20), cb);
            if (impl.isReference()) {
                ContractAwait.wallClockPast(wallBefore + 21);
                p.validatePendingRequests();
            }
            cb.awaitReturned();
            assertThat(f.isDone()).isTrue();
            cb.assertOnly("failed");
            f.cancel(true);
            p.releaseKept(held);
            if (impl.isReference()) {
                p.validatePendingRequests();
            }
            cb.assertOnly("failed");
        }
    }

    @ContractScenario
    void theCallbackOfACancelledLeaseRunsOnceOutsideThePoolsLocks(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            AtomicReference<PoolEntry<String, TestConn>> spare = new AtomicReference<>(p.leaseConnected("a", null));
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback(probe(p, "a", spare));
            Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofSeconds(10), cb);
            // cancelled from another thread, as a caller giving up would
            Thread canceller = new Thread(() -> f.cancel(true), "canceller");
            canceller.start();
            canceller.join(10_000);
            assertThat(canceller.isAlive()).isFalse();
            cb.assertOnly("cancelled");
            assertThat(cb.caller).isSameAs(canceller);
            p.releaseKept(held);
            f.cancel(true);
            if (impl.isReference()) {
                p.validatePendingRequests();
            }
            cb.assertOnly("cancelled");
            assertThat(p.stats("a")).isEqualTo("leased 1, pending 0, available 1");
        }
    }
}

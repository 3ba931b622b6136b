package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PoolBuilder#maxPendingPerRoute} and {@link PoolBuilder#maxPending}: a lease that would wait beyond the cap
 * fails at once, naming it and the counts; the queues, the counts and the capacity stay as they were.
 */
class MaxPendingTest {

    final TestConnections conns = new TestConnections();
    final ExecutorService threads = Executors.newCachedThreadPool();
    KeyedPool<String, Conn> pool;

    private KeyedPool<String, Conn> pool(Consumer<PoolBuilder<String, Conn>> options) {
        PoolBuilder<String, Conn> b = KeyedPool.builder(conns).maintenanceInterval(Duration.ZERO);
        options.accept(b);
        pool = b.build();
        return pool;
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        if (pool != null) {
            pool.close();
        }
        assertThat(conns.doubleCloses.get()).isZero();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        Await.until("the async lease is done", f::isDone); // completed on the pool's async executor
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void aThirdWaiterOnARouteCappedAtTwoFailsAtOnceNamingTheCapAndTheCounts() throws Exception {
        pool(b -> b.defaultMaxPerRoute(1).maxTotal(10).maxPendingPerRoute(2));
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> w1 = pool.leaseAsync("a", null, 30, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> w2 = pool.leaseAsync("a", null, 30, SECONDS);
        Await.until("two leases wait", () -> pool.getStats("a").pending() == 2);

        assertThatThrownBy(() -> pool.lease("a", null, 30, SECONDS))
                .isInstanceOf(PendingLimitException.class)
                .isInstanceOf(TimeoutException.class)
                .hasMessageStartingWith("Lease refused at once by pool " + pool.name()
                        + ": maxPendingPerRoute 2 leases already wait on the route, route a")
                .hasMessageContaining("The route has maxPerRoute 1 (leased 1, available 0, pending 2)")
                .satisfies(e -> {
                    assertThat(((PendingLimitException) e).limitName()).isEqualTo("maxPendingPerRoute");
                    assertThat(((PendingLimitException) e).limit()).isEqualTo(2);
                });
        CompletableFuture<PoolEntry<String, Conn>> w3 = pool.leaseAsync("a", null, 30, SECONDS);
        assertThat(failure(w3)).isInstanceOf(PendingLimitException.class);
        assertThat(pool.getCounters().pendingRefused()).isEqualTo(2);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 2, 0, 1));

        PoolEntry<String, Conn> other = pool.lease("b", null, 0, SECONDS);
        assertThat(other).as("another route is not capped by this one's waiters").isNotNull();
        pool.release(other, true);

        pool.release(held, true);
        PoolEntry<String, Conn> e1 = w1.get(10, SECONDS);
        assertThat(e1).isSameAs(held);
        CompletableFuture<PoolEntry<String, Conn>> w4 = pool.leaseAsync("a", null, 30, SECONDS);
        Await.until("a waiter's place is taken again once one left", () -> pool.getStats("a").pending() == 2);
        pool.release(e1, true);
        pool.release(w2.get(10, SECONDS), true);
        pool.release(w4.get(10, SECONDS), true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
        assertThat(conns.created).as("no connection lost or made twice").hasSize(2);
    }

    @Test
    void thePoolWideCapCountsRouteAndCapacityWaitersTogether() throws Exception {
        pool(b -> b.defaultMaxPerRoute(1).maxTotal(1).maxPending(2));
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> onRoute = pool.leaseAsync("a", null, 30, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> onCapacity = pool.leaseAsync("b", null, 30, SECONDS);
        Await.until("one waits on its route, one on maxTotal", () -> pool.getTotalStats().pending() == 2);

        CompletableFuture<PoolEntry<String, Conn>> refused = pool.leaseAsync("c", null, 30, SECONDS);
        assertThat(failure(refused)).isInstanceOf(PendingLimitException.class)
                .hasMessageStartingWith("Lease refused at once by pool " + pool.name()
                        + ": maxPending 2 leases already wait in the pool, route c")
                .hasMessageContaining("the pool has maxTotal 1 (leased 1, available 0, pending 2)");
        assertThat(pool.getStats("c")).isEqualTo(new PoolStats(0, 0, 0, 1));

        pool.release(held, true);
        PoolEntry<String, Conn> a = onRoute.get(10, SECONDS);
        pool.release(a, true);
        PoolEntry<String, Conn> b = onCapacity.get(10, SECONDS);
        pool.release(b, true);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 1, 1));
        PoolEntry<String, Conn> c = pool.lease("c", null, 10, SECONDS);
        assertThat(c.route()).isEqualTo("c");
        pool.release(c, true);
    }

    @Test
    void aWaiterThatTimesOutOrIsCancelledGivesItsPlaceBack() throws Exception {
        pool(b -> b.defaultMaxPerRoute(1).maxTotal(1).maxPending(1));
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> timesOut = pool.leaseAsync("a", null, 1, MILLISECONDS);
        Await.until("the short wait ends", timesOut::isDone);
        assertThat(failure(timesOut)).isInstanceOf(TimeoutException.class).isNotInstanceOf(PendingLimitException.class);

        CompletableFuture<PoolEntry<String, Conn>> cancelled = pool.leaseAsync("a", null, 30, SECONDS);
        Await.until("it waits", () -> pool.getTotalStats().pending() == 1);
        cancelled.cancel(false);
        Await.until("the cancelled waiter left", () -> pool.getTotalStats().pending() == 0);

        CompletableFuture<PoolEntry<String, Conn>> admitted = pool.leaseAsync("b", null, 30, SECONDS);
        Await.until("a new waiter is admitted", () -> pool.getTotalStats().pending() == 1);
        assertThat(admitted).isNotDone();
        pool.release(held, true);
        pool.release(admitted.get(10, SECONDS), true);
        assertThat(pool.getCounters().pendingRefused()).isZero();
    }

    /** Eight threads race for a full route capped at three waiters: exactly three wait, five are refused. */
    @Test
    void theCapIsExactUnderContention() throws Exception {
        pool(b -> b.defaultMaxPerRoute(1).maxTotal(10).maxPendingPerRoute(3));
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        List<Future<PoolEntry<String, Conn>>> tries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tries.add(threads.submit(() -> {
                PoolEntry<String, Conn> e = pool.lease("a", null, 30, SECONDS);
                pool.release(e, true); // so that the next waiter is served, whatever order the test looks in
                return e;
            }));
        }
        Await.until("five refused and three waiting",
                () -> pool.getCounters().pendingRefused() == 5 && pool.getStats("a").pending() == 3);
        pool.release(held, true);
        int served = 0;
        int refused = 0;
        for (Future<PoolEntry<String, Conn>> f : tries) {
            try {
                assertThat(f.get(10, SECONDS)).isSameAs(held);
                served++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PendingLimitException.class);
                refused++;
            }
        }
        assertThat(served).isEqualTo(3);
        assertThat(refused).isEqualTo(5);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
        assertThat(conns.created).hasSize(1);
    }

    @Test
    void aLeaseThatNeedNotWaitIsNeverRefusedAndNegativeCapsAreRefusedByName() throws Exception {
        pool(b -> b.defaultMaxPerRoute(1).maxTotal(10).maxPendingPerRoute(1).maxPending(1));
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waits = pool.leaseAsync("a", null, 30, SECONDS);
        Await.until("the pool is at its cap of one waiter", () -> pool.getTotalStats().pending() == 1);
        PoolEntry<String, Conn> created = pool.lease("b", null, 30, SECONDS); // room on b: creates, no wait
        pool.release(created, true);
        assertThat(pool.lease("b", null, 30, SECONDS)).as("an idle one: reused, no wait").isSameAs(created);
        pool.release(created, true);
        pool.release(held, true);
        pool.release(waits.get(10, SECONDS), true);
        assertThat(pool.getCounters().pendingRefused()).isZero();
        assertThatThrownBy(() -> KeyedPool.builder(conns).maxPendingPerRoute(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPendingPerRoute must be 0 (no limit) or positive, was -1");
        assertThatThrownBy(() -> KeyedPool.builder(conns).maxPending(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPending must be 0 (no limit) or positive, was -2");
    }
}

package io.routepool.core;

import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A limit lowered while connections are leased and leases wait: a reusable entry released while its route or
 * the pool is over its (new) limit is closed, not handed to a waiter; waiters are served only once the pool is
 * within its limits again, or when a limit is raised.
 */
@Timeout(60)
class LoweredLimitTest {

    final TestConnections conns = new TestConnections();
    final ExecutorService threads = Executors.newCachedThreadPool();
    final ManualExecutor executor = new ManualExecutor();
    KeyedPool<String, Conn> pool;

    KeyedPool<String, Conn> pool(int maxPerRoute, int maxTotal) {
        pool = KeyedPool.builder(conns).defaultMaxPerRoute(maxPerRoute).maxTotal(maxTotal).asyncExecutor(executor).build();
        return pool;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (pool != null) {
            pool.close();
        }
        executor.drain();
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, SECONDS)).isTrue();
        assertThat(conns.doubleCloses.get()).isZero();
    }

    Future<PoolEntry<String, Conn>> leaseInBackground(String route, long timeout, java.util.concurrent.TimeUnit unit) {
        return threads.submit(() -> pool.lease(route, null, timeout, unit));
    }

    CompletableFuture<PoolEntry<String, Conn>> waitAsync(String route) {
        CompletableFuture<PoolEntry<String, Conn>> f = pool.leaseAsync(route, null, 100, SECONDS);
        executor.drain();
        return f;
    }

    void awaitPending(String route, int n) {
        Await.until(n + " pending on " + route, () -> pool.getStats(route).pending() == n);
    }

    int openOn(String route) {
        return conns.openPerRoute.getOrDefault(route, new AtomicInteger()).get();
    }

    List<PoolEntry<String, Conn>> leaseAll(String route, int n) throws Exception {
        List<PoolEntry<String, Conn>> leased = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leased.add(pool.lease(route, null, 0, SECONDS));
        }
        return leased;
    }

    @Test
    void aReleaseOverARouteLimitLoweredToZeroClosesAndTheWaiterWaitsUntilTheLimitIsRaised() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", 1, MINUTES);
        awaitPending("a", 1);
        pool.setMaxPerRoute("a", 0);

        pool.release(e, true);

        assertThat(e.connection().closes.get()).as("the released connection is closed").isEqualTo(1);
        assertThat(openOn("a")).isZero();
        assertThat(pool.getStats("a")).as("the waiter still waits").isEqualTo(new PoolStats(0, 1, 0, 0));
        assertThat(waiter).isNotDone();

        pool.setMaxPerRoute("a", 1);
        PoolEntry<String, Conn> got = waiter.get(10, SECONDS);
        assertThat(got).isNotSameAs(e);
        assertThat(got.connection().open).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
        assertThat(conns.maxOpenPerRoute.get("a").get()).isEqualTo(1);
    }

    @Test
    void aReleaseOverARouteLimitLoweredToZeroClosesAndTheWaiterTimesOut() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", 1, SECONDS);
        awaitPending("a", 1);
        pool.setMaxPerRoute("a", 0);

        pool.release(e, true);

        assertThat(e.connection().closes.get()).as("the released connection is closed").isEqualTo(1);
        assertThat(openOn("a")).isZero();
        assertThatThrownBy(() -> waiter.get(10, SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 0));
        assertThat(conns.created).hasSize(1);
    }

    @Test
    void anAsyncWaiterIsNotServedOverARouteLimitLoweredToZero() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiter = waitAsync("a");
        assertThat(pool.getStats("a").pending()).isEqualTo(1);
        pool.setMaxPerRoute("a", 0);

        pool.release(e, true);
        executor.drain();

        assertThat(waiter).isNotDone();
        assertThat(e.connection().closes.get()).isEqualTo(1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 1, 0, 0));
        pool.setMaxPerRoute("a", 1);
        executor.drain();
        assertThat(waiter).isCompleted();
        assertThat(waiter.get().connection().open).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
    }

    @Test
    void releasesOverALoweredMaxTotalCloseUntilThePoolIsWithinItAndOnlyThenServeTheWaiter() throws Exception {
        pool(4, 4);
        List<PoolEntry<String, Conn>> leased = leaseAll("a", 4);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", 1, MINUTES);
        awaitPending("a", 1);
        pool.setMaxTotal(1);

        for (int i = 0; i < 3; i++) {
            pool.release(leased.get(i), true);
            assertThat(leased.get(i).connection().closes.get()).as("release %d over maxTotal closes", i + 1).isEqualTo(1);
            assertThat(conns.open.get()).isEqualTo(3 - i);
            // a route waiter given room on its route moves on to wait for pool capacity
            Await.until("the waiter waits again", () -> pool.getStats("a").pending() == 1);
            assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(3 - i, 1, 0, 1));
            assertThat(waiter).isNotDone();
        }
        pool.release(leased.get(3), true); // the pool is within maxTotal: the waiter may have it

        PoolEntry<String, Conn> got = waiter.get(10, SECONDS);
        assertThat(got).isSameAs(leased.get(3));
        assertThat(conns.open.get()).isEqualTo(1);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 0, 1));
        pool.release(got, true);
        assertThat(conns.open.get()).isEqualTo(1);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void routeWaitersAreServedWithinARouteLimitLoweredWhileTheyWaited() throws Exception {
        pool(4, 10);
        List<PoolEntry<String, Conn>> leased = leaseAll("a", 4);
        Future<PoolEntry<String, Conn>> first = leaseInBackground("a", 1, MINUTES);
        awaitPending("a", 1);
        Future<PoolEntry<String, Conn>> second = leaseInBackground("a", 1, MINUTES);
        awaitPending("a", 2);
        pool.setMaxPerRoute("a", 1);

        for (int i = 0; i < 3; i++) {
            pool.release(leased.get(i), true);
            assertThat(leased.get(i).connection().closes.get()).as("release %d over the route limit closes", i + 1).isEqualTo(1);
            assertThat(openOn("a")).isEqualTo(3 - i);
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();
        }
        pool.release(leased.get(3), true);

        PoolEntry<String, Conn> got = first.get(10, SECONDS);
        assertThat(got).isSameAs(leased.get(3));
        assertThat(openOn("a")).isEqualTo(1);
        assertThat(pool.getStats("a")).as("the second waiter still waits").isEqualTo(new PoolStats(1, 1, 0, 1));
        assertThat(second).isNotDone();
        pool.release(got, true);
        assertThat(second.get(10, SECONDS)).isSameAs(got);
        assertThat(openOn("a")).isEqualTo(1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
    }

    /** A capacity waiter on a route whose limit is lowered to 0 while it waits gets nothing until it is raised. */
    @Test
    void aCapacityWaiterRespectsARouteLimitLoweredWhileItWaited() throws Exception {
        pool(2, 1);
        PoolEntry<String, Conn> b = pool.lease("b", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiter = waitAsync("a"); // blocked on maxTotal
        pool.setMaxPerRoute("a", 0);
        pool.release(b, false);
        executor.drain();
        assertThat(waiter).isNotDone();
        assertThat(conns.openPerRoute.getOrDefault("a", new java.util.concurrent.atomic.AtomicInteger()).get()).isZero();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 1, 0, 0));
        pool.setMaxPerRoute("a", 1);
        executor.drain();
        assertThat(waiter.get().route()).isEqualTo("a");
    }
}

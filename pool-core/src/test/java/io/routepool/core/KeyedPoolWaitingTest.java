package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Waiting leases: direct handoff, first come first served, and every way a wait can end. */
@Timeout(60)
class KeyedPoolWaitingTest {

    final TestConnections conns = new TestConnections();
    /** The pools of this class log here; the expected reports are asserted (see the tear-down). */
    final CapturedLog log = new CapturedLog();
    final ExecutorService threads = Executors.newCachedThreadPool();
    KeyedPool<String, Conn> pool;

    KeyedPool<String, Conn> pool(int maxPerRoute, int maxTotal) {
        pool = KeyedPool.builder(conns).logger(log).defaultMaxPerRoute(maxPerRoute).maxTotal(maxTotal).build();
        return pool;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (pool != null) {
            pool.close();
        }
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, SECONDS)).isTrue();
        assertThat(conns.doubleCloses.get()).isZero();
        // the one report these tests provoke: a thread that waits for the connections it holds itself
        assertThat(log.warnings()).allMatch(m -> m.matches("(?s)routepool-\\d+: Self-deadlock on route .*"), "self-deadlock reports only");
    }

    Future<PoolEntry<String, Conn>> leaseInBackground(String route, Object state) {
        return threads.submit(() -> pool.lease(route, state, 1, MINUTES));
    }

    void awaitPending(String route, int n) {
        Await.until(n + " pending on " + route, () -> pool.getStats(route).pending() == n);
    }

    @Test
    void aWaiterIsHandedTheReleasedEntry() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", null);
        awaitPending("a", 1);
        pool.release(e, true);
        assertThat(waiter.get(10, SECONDS)).isSameAs(e);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
    }

    @Test
    void waitersAreServedFirstComeFirstServed() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Future<?>> waiters = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            waiters.add(threads.submit(() -> {
                PoolEntry<String, Conn> got = pool.lease("a", null, 1, MINUTES);
                order.add(id);
                pool.release(got, true);
                return null;
            }));
            awaitPending("a", i + 1);
        }
        pool.release(e, true);
        for (Future<?> w : waiters) {
            w.get(10, SECONDS);
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
        assertThat(conns.created).hasSize(1);
    }

    @Test
    void aWaiterOfAnotherStateGetsRoomByClosingTheReleasedConnection() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", null);
        awaitPending("a", 1);
        e.setState("user-1");
        pool.release(e, true);
        assertThat(waiter.get(10, SECONDS).id()).isEqualTo(2);
        assertThat(e.connection().open).isFalse();
        assertThat(conns.maxOpen.get()).isEqualTo(1);
    }

    @Test
    void aClosedConnectionPassesItsCapacityToAWaiter() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", null);
        awaitPending("a", 1);
        pool.release(e, false);
        assertThat(waiter.get(10, SECONDS).id()).isEqualTo(2);
        assertThat(conns.maxOpen.get()).isEqualTo(1);
    }

    /**
     * First come, first served across routes: on a full pool, a waiter of route b (waiting for pool capacity) that
     * arrived before route a's waiters gets what a's next release frees (a's connection is closed to make room),
     * and a's waiters are served after it. Preferring the releasing route's own waiters would let a busy route
     * starve b until it timed out.
     */
    @Test
    void anOlderWaiterForPoolCapacityOfAnotherRouteGoesBeforeLaterWaitersOfTheReleasingRoute() throws Exception {
        pool(2, 2);
        PoolEntry<String, Conn> a1 = pool.lease("a", null, 0, SECONDS);
        PoolEntry<String, Conn> a2 = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> b = leaseInBackground("b", null);
        awaitPending("b", 1);
        Future<PoolEntry<String, Conn>> laterA = leaseInBackground("a", null);
        awaitPending("a", 1);

        pool.release(a1, true);
        PoolEntry<String, Conn> got = b.get(10, SECONDS);
        assertThat(got.route()).isEqualTo("b");
        assertThat(a1.connection().open).as("a's connection was closed to make room for b").isFalse();
        assertThat(laterA.isDone()).as("the later waiter of a still waits").isFalse();
        // the release may have let a's waiter retry (its route has room) before it queued again for pool capacity
        awaitPending("a", 1);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(2, 1, 0, 2));

        pool.release(a2, true); // no older waiter elsewhere now: a's own waiter gets a's connection
        assertThat(laterA.get(10, SECONDS).connection()).isSameAs(a2.connection());
        assertThat(conns.maxOpen.get()).isEqualTo(2);
        pool.release(got, true);
        pool.release(laterA.get(), true);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 2, 2));
    }

    /** The same when a's connection is closed instead of released reusable: its unit goes to the older b waiter. */
    @Test
    void theUnitOfAClosedConnectionGoesToTheOlderWaiterOfAnotherRouteToo() throws Exception {
        pool(2, 2);
        PoolEntry<String, Conn> a1 = pool.lease("a", null, 0, SECONDS);
        PoolEntry<String, Conn> a2 = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> b = leaseInBackground("b", null);
        awaitPending("b", 1);
        Future<PoolEntry<String, Conn>> laterA = leaseInBackground("a", null);
        awaitPending("a", 1);

        pool.release(a1, false);
        assertThat(b.get(10, SECONDS).route()).isEqualTo("b");
        assertThat(laterA.isDone()).isFalse();
        pool.release(a2, true);
        assertThat(laterA.get(10, SECONDS).route()).isEqualTo("a");
        pool.release(b.get(), true);
        pool.release(laterA.get(), true);
    }

    @Test
    void aWaiterOnMaxTotalIsServedByCapacityFreedOnAnotherRoute() throws Exception {
        pool(2, 1);
        PoolEntry<String, Conn> a = pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("b", null);
        awaitPending("b", 1);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 1, 0, 1));
        pool.release(a, true); // idle 'a' is evicted for the waiter
        PoolEntry<String, Conn> b = waiter.get(10, SECONDS);
        assertThat(b.route()).isEqualTo("b");
        assertThat(a.connection().open).isFalse();
        assertThat(conns.maxOpen.get()).isEqualTo(1);

        Future<PoolEntry<String, Conn>> second = leaseInBackground("a", null);
        awaitPending("a", 1);
        pool.release(b, false);
        assertThat(second.get(10, SECONDS).route()).isEqualTo("a");
        assertThat(conns.maxOpen.get()).isEqualTo(1);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 0, 1));
    }

    @Test
    void aWaiterOnMaxTotalReusesAnEntryOfItsOwnRoute() throws Exception {
        pool(3, 2);
        PoolEntry<String, Conn> a1 = pool.lease("a", null, 0, SECONDS);
        PoolEntry<String, Conn> b1 = pool.lease("b", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> waiter = leaseInBackground("a", null);
        awaitPending("a", 1);
        pool.release(a1, true);
        assertThat(waiter.get(10, SECONDS)).isSameAs(a1);
        assertThat(conns.created).hasSize(2);
        pool.release(b1, true);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 1, 2));
        // the waiter's reserved route unit was given back: 'a' can still create up to its limit
        pool.lease("a", null, 0, SECONDS);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 0, 3));
    }

    @Test
    void raisingALimitServesWaiters() throws Exception {
        pool(1, 1);
        pool.lease("a", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> sameRoute = leaseInBackground("a", null);
        awaitPending("a", 1);
        pool.setMaxPerRoute("a", 2);           // route limit: now the pool limit binds
        Await.until("the waiter moved to the capacity queue", () -> pool.getStats("a").pending() == 1);
        pool.setMaxTotal(2);
        assertThat(sameRoute.get(10, SECONDS).id()).isEqualTo(2);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(2, 0, 0, 2));
    }

    @Test
    void aTimeoutLeavesNothingBehind() throws Exception {
        pool(1, 1);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        assertThatThrownBy(() -> pool.lease("a", null, 50, MILLISECONDS))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("after 50 ms").hasMessageContaining("route a");
        assertThatThrownBy(() -> pool.lease("b", null, 50, MILLISECONDS))
                .isInstanceOf(TimeoutException.class).hasMessageContaining("maxTotal 1");
        assertThat(log.warnings()).as("this thread waited for the one connection it holds, on its route and on the pool")
                .hasSize(2).allMatch(m -> m.matches("(?s)routepool-\\d+: Self-deadlock on route .*")).anyMatch(m -> m.contains("(maxPerRoute 1)"))
                .anyMatch(m -> m.contains("(maxTotal 1)"));
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 0, 1));
        assertThat(pool.getStats("b")).isEqualTo(new PoolStats(0, 0, 0, 1));
        pool.release(e, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
        assertThat(pool.lease("b", null, 0, SECONDS).route()).isEqualTo("b");
    }

    @Test
    void anInterruptedWaiterLeavesNothingBehind() throws Exception {
        pool(1, 1);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                pool.lease("b", null, 1, MINUTES);
            } catch (InterruptedException expected) {
                interrupted.countDown();
            } catch (Exception other) {
                throw new AssertionError(other);
            }
        });
        t.start();
        awaitPending("b", 1);
        t.interrupt();
        assertThat(interrupted.await(10, SECONDS)).isTrue();
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 0, 1));
        pool.release(e, true);
        assertThat(pool.lease("b", null, 0, SECONDS).route()).isEqualTo("b");
    }

    @Test
    void cancelEndsAWaitAtOnceAndOnlyOnce() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        KeyedPool.LeaseRequest<String, Conn> request = pool.newRequest("a", null);
        Future<PoolEntry<String, Conn>> waiter = threads.submit(() -> request.get(1, MINUTES));
        awaitPending("a", 1);
        assertThat(request.cancel()).isTrue();
        assertThatThrownBy(() -> waiter.get(10, SECONDS)).hasCauseInstanceOf(CancellationException.class);
        assertThat(request.cancel()).isFalse();
        assertThat(request.isCancelled()).isTrue();
        assertThat(request.isDone()).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
        pool.release(e, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void aRequestReturnsTheSameEntryOnceDone() throws Exception {
        pool(1, 10);
        KeyedPool.LeaseRequest<String, Conn> request = pool.newRequest("a", null);
        PoolEntry<String, Conn> e = request.get(0, SECONDS);
        assertThat(request.get(0, SECONDS)).isSameAs(e);
        assertThat(request.isDone()).isTrue();
        assertThat(request.cancel()).isFalse();
    }

    @Test
    void closeFailsEveryWaiterAtOnce() throws Exception {
        pool(1, 2);
        pool.lease("a", null, 0, SECONDS);
        pool.lease("b", null, 0, SECONDS);
        Future<PoolEntry<String, Conn>> routeWaiter = leaseInBackground("a", null);
        Future<PoolEntry<String, Conn>> capacityWaiter = leaseInBackground("c", null);
        awaitPending("a", 1);
        awaitPending("c", 1);
        pool.close();
        assertThatThrownBy(() -> routeWaiter.get(10, SECONDS)).hasCauseInstanceOf(PoolClosedException.class);
        assertThatThrownBy(() -> capacityWaiter.get(10, SECONDS)).hasCauseInstanceOf(PoolClosedException.class);
    }

    @Test
    void aSlowFactoryBlocksOnlyItsCaller() throws Exception {
        pool(2, 10);
        CountDownLatch inCreate = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        conns.hook.set(route -> {
            if (route.equals("slow")) {
                inCreate.countDown();
                try {
                    proceed.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            return conns.make(route);
        });
        Future<PoolEntry<String, Conn>> slow = leaseInBackground("slow", null);
        assertThat(inCreate.await(10, SECONDS)).isTrue();
        // creation is in flight outside any lock: everything else proceeds
        PoolEntry<String, Conn> fast = pool.lease("fast", null, 0, SECONDS);
        pool.release(fast, true);
        assertThat(pool.getStats("slow")).isEqualTo(new PoolStats(1, 0, 0, 2));
        assertThat(pool.getTotalStats().leased()).isEqualTo(1);
        proceed.countDown();
        assertThat(slow.get(10, SECONDS).route()).isEqualTo("slow");
    }

    @Test
    void asyncLeaseCompletesAtOnceOrWhenServed() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.leaseAsync("a", null, 1, SECONDS).get(10, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiting = pool.leaseAsync("a", null, 1, MINUTES);
        awaitPending("a", 1);
        assertThat(waiting).isNotDone();
        pool.release(e, true);
        assertThat(waiting.get(10, SECONDS)).isSameAs(e);
    }

    @Test
    void asyncLeaseTimesOutAndCanBeCancelled() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> timed = pool.leaseAsync("a", null, 50, MILLISECONDS);
        assertThatThrownBy(() -> timed.get(10, SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        CompletableFuture<PoolEntry<String, Conn>> cancelled = pool.leaseAsync("a", null, 1, MINUTES);
        awaitPending("a", 1);
        assertThat(cancelled.cancel(false)).isTrue();
        Await.until("the cancelled request left the queue", () -> pool.getStats("a").pending() == 0);
        pool.release(e, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void asyncLeaseReportsFactoryFailure() throws Exception {
        pool(1, 10);
        conns.hook.set(route -> {
            throw new IOException("no route to " + route);
        });
        assertThatThrownBy(() -> pool.leaseAsync("a", null, 1, SECONDS).get(10, SECONDS))
                .hasCauseInstanceOf(IOException.class);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 10));
    }
}

package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Async leases and what is granted to them, on a hand-driven executor ({@link ManualExecutor}) that makes the
 * interleavings deterministic: grants to a waiter cancelled meanwhile, entries handed back, a release racing a
 * hand-off, a close racing a grant, an executor that refuses work.
 */
class AsyncLeaseTest {

    final TestConnections conns = new TestConnections();
    final ManualExecutor executor = new ManualExecutor();
    KeyedPool<String, Conn> pool;

    KeyedPool<String, Conn> pool(int maxPerRoute, int maxTotal) {
        pool = KeyedPool.builder(conns).defaultMaxPerRoute(maxPerRoute).maxTotal(maxTotal).asyncExecutor(executor).build();
        return pool;
    }

    @AfterEach
    void tearDown() {
        pool.close();
        executor.drain();
        assertThat(conns.doubleCloses.get()).isZero();
    }

    CompletableFuture<PoolEntry<String, Conn>> waitAsync(String route) {
        CompletableFuture<PoolEntry<String, Conn>> f = pool.leaseAsync(route, null, 100, SECONDS);
        executor.drain();
        return f;
    }

    @Test
    void aRetryGrantOfACancelledWaiterGoesToTheNextWaiter() throws Exception {
        pool(1, 10);
        pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> first = waitAsync("a");
        CompletableFuture<PoolEntry<String, Conn>> second = waitAsync("a");
        pool.setMaxPerRoute("a", 2);    // RETRY to the first waiter
        first.cancel(false);            // which is cancelled before it runs
        executor.drain();
        assertThat(second).isCompleted();
        assertThat(second.get().id()).isEqualTo(2);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 0, 2));
    }

    @Test
    void anEntryHandedBackKeepsItsKeepAliveAndIdleTime() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiter = waitAsync("a");
        pool.release(e, true, 1, MILLISECONDS);
        long expiry = e.expiryNanos();
        long updated = e.updatedNanos();
        waiter.cancel(false);
        executor.drain();
        assertThat(e.expiryNanos()).isEqualTo(expiry).isNotEqualTo(PoolEntry.NEVER);
        assertThat(e.updatedNanos()).isEqualTo(updated);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void aSecondReleaseDuringAHandOffIsRefused() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiter = waitAsync("a");
        pool.release(e, true);
        assertThatThrownBy(() -> pool.release(e, true)).isInstanceOf(IllegalStateException.class).hasMessageContaining("released twice");
        executor.drain();
        assertThat(waiter.get()).isSameAs(e);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 1));
    }

    @Test
    void aWaiterGrantedAnEntryThatCloseImmediateShutFails() throws Exception {
        // a factory that cannot tell a closed connection (the default isOpen), so only the pool can
        ConnectionFactory<String, Conn> blind = new ConnectionFactory<>() {
            @Override
            public Conn create(String route) throws java.io.IOException {
                return conns.create(route);
            }

            @Override
            public void close(Conn c, CloseMode mode) {
                conns.close(c, mode);
            }
        };
        pool = KeyedPool.builder(blind).defaultMaxPerRoute(1).asyncExecutor(executor).build();
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiter = waitAsync("a");
        pool.release(e, true);
        pool.close(CloseMode.IMMEDIATE);
        executor.drain();
        assertThatThrownBy(waiter::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PoolClosedException.class);
        assertThat(e.connection().closes.get()).isEqualTo(1);
    }

    @Test
    void anExecutorThatRefusesTheWakeUpLeaksNothing() throws Exception {
        pool(1, 10);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        CompletableFuture<PoolEntry<String, Conn>> waiter = waitAsync("a");
        executor.refuse.set(true);
        pool.release(e, true); // must not throw: the grant is given back
        executor.refuse.set(false);
        assertThatThrownBy(waiter::get).hasCauseInstanceOf(RejectedExecutionException.class);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 1));
        assertThat(pool.lease("a", null, 0, SECONDS)).isSameAs(e);
    }

    @Test
    void anExecutorThatRefusesTheFirstTaskFailsTheFuture() {
        pool(1, 10);
        executor.refuse.set(true);
        CompletableFuture<PoolEntry<String, Conn>> f = pool.leaseAsync("a", null, 1, SECONDS);
        executor.refuse.set(false);
        assertThat(f).isCompletedExceptionally();
        assertThat(pool.getTotalStats().leased()).isZero();
    }
}

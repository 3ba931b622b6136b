package io.routepool.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link KeyedPool#close(Duration)}: refuse, fail waiters, wait for the leases up to the grace, then shut the rest. */
class GracefulDrainTest {

    final TestConnections conns = new TestConnections();
    final ExecutorService threads = Executors.newCachedThreadPool();
    final KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(2).maxTotal(3)
            .maintenanceInterval(Duration.ZERO).build();

    @AfterEach
    void stop() {
        threads.shutdownNow();
        pool.close(CloseMode.IMMEDIATE);
        assertThat(conns.doubleCloses.get()).isZero();
    }

    @Test
    void leasesThatComeBackWithinTheGraceAreClosedPolitelyAndTheCloseReturnsTrue() throws Exception {
        PoolEntry<String, Conn> idle = pool.lease("b", null, 0, SECONDS);
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        PoolEntry<String, Conn> held2 = pool.lease("a", null, 0, SECONDS);
        pool.release(idle, true);
        CompletableFuture<PoolEntry<String, Conn>> waiter = pool.leaseAsync("a", null, 30, SECONDS); // route a is full
        Await.until("a lease waits", () -> pool.getTotalStats().pending() == 1);

        Future<Boolean> closing = threads.submit(() -> pool.close(Duration.ofSeconds(30)));
        Await.until("the idle one is closed and the waiter failed", () -> idle.connection().closes.get() == 1 && waiter.isDone());
        assertThat(waiter).isCompletedExceptionally();
        assertThatThrownBy(() -> pool.lease("a", null, 0, SECONDS)).isInstanceOf(PoolClosedException.class);
        assertThat(closing).as("it waits for the leased one").isNotDone();
        assertThat(held.connection().closes.get()).isZero();

        pool.release(held, true);
        Await.until("the first is closed as it comes back", () -> held.connection().closes.get() == 1);
        assertThat(closing).as("one is still out").isNotDone();
        pool.release(held2, false);
        assertThat(closing.get(10, SECONDS)).as("drained within the grace").isTrue();
        assertThat(held.connection().closes.get()).isEqualTo(1);
        assertThat(conns.open.get()).isZero();
    }

    @Test
    void aLeaseStillOutWhenTheGraceEndsIsClosedUnderItsLesseeAndTheCloseReturnsFalse() throws Exception {
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        assertThat(pool.close(Duration.ofMillis(20))).isFalse();
        assertThat(held.connection().closes.get()).as("shut as IMMEDIATE would").isEqualTo(1);
        assertThat(conns.open.get()).isZero();
        pool.release(held, true); // the lessee's release afterwards frees its units without closing again
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 3));
    }

    @Test
    void anInterruptEndsTheWaitKeepsTheInterruptAndShutsWhatIsLeft() throws Exception {
        PoolEntry<String, Conn> held = pool.lease("a", null, 0, SECONDS);
        Future<Boolean[]> closing = threads.submit(() -> {
            boolean drained = pool.close(Duration.ofMinutes(5));
            return new Boolean[] {drained, Thread.currentThread().isInterrupted()};
        });
        Await.until("the pool is closed", pool::isClosed);
        threads.shutdownNow(); // interrupts the closing thread
        Boolean[] r = closing.get(10, SECONDS);
        assertThat(r[0]).isFalse();
        assertThat(r[1]).as("interrupt status kept").isTrue();
        assertThat(held.connection().closes.get()).isEqualTo(1);
        pool.release(held, false);
    }

    @Test
    void anEmptyPoolDrainsAtOnceAndANegativeGraceIsRefused() {
        assertThatThrownBy(() -> pool.close(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("grace must be >= 0 (0 = no wait), was PT-1S");
        assertThat(pool.isClosed()).as("a refused argument closes nothing").isFalse();
        assertThat(pool.close(Duration.ZERO)).isTrue();
        assertThat(pool.close(Duration.ZERO)).as("again, on a closed pool").isTrue();
    }
}

package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.httpclient5.ContractPool.Impl;
import java.lang.reflect.Field;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Interrupts. aws-sdk-java-v2 #6786: HttpClient 5's classic manager waits in {@code Future.get(timeout)} and, when
 * interrupted, lets the InterruptedException go without cancelling the lease. With StrictConnPool that lease stays
 * queued, is later served, and its entry stays leased to nobody: the connection is lost to the pool for good.
 */
@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class ConnPoolInterruptTest {

    static final String SHOW_REFERENCE_LEAK = "routepool.contract.referenceLeaks";

    /** What became of a waiter interrupted in get(), as the classic manager waits, after its caller walked away. */
    record Outcome(Throwable getThrew, String totals, boolean done, boolean cancelled, int completed, int cancelledCalls,
            boolean nextLeaseServed) {
    }

    private static Outcome interruptAWaiter(Impl impl, boolean withCallback) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 1, 1)) {
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            ContractCallback cb = withCallback ? new ContractCallback() : null;
            AtomicReference<Future<PoolEntry<String, TestConn>>> lease = new AtomicReference<>();
            AtomicReference<Throwable> threw = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                Future<PoolEntry<String, TestConn>> f = p.lease("a", null, Timeout.ofMinutes(3), cb);
                lease.set(f);
                try {
                    PoolEntry<String, TestConn> e = f.get(3, TimeUnit.MINUTES);
                    threw.set(new AssertionError("served: " + e));
                } catch (Throwable t) {
                    threw.set(t); // as the manager does: gone, without cancelling the lease
                }
            }, "interrupted-waiter");
            waiter.start();
            ContractAwait.until("the lease is pending", () -> p.pool.getStats("a").getPending() == 1);
            ContractAwait.parked(waiter);
            waiter.interrupt();
            waiter.join(10_000);
            assertThat(waiter.isAlive()).isFalse();

            p.releaseKept(held);
            Future<PoolEntry<String, TestConn>> f = lease.get();
            Future<PoolEntry<String, TestConn>> next = p.lease("a", null, Timeout.ofMilliseconds(100), null);
            boolean served;
            try {
                served = next.get(2, TimeUnit.SECONDS) != null;
            } catch (Exception e) {
                served = false;
            }
            return new Outcome(threw.get(), p.totals(), f.isDone(), f.isCancelled(),
                    cb == null ? 0 : cb.completed.get(), cb == null ? 0 : cb.cancelled.get(), served);
        }
    }

    @Test
    void oursAnInterruptedWaiterLeavesNothingLeasedAndTheConnectionServesTheNextLease() throws Exception {
        Outcome o = interruptAWaiter(Impl.ROUTEPOOL, false);
        assertThat(o.getThrew()).isInstanceOf(InterruptedException.class);
        assertThat(o.done()).isTrue();
        assertThat(o.cancelled()).isTrue();
        assertThat(o.nextLeaseServed()).isTrue();
        assertThat(o.totals()).isEqualTo("leased 1, pending 0, available 0"); // the next lease's
    }

    @Test
    void oursAnInterruptedWaiterWithACallbackIsCancelledOnce() throws Exception {
        Outcome o = interruptAWaiter(Impl.ROUTEPOOL, true);
        assertThat(o.getThrew()).isInstanceOf(InterruptedException.class);
        assertThat(o.cancelled()).isTrue();
        assertThat(o.cancelledCalls()).isEqualTo(1);
        assertThat(o.completed()).isZero();
        assertThat(o.nextLeaseServed()).isTrue();
    }

    /**
     * The reference leaks (aws-sdk-java-v2 #6786): the interrupted waiter's lease stays queued, the release serves it,
     * and its entry stays leased with no owner; the next lease times out. Run with -D{@value #SHOW_REFERENCE_LEAK}=true.
     */
    @Test
    @EnabledIfSystemProperty(named = SHOW_REFERENCE_LEAK, matches = "true")
    @Tag("opt-in") // left out of the default run by the pom, so that it is not reported as skipped
    void theReferenceLeaksTheEntryOfAnInterruptedWaiter() throws Exception {
        Outcome o = interruptAWaiter(Impl.REFERENCE, false);
        assertThat(o.getThrew()).isInstanceOf(InterruptedException.class);
        assertThat(o.cancelled()).isFalse();
        assertThat(o.done()).as("served after its caller left").isTrue();
        assertThat(o.nextLeaseServed()).isFalse();
        assertThat(o.totals()).isEqualTo("leased 1, pending 0, available 0"); // leased to nobody
    }

    /**
     * White-box (ours only): an interrupt that ends the wait at the very moment a new entry is granted. Ours
     * publishes the grant (its status CAS to DONE) before it registers the new entry's slot in its entry-to-slot map;
     * a waiter interrupted in between gives the entry back through release(), which does not find it yet. The window
     * is a few instructions wide; the test widens it by delaying the registration (RoutePoolConnPool's private
     * {@code slots} map, replaced by reflection: if that field goes, this test fails and must be rewritten).
     * Nothing may be left leased: the waiter gets its InterruptedException (or the entry), and the connection
     * serves the next lease.
     */
    @Test
    void oursAnInterruptAtTheMomentANewEntryIsGrantedLeavesNothingLeased() throws Exception {
        try (ContractPool p = ContractPool.create(Impl.ROUTEPOOL, 1, 1)) {
            CountDownLatch inWindow = new CountDownLatch(1);
            CountDownLatch waiterDone = new CountDownLatch(1);
            DelayedRegistration<Object, Object> slots = new DelayedRegistration<>(inWindow, waiterDone);
            Field field = RoutePoolConnPool.class.getDeclaredField("slots");
            field.setAccessible(true);
            field.set(p.pool, slots);

            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            AtomicReference<Object> outcome = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    PoolEntry<String, TestConn> e = p.lease("a", null, Timeout.ofMinutes(1), null).get(1, TimeUnit.MINUTES);
                    outcome.set(e);
                    p.release(e, false);
                } catch (Throwable t) {
                    outcome.set(t);
                } finally {
                    waiterDone.countDown();
                }
            }, "interrupted-at-grant");
            waiter.start();
            ContractAwait.until("the lease is pending", () -> p.pool.getStats("a").getPending() == 1);
            ContractAwait.parked(waiter);
            slots.armed = true;
            Thread releaser = new Thread(() -> p.release(held, false), "releaser"); // frees the unit: a new entry
            releaser.start();
            assertThat(inWindow.await(10, TimeUnit.SECONDS)).as("the grant reached the registration").isTrue();
            waiter.interrupt();
            waiter.join(10_000);
            releaser.join(10_000);
            assertThat(waiter.isAlive() || releaser.isAlive()).isFalse();

            assertThat(outcome.get()).as("the waiter's get").satisfiesAnyOf(
                    o -> assertThat(o).isInstanceOf(InterruptedException.class),
                    o -> assertThat(o).isInstanceOf(PoolEntry.class));
            Future<PoolEntry<String, TestConn>> next = p.lease("a", null, Timeout.ofSeconds(2), null);
            assertThat(next.get(5, TimeUnit.SECONDS)).as("the connection serves the next lease").isNotNull();
            assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 0");
        }
    }

    /** A map whose first put after arming waits (bounded) until the waiter's get has ended. */
    @SuppressWarnings("serial")
    static final class DelayedRegistration<K, V> extends ConcurrentHashMap<K, V> {
        private final CountDownLatch inWindow;
        private final CountDownLatch waiterDone;
        volatile boolean armed;

        DelayedRegistration(CountDownLatch inWindow, CountDownLatch waiterDone) {
            this.inWindow = inWindow;
            this.waiterDone = waiterDone;
        }

        @Override
        public V put(K key, V value) {
            if (armed) {
                armed = false;
                inWindow.countDown();
                try {
                    waiterDone.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.put(key, value);
        }
    }

    /**
     * A completed lease keeps handing its entry to its caller, whatever the thread's interrupt status (as every
     * {@code Future} does once done: BasicFuture, FutureTask, CompletableFuture): a caller that calls get() again
     * with its interrupt flag set (an executor cancelling its task, say) still owns the entry, and the pool must not
     * take it back and lease it to someone else while that caller uses it.
     */
    @ContractScenario
    void aCompletedLeaseStillGivesItsEntryToAnInterruptedCaller(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 1, 10)) {
            Future<PoolEntry<String, TestConn>> created = p.lease("a", null, Timeout.ofSeconds(10), null);
            PoolEntry<String, TestConn> e = created.get();
            e.assignConnection(new TestConn());
            assertGetStillReturns(created, e);
            assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 0");

            Future<PoolEntry<String, TestConn>> waited = p.lease("a", null, Timeout.ofSeconds(10), null);
            p.releaseKept(e);
            PoolEntry<String, TestConn> served = waited.get(10, TimeUnit.SECONDS);
            assertThat(served.getConnection()).isSameAs(e.getConnection());
            assertGetStillReturns(waited, served);
            assertThat(p.totals()).as("still leased to its caller").isEqualTo("leased 1, pending 0, available 0");
            assertThat(p.lease("a", null, Timeout.ofSeconds(10), null).isDone())
                    .as("its connection is not leased to another").isFalse();
        }
    }

    private static void assertGetStillReturns(Future<PoolEntry<String, TestConn>> f, PoolEntry<String, TestConn> e)
            throws Exception {
        try {
            Thread.currentThread().interrupt();
            assertThat(f.get()).isSameAs(e);
            Thread.currentThread().interrupt();
            assertThat(f.get(1, TimeUnit.SECONDS)).isSameAs(e);
        } catch (InterruptedException ex) {
            throw new AssertionError("get() of a completed lease threw " + ex, ex);
        } finally {
            Thread.interrupted();
        }
    }
}

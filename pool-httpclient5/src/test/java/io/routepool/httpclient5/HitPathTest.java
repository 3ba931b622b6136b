package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Test;

/** The mapping onto pool-core: what a lease served from an idle connection returns, and what a release keeps. */
class HitPathTest {

    static final class Conn implements ModalCloseable {
        volatile CloseMode closed;

        @Override
        public void close(final CloseMode closeMode) {
            closed = closeMode;
        }

        @Override
        public void close() {
            close(CloseMode.GRACEFUL);
        }
    }

    @Test
    void aReuseReturnsTheConnectionsOwnCompletedFutureAndCallsBackBeforeReturning() throws Exception {
        try (RoutePoolConnPool<String, Conn> pool = new RoutePoolConnPool<>(2, 10)) {
            PoolEntry<String, Conn> first = pool.lease("a", null).get();
            assertThat(first.hasConnection()).isFalse(); // a new entry: the caller assigns the connection
            first.assignConnection(new Conn());
            pool.release(first, true);

            AtomicReference<PoolEntry<String, Conn>> called = new AtomicReference<>();
            Future<PoolEntry<String, Conn>> f1 = pool.lease("a", null, Timeout.ofSeconds(1), callback(called));
            assertThat(f1.isDone()).isTrue();
            assertThat(called.get()).isSameAs(first);
            assertThat(f1.get()).isSameAs(first);
            pool.release(first, true);
            Future<PoolEntry<String, Conn>> f2 = pool.lease("a", null, Timeout.ofSeconds(1), null);
            assertThat(f2).isSameAs(f1); // no allocation per lease: the same object serves every lease of it
            pool.release(f2.get(), true);
            assertThat(pool.getTotalStats().getAvailable()).isEqualTo(1);
        }
    }

    @Test
    void stateAndExpirySetBeforeReleaseAreKept() throws Exception {
        try (RoutePoolConnPool<String, Conn> pool = new RoutePoolConnPool<>(2, 10); CapturedLogs log = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS)) {
            PoolEntry<String, Conn> e = pool.lease("a", null).get();
            Conn c = new Conn();
            e.assignConnection(c);
            e.updateState("alice");
            pool.release(e, true);
            assertThat(pool.lease("a", null, Timeout.ofSeconds(1), null).get(1, TimeUnit.SECONDS))
                    .as("a null-state lease does not take alice's connection").isNotSameAs(e);
            assertThat(log.warnings()).singleElement().asString().matches("(?s)routepool-\\d+: State mismatch on route a: .*");
            PoolEntry<String, Conn> again = pool.lease("a", "alice").get(1, TimeUnit.SECONDS);
            assertThat(again).isSameAs(e);
            assertThat(again.getState()).isEqualTo("alice");
            again.updateExpiry(TimeValue.ofMilliseconds(1));
            long released = System.currentTimeMillis();
            pool.release(again, true);
            // wait on the condition (the expiry passing), never a fixed time
            while (System.currentTimeMillis() <= released + 1) {
                Thread.onSpinWait();
            }
            pool.closeExpired();
            assertThat(c.closed).isEqualTo(CloseMode.GRACEFUL);
        }
    }

    @Test
    void aReleaseOfAnEntryFromElsewhereIsRefusedAndChangesNothing() throws Exception {
        try (RoutePoolConnPool<String, Conn> pool = new RoutePoolConnPool<>(2, 10)) {
            PoolEntry<String, Conn> e = pool.lease("a", null).get();
            assertThatThrownBy(() -> pool.release(new PoolEntry<>("a"), true)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not present");
            assertThat(pool.getTotalStats().getLeased()).isEqualTo(1);
            pool.release(e, false);
            assertThat(pool.getTotalStats().getLeased()).isZero();
        }
    }

    /**
     * An abandoned lease reclaimed by maintenance: its connection is closed and its capacity freed at once; the holder's
     * late release is ignored with pool-core's late-release report, not refused as an unknown entry.
     */
    @Test
    void aLateReleaseOfAReclaimedLeaseIsIgnoredWithAReport() throws Exception {
        PoolOptions<String, Conn> o = new PoolOptions<>();
        o.maintenanceInterval = java.time.Duration.ZERO;
        o.leakThreshold = java.time.Duration.ofMillis(1);
        o.reclaimAbandonedAfter = java.time.Duration.ofMillis(1);
        try (RoutePoolConnPool<String, Conn> pool = new RoutePoolConnPool<>(2, 10, TimeValue.NEG_ONE_MILLISECOND,
                org.apache.hc.core5.pool.PoolReusePolicy.LIFO, null, null, o, false);
                CapturedLogs log = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS)) {
            PoolEntry<String, Conn> e = pool.lease("a", null).get();
            Conn c = new Conn();
            e.assignConnection(c);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.getTotalStats().getLeased() != 0) { // reclaimed once it is older than 1 ms
                assertThat(System.nanoTime()).as("reclaimed within 10 s").isLessThan(deadline);
                pool.maintain();
            }
            assertThat(c.closed).isNotNull();
            pool.release(e, true); // the holder comes back late
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains(": Abandoned lease reclaimed on route "));
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).containsIgnoringCase("late release"));
            assertThat(pool.getTotalStats().getLeased()).isZero();
            assertThat(pool.getTotalStats().getAvailable()).isZero();
        }
    }

    @Test
    void aWaitingLeaseTimesOutWithAMessageThatNamesTheRoute() throws Exception {
        try (RoutePoolConnPool<String, Conn> pool = new RoutePoolConnPool<>(1, 10)) {
            PoolEntry<String, Conn> held = pool.lease("a", null).get();
            Future<PoolEntry<String, Conn>> waiting = pool.lease("a", null, Timeout.ofMilliseconds(50), null);
            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("a");
            assertThat(pool.getTotalStats().getPending()).isZero();
            pool.release(held, false);
        }
    }

    private static FutureCallback<PoolEntry<String, Conn>> callback(AtomicReference<PoolEntry<String, Conn>> into) {
        return new FutureCallback<PoolEntry<String, Conn>>() {
            @Override
            public void completed(PoolEntry<String, Conn> result) {
                into.set(result);
            }

            @Override
            public void failed(Exception ex) {
                throw new AssertionError(ex);
            }

            @Override
            public void cancelled() {
                throw new AssertionError("cancelled");
            }
        };
    }
}

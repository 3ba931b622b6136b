package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.httpclient5.ContractPool.Impl;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Differential contract, part 3: closeIdle, closeExpired and close(CloseMode). Runs against the reference
 * (StrictConnPool) and ours.
 */
@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class ConnPoolLifecycleTest {

    /**
     * closeIdle(t) closes the idle connections last updated (released) at least t ago, and only those. The two
     * releases are 100 ms apart and t falls between them; an attempt in which the test thread was descheduled for
     * so long that the pool's own clock reading could fall on the other side is not conclusive and is repeated.
     */
    @ContractScenario
    void closeIdleClosesTheConnectionsIdleForAtLeastTheGivenTime(Impl impl) throws Exception {
        final long gap = 100;
        for (int attempt = 1; ; attempt++) {
            try (ContractPool p = ContractPool.create(impl, 3, 10)) {
                PoolEntry<String, TestConn> older = p.leaseConnected("a", null);
                PoolEntry<String, TestConn> newer = p.leaseConnected("a", null);
                PoolEntry<String, TestConn> leased = p.leaseConnected("a", null);
                TestConn olderConn = older.getConnection();
                TestConn newerConn = newer.getConnection();
                p.releaseKept(older);
                long olderAt = older.getUpdated();
                ContractAwait.wallClockPast(olderAt + gap);
                p.releaseKept(newer);
                long before = System.currentTimeMillis();
                long idleTime = before - olderAt - 1; // older: idle a little longer; newer: idle < 1 ms
                p.pool.closeIdle(TimeValue.ofMilliseconds(idleTime));
                long after = System.currentTimeMillis();
                if (after - before >= gap / 2 && attempt < 5) {
                    continue; // descheduled around the call: the pool's clock reading is unknown
                }
                assertThat(olderConn.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(newerConn.isClosed()).isFalse();
                assertThat(leased.getConnection().isClosed()).isFalse();
                assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 1");
                assertThat(p.leaseNow("a", null).getConnection()).isSameAs(newerConn);
                return;
            }
        }
    }

    @ContractScenario
    void closeIdleWithZeroOrNegativeTimeClosesEveryIdleConnectionAndNoLeasedOne(Impl impl) throws Exception {
        for (TimeValue t : new TimeValue[] {TimeValue.ZERO_MILLISECONDS, TimeValue.NEG_ONE_MILLISECOND}) {
            try (ContractPool p = ContractPool.create(impl, 3, 10)) {
                PoolEntry<String, TestConn> a = p.leaseConnected("a", null);
                PoolEntry<String, TestConn> b = p.leaseConnected("b", null);
                PoolEntry<String, TestConn> leased = p.leaseConnected("a", null);
                TestConn ac = a.getConnection();
                TestConn bc = b.getConnection();
                p.releaseKept(a);
                p.releaseKept(b);
                p.pool.closeIdle(t);
                assertThat(ac.closeModes()).as("%s", t).containsExactly(CloseMode.GRACEFUL);
                assertThat(bc.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(leased.getConnection().isClosed()).isFalse();
                assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 0");
                p.releaseKept(leased);
                assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 1");
            }
        }
    }

    @ContractScenario
    void closeExpiredClosesOnlyIdleConnectionsWhoseExpiryPassed(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 3, 10)) {
            PoolEntry<String, TestConn> expiring = p.leaseConnected("a", null);
            PoolEntry<String, TestConn> lasting = p.leaseConnected("a", null);
            PoolEntry<String, TestConn> leased = p.leaseConnected("a", null);
            TestConn expiringConn = expiring.getConnection();
            TestConn lastingConn = lasting.getConnection();
            expiring.updateExpiry(TimeValue.ofMilliseconds(30));
            long expiry = expiring.getExpiryDeadline().getValue();
            p.release(expiring, true);
            p.releaseKept(lasting);
            leased.updateExpiry(TimeValue.ofMilliseconds(1)); // still leased: not the pool's to close
            ContractAwait.wallClockPast(Math.max(expiry, leased.getExpiryDeadline().getValue()));

            // ours turns the wall-clock deadline into a keep-alive on its monotonic clock when the entry is released,
            // so its expiry may trail the wall clock by the release's own latency (a descheduled thread on busy
            // cores): closeExpired is asked again until it closes the expired entry, each call sparing the others
            ContractAwait.until("closeExpired closes the expired idle entry", () -> {
                p.pool.closeExpired();
                return expiringConn.isClosed();
            });
            assertThat(expiringConn.closeModes()).containsExactly(CloseMode.GRACEFUL);
            assertThat(lastingConn.isClosed()).isFalse();
            assertThat(leased.getConnection().isClosed()).isFalse();
            assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 1");
            assertThat(p.stats("a")).isEqualTo("leased 1, pending 0, available 1");
        }
    }

    /**
     * Documented difference: ours closes an entry released with its expiry already passed at once; the reference
     * keeps it available until a lease or closeExpired finds it expired.
     */
    @ContractScenario
    void anEntryReleasedAlreadyExpired_oursClosesAtOnce_theReferenceOnItsNextLook(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            PoolEntry<String, TestConn> e = p.leaseConnected("a", null);
            TestConn c = e.getConnection();
            e.updateExpiry(TimeValue.ofMilliseconds(1));
            ContractAwait.wallClockPast(e.getExpiryDeadline().getValue());
            p.release(e, true);
            if (impl.isReference()) {
                assertThat(c.isClosed()).isFalse();
                assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 1");
                p.pool.closeExpired();
            }
            assertThat(c.closeModes()).containsExactly(CloseMode.GRACEFUL);
            assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 0");
        }
    }

    /** close(IMMEDIATE) closes idle and leased connections at once, IMMEDIATE, each once. */
    @ContractScenario
    void closeImmediateClosesIdleAndLeasedConnectionsImmediately(Impl impl) throws Exception {
        ContractPool p = ContractPool.create(impl, 2, 10);
        PoolEntry<String, TestConn> idle = p.leaseConnected("a", null);
        PoolEntry<String, TestConn> leased = p.leaseConnected("a", null);
        PoolEntry<String, TestConn> empty = p.leaseNow("b", null);
        TestConn idleConn = idle.getConnection();
        TestConn leasedConn = leased.getConnection();
        p.releaseKept(idle);

        p.pool.close(CloseMode.IMMEDIATE);
        assertThat(p.isShutdown()).isTrue();
        assertThat(leasedConn.closeModes()).containsExactly(CloseMode.IMMEDIATE);
        assertThat(idleConn.closeModes()).containsExactly(CloseMode.IMMEDIATE);
        assertClosedPoolRefusesLeasesAndIgnoresReleases(p, leased, empty);
        assertThat(leasedConn.closeCount()).isEqualTo(1);
        assertThat(idleConn.closeCount()).isEqualTo(1);
    }

    /** close(GRACEFUL) closes idle and leased connections gracefully at once, each once (a leak keeps no socket). */
    @ContractScenario
    void closeGracefulClosesIdleAndLeasedConnectionsGracefully(Impl impl) throws Exception {
        ContractPool p = ContractPool.create(impl, 2, 10);
        PoolEntry<String, TestConn> idle = p.leaseConnected("a", null);
        PoolEntry<String, TestConn> leased = p.leaseConnected("a", null);
        PoolEntry<String, TestConn> empty = p.leaseNow("b", null);
        TestConn idleConn = idle.getConnection();
        TestConn leasedConn = leased.getConnection();
        p.releaseKept(idle);

        p.pool.close(CloseMode.GRACEFUL);
        assertThat(p.isShutdown()).isTrue();
        assertThat(idleConn.closeModes()).containsExactly(CloseMode.GRACEFUL);
        assertThat(leasedConn.closeModes()).containsExactly(CloseMode.GRACEFUL);
        assertClosedPoolRefusesLeasesAndIgnoresReleases(p, leased, empty);
        assertThat(leasedConn.closeCount()).isEqualTo(1);
        assertThat(idleConn.closeCount()).isEqualTo(1);
    }

    /**
     * Ours only (StrictConnPool has no drain): close(grace) closes idle connections at once, lets a leased one come
     * back (closed GRACEFUL as it does) and reports the pool drained; when the grace ends first, what is still leased
     * is closed IMMEDIATE, once, and forgotten, as close(IMMEDIATE) does.
     */
    @org.junit.jupiter.api.Test
    void closeWithAGraceAwaitsLeasedConnectionsThenClosesWhatIsLeftImmediately() throws Exception {
        ContractPool p = ContractPool.create(Impl.ROUTEPOOL, 3, 10);
        RoutePoolConnPool<String, TestConn> pool = (RoutePoolConnPool<String, TestConn>) p.pool;
        PoolEntry<String, TestConn> idle = p.leaseConnected("a", null);
        PoolEntry<String, TestConn> returning = p.leaseConnected("a", null);
        PoolEntry<String, TestConn> kept = p.leaseConnected("b", null);
        TestConn idleConn = idle.getConnection();
        TestConn returningConn = returning.getConnection();
        TestConn keptConn = kept.getConnection();
        p.releaseKept(idle);

        Future<Boolean> drain = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> pool.close(TimeValue.ofSeconds(30)));
        ContractAwait.until("the idle connection closed", () -> idleConn.closeCount() == 1);
        assertThat(idleConn.closeModes()).containsExactly(CloseMode.GRACEFUL);
        assertThatThrownBy(() -> p.lease("a", null)).isInstanceOf(IllegalStateException.class);
        p.releaseKept(returning);
        assertThat(returningConn.closeModes()).as("closed as it came back").containsExactly(CloseMode.GRACEFUL);
        assertThat(drain).isNotDone();
        p.releaseKept(kept);
        assertThat(drain.get(10, TimeUnit.SECONDS)).as("drained").isTrue();
        assertThat(keptConn.closeModes()).containsExactly(CloseMode.GRACEFUL);

        ContractPool q = ContractPool.create(Impl.ROUTEPOOL, 3, 10);
        PoolEntry<String, TestConn> out = q.leaseConnected("a", null);
        TestConn outConn = out.getConnection();
        assertThat(((RoutePoolConnPool<String, TestConn>) q.pool).close(TimeValue.ofMilliseconds(20))).isFalse();
        assertThat(outConn.closeModes()).containsExactly(CloseMode.IMMEDIATE);
        assertThat(q.totals()).as("the closed lease is forgotten").isEqualTo("leased 0, pending 0, available 0");
        q.releaseKept(out); // its holder's late release: ignored, as after close(IMMEDIATE)
        assertThat(outConn.closeCount()).isEqualTo(1);
        assertThat(q.totals()).isEqualTo("leased 0, pending 0, available 0");
    }

    private static void assertClosedPoolRefusesLeasesAndIgnoresReleases(ContractPool p,
            PoolEntry<String, TestConn> leased, PoolEntry<String, TestConn> empty) {
        assertThatThrownBy(() -> p.lease("a", null, Timeout.ofSeconds(1), null))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> p.lease("c", null)).isInstanceOf(IllegalStateException.class);
        p.releaseKept(leased); // after close: no exception
        p.release(empty, true);
        p.release(leased, true); // not even for a second release
        p.pool.close(CloseMode.IMMEDIATE); // idempotent
        p.pool.close(CloseMode.GRACEFUL);
        assertThat(p.isShutdown()).isTrue();
        assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 0");
    }

    /**
     * Documented difference (a reference quirk): close() drops the reference's waiting leases without completing
     * their futures, so a caller that waits without a timeout waits forever; ours fails them with an
     * IllegalStateException and calls their callbacks.
     */
    @ContractScenario
    void closeWithAWaitingLease_oursFailsIt_theReferenceNeverCompletesIt(Impl impl) throws Exception {
        ContractPool p = ContractPool.create(impl, 1, 1);
        p.leaseConnected("a", null);
        ContractCallback cb = new ContractCallback(() -> p.pool.getTotalStats());
        Future<PoolEntry<String, TestConn>> waiter = p.lease("a", null, Timeout.ofSeconds(10), cb);
        assertThat(waiter.isDone()).isFalse();
        p.pool.close(CloseMode.IMMEDIATE);
        if (impl.isReference()) {
            assertThat(waiter.isDone()).isFalse();
            assertThat(cb.calls()).isZero();
            waiter.cancel(true);
            return;
        }
        cb.awaitReturned();
        assertThat(waiter.isDone()).isTrue();
        assertThat(waiter.isCancelled()).isFalse();
        assertThatThrownBy(() -> waiter.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        cb.assertOnly("failed");
        assertThat(cb.failure).isInstanceOf(IllegalStateException.class);
    }
}

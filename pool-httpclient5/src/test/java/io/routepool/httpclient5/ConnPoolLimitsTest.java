package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.httpclient5.ContractPool.Impl;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Differential contract, part 2: the per-route and total limits, waiting and its service, eviction to make room,
 * limit changes, stats and routes. Runs against the reference (StrictConnPool) and ours.
 */
@org.junit.jupiter.api.Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class ConnPoolLimitsTest {

    @ContractScenario
    void aLeaseBeyondTheRouteLimitWaitsAndAReleaseServesItWithTheReleasedConnection(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            PoolEntry<String, TestConn> a1 = p.leaseConnected("a", null);
            p.leaseConnected("a", null);
            ContractCallback cb = new ContractCallback();
            Future<PoolEntry<String, TestConn>> waiter = p.lease("a", null, Timeout.ofSeconds(10), cb);
            assertThat(waiter.isDone()).isFalse();
            assertThat(cb.calls()).isZero();
            assertThat(p.stats("a")).isEqualTo("leased 2, pending 1, available 0");
            assertThat(p.totals()).isEqualTo("leased 2, pending 1, available 0");
            assertThat(p.leaseNow("b", null).hasConnection()).as("other routes are not held up").isFalse();

            p.releaseKept(a1);
            ContractAwait.until("the waiter is served", waiter::isDone);
            PoolEntry<String, TestConn> served = waiter.get();
            assertThat(served.getConnection()).isSameAs(a1.getConnection());
            cb.assertOnly("completed");
            assertThat(cb.result).isSameAs(served);
            assertThat(p.stats("a")).isEqualTo("leased 2, pending 0, available 0");
            assertThat(a1.getConnection().isClosed()).isFalse();
        }
    }

    @ContractScenario
    void aLeaseBeyondTheTotalLimitWaitsAndAReleaseOfAnotherRouteServesItByClosingThatConnection(Impl impl)
            throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 2)) {
            PoolEntry<String, TestConn> a = p.leaseConnected("a", null);
            TestConn aConn = a.getConnection();
            p.leaseConnected("b", null);
            ContractCallback cb = new ContractCallback();
            Future<PoolEntry<String, TestConn>> waiter = p.lease("c", null, Timeout.ofSeconds(10), cb);
            assertThat(waiter.isDone()).isFalse();
            assertThat(p.totals()).isEqualTo("leased 2, pending 1, available 0");
            assertThat(p.stats("c")).isEqualTo("leased 0, pending 1, available 0");

            p.releaseKept(a);
            ContractAwait.until("the waiter is served", waiter::isDone);
            assertThat(waiter.get().getRoute()).isEqualTo("c");
            assertThat(waiter.get().hasConnection()).isFalse();
            assertThat(aConn.closeModes()).as("closed to make room").containsExactly(CloseMode.GRACEFUL);
            cb.assertOnly("completed");
            assertThat(p.totals()).isEqualTo("leased 2, pending 0, available 0");
            assertThat(p.stats("a")).isEqualTo("leased 0, pending 0, available 0");
        }
    }

    @ContractScenario
    void whenThePoolIsFullOfIdleConnectionsALeaseClosesTheLeastRecentlyReleasedOneOfAnotherRoute(Impl impl)
            throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 3)) {
            PoolEntry<String, TestConn> a1 = p.leaseConnected("a", null);
            PoolEntry<String, TestConn> b1 = p.leaseConnected("b", null);
            PoolEntry<String, TestConn> a2 = p.leaseConnected("a", null);
            TestConn first = a1.getConnection();
            TestConn second = b1.getConnection();
            TestConn third = a2.getConnection();
            p.releaseKept(a1);
            p.releaseKept(b1);
            p.releaseKept(a2);
            assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 3");

            ContractCallback cb = new ContractCallback();
            Future<PoolEntry<String, TestConn>> f = p.lease("c", null, Timeout.ofSeconds(10), cb);
            assertThat(f.isDone()).as("served at once").isTrue();
            assertThat(f.get().hasConnection()).isFalse();
            assertThat(first.closeModes()).containsExactly(CloseMode.GRACEFUL);
            assertThat(second.isClosed()).isFalse();
            assertThat(third.isClosed()).isFalse();
            assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 2");
            assertThat(p.stats("a")).isEqualTo("leased 0, pending 0, available 1");
            assertThat(p.stats("b")).isEqualTo("leased 0, pending 0, available 1");
            cb.assertOnly("completed");
        }
    }

    /**
     * Documented difference (FIFO only): the reference keeps one global idle list and evicts from its tail, which
     * under FIFO is the most recently released connection; ours evicts the least recently released one under
     * either policy (pool-core: "eviction unchanged" by the reuse order).
     */
    @ContractScenario
    void underFifoTheEvictionVictimIsTheReferencesMostRecentlyReleasedAndOursLeastRecentlyReleased(Impl impl)
            throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 2, PoolReusePolicy.FIFO)) {
            PoolEntry<String, TestConn> a = p.leaseConnected("a", null);
            PoolEntry<String, TestConn> b = p.leaseConnected("b", null);
            TestConn older = a.getConnection();
            TestConn newer = b.getConnection();
            p.releaseKept(a);
            p.releaseKept(b);
            assertThat(p.leaseNow("c", null).hasConnection()).isFalse();
            TestConn victim = impl.isReference() ? newer : older;
            TestConn kept = impl.isReference() ? older : newer;
            assertThat(victim.closeModes()).containsExactly(CloseMode.GRACEFUL);
            assertThat(kept.isClosed()).isFalse();
        }
    }

    @ContractScenario
    void waitersOfARouteAreServedInArrivalOrder(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 1, 10)) {
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            TestConn conn = held.getConnection();
            List<Future<PoolEntry<String, TestConn>>> waiters = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiters.add(p.lease("a", null, Timeout.ofSeconds(10), null));
            }
            assertThat(p.totals()).isEqualTo("leased 1, pending 4, available 0");
            for (int i = 0; i < waiters.size(); i++) {
                p.releaseKept(held);
                Future<PoolEntry<String, TestConn>> next = waiters.get(i);
                ContractAwait.until("waiter " + i + " is served", next::isDone);
                for (Future<PoolEntry<String, TestConn>> later : waiters.subList(i + 1, waiters.size())) {
                    assertThat(later.isDone()).as("a later waiter is not served before an earlier one").isFalse();
                }
                held = next.get();
                assertThat(held.getConnection()).isSameAs(conn);
            }
            assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 0");
        }
    }

    /**
     * First come, first served across routes: a connection released while an older waiter of another route waits
     * for room goes to that waiter (closed to make room for it), not to a later waiter of its own route. The
     * reference does this (one queue, served in order). If a pool instead prefers waiters of the released route, a
     * busy route starves every other route's waiter until it times out: here route a keeps queuing while b waits.
     */
    @ContractScenario
    void anOlderWaiterOfAnotherRouteIsServedBeforeLaterWaitersOfTheReleasedRoute(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 2)) {
            List<PoolEntry<String, TestConn>> held = new ArrayList<>();
            held.add(p.leaseConnected("a", null));
            held.add(p.leaseConnected("a", null));
            Future<PoolEntry<String, TestConn>> b = p.lease("b", null, Timeout.ofSeconds(10), null);
            int releases = 0;
            List<Future<PoolEntry<String, TestConn>>> laterA = new ArrayList<>();
            while (!b.isDone() && releases < 6) {
                laterA.add(p.lease("a", null, Timeout.ofSeconds(10), null)); // route a stays busy
                p.releaseKept(held.remove(0));
                releases++;
                ContractAwait.until("the release served someone",
                        () -> b.isDone() || laterA.stream().anyMatch(f -> f.isDone() && !held.contains(get(f))));
                for (Future<PoolEntry<String, TestConn>> f : laterA) {
                    if (f.isDone() && !held.contains(get(f))) {
                        held.add(get(f));
                    }
                }
            }
            assertThat(releases).as("releases of route a until the older b waiter was served (b %s; b: %s)",
                    b.isDone() ? "served" : "still waiting", p.stats("b")).isEqualTo(1);
            assertThat(b.get().getRoute()).isEqualTo("b");
        }
    }

    private static PoolEntry<String, TestConn> get(Future<PoolEntry<String, TestConn>> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Documented difference: ours gives room made by a raised limit to the waiters at once; the reference only
     * records the new limit, so its waiter stays pending until the pool next goes over its queue, and a later
     * lease can take the room first.
     */
    @ContractScenario
    void raisingTheTotalLimitServesAWaiter_oursAtOnce_theReferenceAfterALaterLeaseTookTheRoom(Impl impl)
            throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 1)) {
            PoolEntry<String, TestConn> held = p.leaseConnected("a", null);
            Future<PoolEntry<String, TestConn>> waiter = p.lease("a", null, Timeout.ofSeconds(10), null);
            assertThat(waiter.isDone()).isFalse();

            p.pool.setMaxTotal(2);
            assertThat(p.pool.getMaxTotal()).isEqualTo(2);
            Future<PoolEntry<String, TestConn>> later = p.lease("b", null, Timeout.ofSeconds(10), null);
            if (impl.isReference()) {
                assertThat(waiter.isDone()).as("reference: the raise alone serves nobody").isFalse();
                assertThat(later.isDone()).as("reference: the later lease barges in").isTrue();
                p.release(later.get(), false);
                ContractAwait.until("the waiter is served by the next release", waiter::isDone);
            } else {
                ContractAwait.until("the waiter is served at once", waiter::isDone);
                assertThat(later.isDone()).as("the later lease waits its turn").isFalse();
                p.releaseKept(held);
                ContractAwait.until("the later lease is served by a release", later::isDone);
            }
            assertThat(waiter.get().getRoute()).isEqualTo("a");
        }
    }

    /** Documented difference, as above, for a route's limit. */
    @ContractScenario
    void raisingARouteLimitServesAWaiter_oursAtOnce_theReferenceOnItsNextPass(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 1, 10)) {
            p.leaseConnected("a", null);
            Future<PoolEntry<String, TestConn>> waiter = p.lease("a", null, Timeout.ofSeconds(10), null);
            Future<PoolEntry<String, TestConn>> waiter2 = p.lease("a", null, Timeout.ofSeconds(10), null);
            p.pool.setMaxPerRoute("a", 2);
            assertThat(p.pool.getMaxPerRoute("a")).isEqualTo(2);
            if (impl.isReference()) {
                assertThat(waiter.isDone()).as("reference: the raise alone serves nobody").isFalse();
                p.release(p.leaseNow("b", null), false); // a release: the reference looks at its queue again
            }
            ContractAwait.until("the first waiter is served", waiter::isDone);
            assertThat(waiter2.isDone()).as("one more connection only").isFalse();

            p.pool.setDefaultMaxPerRoute(3);
            p.pool.setMaxPerRoute("a", -1); // back to the (raised) default
            assertThat(p.pool.getMaxPerRoute("a")).isEqualTo(3);
            if (impl.isReference()) {
                assertThat(waiter2.isDone()).isFalse();
                p.release(p.leaseNow("b", null), false);
            }
            ContractAwait.until("the second waiter is served", waiter2::isDone);
            assertThat(p.stats("a")).isEqualTo("leased 3, pending 0, available 0");
        }
    }

    /**
     * Documented difference: lowering the total limit makes ours close surplus idle connections at once (least
     * recently released first) and leased ones as they come back; the reference closes nothing then, and evicts
     * one idle connection per lease that needs room.
     */
    @ContractScenario
    void loweringTheTotalLimit_oursClosesSurplusIdleAtOnce_theReferenceLazily(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 5, 5)) {
            List<PoolEntry<String, TestConn>> es = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                es.add(p.leaseConnected("a", null));
            }
            for (int i = 0; i < 3; i++) {
                p.releaseKept(es.get(i));
            }
            TestConn c1 = es.get(0).getConnection();
            TestConn c2 = es.get(1).getConnection();
            TestConn c3 = es.get(2).getConnection();
            TestConn c4 = es.get(3).getConnection();
            PoolEntry<String, TestConn> stillLeased = es.get(3);

            p.pool.setMaxTotal(2);
            assertThat(p.pool.getMaxTotal()).isEqualTo(2);
            if (impl.isReference()) {
                assertThat(List.of(c1, c2, c3)).noneMatch(TestConn::isClosed);
                assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 3");
                p.releaseKept(stillLeased);
                assertThat(c4.isClosed()).as("reference: kept, over the limit").isFalse();
                assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 4");
            } else {
                assertThat(c1.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(c2.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(c3.isClosed()).isFalse();
                assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 1");
                p.releaseKept(stillLeased);
                assertThat(c4.isClosed()).as("over the limit still: kept, the total is 2").isFalse();
                assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 2");
                p.pool.setMaxTotal(1);
                assertThat(c3.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(c4.isClosed()).isFalse();
                assertThat(p.totals()).isEqualTo("leased 0, pending 0, available 1");
            }
        }
    }

    /**
     * Documented difference: lowering the total limit while connections are leased makes ours close them as they
     * come back, until the pool is within the limit; the reference keeps them idle over the limit.
     */
    @ContractScenario
    void loweringTheTotalLimitBelowTheLeased_oursClosesThemOnReturn_theReferenceKeepsThem(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 3, 3)) {
            PoolEntry<String, TestConn> e1 = p.leaseConnected("a", null);
            PoolEntry<String, TestConn> e2 = p.leaseConnected("a", null);
            TestConn c1 = e1.getConnection();
            TestConn c2 = e2.getConnection();
            p.pool.setMaxTotal(1);
            p.releaseKept(e1);
            if (impl.isReference()) {
                assertThat(c1.isClosed()).isFalse();
                assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 1");
            } else {
                assertThat(c1.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(p.totals()).isEqualTo("leased 1, pending 0, available 0");
            }
            p.releaseKept(e2);
            assertThat(c2.isClosed()).isFalse();
        }
    }

    /**
     * Documented difference: lowering a route's limit makes ours close the route's surplus idle connections at
     * once; the reference closes nothing and even hands its surplus idle connections out (its limit is only
     * checked when a lease needs a new entry).
     */
    @ContractScenario
    void loweringARouteOrTheDefaultLimit_oursClosesSurplusIdleAtOnce_theReferenceStillReusesThem(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 5, 10)) {
            List<PoolEntry<String, TestConn>> es = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                es.add(p.leaseConnected("a", null));
            }
            List<TestConn> cs = es.stream().map(PoolEntry::getConnection).toList();
            es.forEach(p::releaseKept);
            p.pool.setMaxPerRoute("a", 1);
            if (impl.isReference()) {
                assertThat(cs).noneMatch(TestConn::isClosed);
                assertThat(p.stats("a")).isEqualTo("leased 0, pending 0, available 3");
                assertThat(p.leaseNow("a", null).hasConnection()).isTrue();
                assertThat(p.leaseNow("a", null).hasConnection()).as("reference: a second lease over the limit")
                        .isTrue();
            } else {
                assertThat(cs.get(0).closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(cs.get(1).closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(cs.get(2).isClosed()).as("the most recently released stays").isFalse();
                assertThat(p.stats("a")).isEqualTo("leased 0, pending 0, available 1");
                assertThat(p.leaseNow("a", null).hasConnection()).isTrue();
                assertThat(p.lease("a", null, Timeout.ofSeconds(10), null).isDone()).as("the limit holds").isFalse();
            }

            // the default limit, for a route without its own
            PoolEntry<String, TestConn> b1 = p.leaseConnected("b", null);
            PoolEntry<String, TestConn> b2 = p.leaseConnected("b", null);
            TestConn older = b1.getConnection();
            TestConn newer = b2.getConnection();
            p.releaseKept(b1);
            p.releaseKept(b2);
            p.pool.setDefaultMaxPerRoute(1);
            assertThat(p.pool.getMaxPerRoute("b")).isEqualTo(1);
            if (impl.isReference()) {
                assertThat(older.isClosed() || newer.isClosed()).isFalse();
                assertThat(p.stats("b")).isEqualTo("leased 0, pending 0, available 2");
            } else {
                assertThat(older.closeModes()).containsExactly(CloseMode.GRACEFUL);
                assertThat(newer.isClosed()).isFalse();
                assertThat(p.stats("b")).isEqualTo("leased 0, pending 0, available 1");
            }
        }
    }

    @ContractScenario
    void limitsAndStatsReadBackWhatWasSet(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 5)) {
            assertThat(p.pool.getMaxTotal()).isEqualTo(5);
            assertThat(p.pool.getDefaultMaxPerRoute()).isEqualTo(2);
            assertThat(p.pool.getMaxPerRoute("a")).isEqualTo(2);
            PoolStats none = p.pool.getStats("never");
            assertThat(ContractPool.lpa(none)).isEqualTo("leased 0, pending 0, available 0");
            assertThat(none.getMax()).isEqualTo(2);
            assertThat(p.pool.getTotalStats().getMax()).isEqualTo(5);

            p.pool.setMaxPerRoute("a", 3);
            p.pool.setDefaultMaxPerRoute(4);
            p.pool.setMaxTotal(7);
            assertThat(p.pool.getMaxPerRoute("a")).isEqualTo(3);
            assertThat(p.pool.getMaxPerRoute("b")).isEqualTo(4);
            assertThat(p.pool.getStats("a").getMax()).isEqualTo(3);
            assertThat(p.pool.getStats("b").getMax()).isEqualTo(4);
            assertThat(p.pool.getTotalStats().getMax()).isEqualTo(7);
            assertThat(p.pool.getDefaultMaxPerRoute()).isEqualTo(4);
            p.pool.setMaxPerRoute("a", -1);
            assertThat(p.pool.getMaxPerRoute("a")).isEqualTo(4);

            PoolEntry<String, TestConn> a = p.leaseConnected("a", null);
            p.leaseConnected("a", null);
            p.leaseConnected("b", null);
            p.releaseKept(a);
            p.lease("c", null, Timeout.ofSeconds(10), null); // served: 4 of 7
            assertThat(p.totals()).isEqualTo("leased 3, pending 0, available 1");
            assertThat(p.stats("a")).isEqualTo("leased 1, pending 0, available 1");
            assertThat(p.stats("b")).isEqualTo("leased 1, pending 0, available 0");
            assertThat(p.stats("c")).isEqualTo("leased 1, pending 0, available 0");
        }
    }

    @ContractScenario
    void getRoutesNamesTheRoutesWithConnectionsAndForgetsThemOnceTheyAreGone(Impl impl) throws Exception {
        try (ContractPool p = ContractPool.create(impl, 2, 10)) {
            assertThat(p.pool.getRoutes()).isEmpty();
            PoolEntry<String, TestConn> a = p.leaseConnected("a", null);
            PoolEntry<String, TestConn> b = p.leaseConnected("b", null);
            assertThat(p.pool.getRoutes()).containsExactlyInAnyOrder("a", "b");
            p.releaseKept(a);
            assertThat(p.pool.getRoutes()).as("an idle connection keeps its route").containsExactlyInAnyOrder("a", "b");
            p.release(b, false);
            p.pool.closeIdle(org.apache.hc.core5.util.TimeValue.ZERO_MILLISECONDS);
            assertThat(p.pool.getRoutes()).as("after a sweep, no connection, no route").isEmpty();
        }
    }
}

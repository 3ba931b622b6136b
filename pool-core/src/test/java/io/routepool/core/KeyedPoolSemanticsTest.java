package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Single-threaded rules: what a caller can observe must match HttpCore 4.4's AbstractConnPool
 * (httpcore-semantics.md section 4, invariants A to E), except where DESIGN.md says we differ.
 */
class KeyedPoolSemanticsTest {

    final TestConnections conns = new TestConnections();
    final FakeTime time = new FakeTime(1);
    KeyedPool<String, Conn> pool;
    /** The pools of this class log here; the expected reports are asserted (see the tear-down). */
    final CapturedLog log = new CapturedLog();

    KeyedPool<String, Conn> pool(int maxPerRoute, int maxTotal) {
        pool = KeyedPool.builder(conns).logger(log).defaultMaxPerRoute(maxPerRoute).maxTotal(maxTotal).timeSource(time).maintenanceInterval(Duration.ZERO).build();
        return pool;
    }

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
        // the state-matching tests make state mismatches, reported once per route; nothing else may be reported
        assertThat(log.warnings()).allMatch(m -> m.matches("(?s)routepool-\\d+: State mismatch on route .*"), "state-mismatch reports only");
    }

    PoolEntry<String, Conn> now(String route, Object state) throws Exception {
        return pool.lease(route, state, 0, MILLISECONDS);
    }

    @Test
    void defaultsAreHttpCoresBasicConnPool() {
        pool = KeyedPool.builder(conns).logger(log).build();
        assertThat(pool.getMaxTotal()).isEqualTo(20);
        assertThat(pool.getDefaultMaxPerRoute()).isEqualTo(2);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 20));
        assertThat(pool.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
        assertThat(pool.getRoutes()).isEmpty();
    }

    @Test
    void releasedConnectionIsReusedAndStatsFollow() throws Exception {
        pool(2, 20);
        PoolEntry<String, Conn> a = now("a", null);
        assertThat(a.id()).isEqualTo(1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 2));
        pool.release(a, true);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 2));
        assertThat(now("a", null)).isSameAs(a);
        assertThat(conns.created).hasSize(1);
    }

    @Test
    void reuseIsLastInFirstOut() throws Exception {
        pool(3, 20);
        PoolEntry<String, Conn> e1 = now("a", null);
        PoolEntry<String, Conn> e2 = now("a", null);
        PoolEntry<String, Conn> e3 = now("a", null);
        pool.release(e1, true);
        pool.release(e2, true);
        pool.release(e3, true);
        assertThat(List.of(now("a", null), now("a", null), now("a", null))).containsExactly(e3, e2, e1);
    }

    @Test
    void stateMatchingPrefersEqualStateThenNullState() throws Exception {
        pool(4, 20);
        PoolEntry<String, Conn> plain = now("a", null);
        PoolEntry<String, Conn> tokenU = now("a", null);
        PoolEntry<String, Conn> tokenV = now("a", null);
        tokenU.setState("u");
        tokenV.setState("v");
        pool.release(plain, true);
        pool.release(tokenU, true);
        pool.release(tokenV, true);
        assertThat(now("a", "u")).isSameAs(tokenU);        // equal state first, though not the most recent
        assertThat(now("a", "w")).isSameAs(plain);         // no equal state: fall back to a null-state entry
        assertThat(now("a", null).id()).isEqualTo(4);      // null request never takes a stateful entry
        assertThat(conns.conn(3).open).isTrue();           // the 'v' entry is untouched
    }

    @Test
    void perRouteExcessRuleClosesLeastRecentlyReleasedEntryOfAnotherState() throws Exception {
        // httpcore-semantics 1.4, ExpCore4 A2: two idle entries with state u, max 2, lease(null)
        pool(2, 20);
        PoolEntry<String, Conn> c1 = now("a", null);
        PoolEntry<String, Conn> c2 = now("a", null);
        c1.setState("u");
        c2.setState("u");
        pool.release(c1, true);
        pool.release(c2, true);
        PoolEntry<String, Conn> c3 = now("a", null);
        assertThat(c3.id()).isEqualTo(3);
        assertThat(conns.conn(1).open).isFalse();
        assertThat(conns.conn(2).open).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 1, 2));
    }

    @Test
    void creatingAtMaxTotalClosesTheGloballyLeastRecentlyReleasedIdleEntry() throws Exception {
        // ExpCore4 A3: released a1, b1, a2 with maxTotal 3; lease("c") closes a1
        pool(2, 3);
        PoolEntry<String, Conn> a1 = now("a", null);
        PoolEntry<String, Conn> b1 = now("b", null);
        PoolEntry<String, Conn> a2 = now("a", null);
        pool.release(a1, true);
        pool.release(b1, true);
        pool.release(a2, true);
        PoolEntry<String, Conn> c1 = now("c", null);
        assertThat(c1.id()).isEqualTo(4);
        assertThat(conns.conn(1).open).isFalse();
        assertThat(conns.conn(2).open).isTrue();
        assertThat(conns.conn(3).open).isTrue();
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 2, 3));
        assertThat(conns.maxOpen.get()).isEqualTo(3);
    }

    @Test
    void idleEntriesNeverMakeACallerWait() throws Exception {
        pool(2, 2);
        PoolEntry<String, Conn> a1 = now("a", null);
        PoolEntry<String, Conn> a2 = now("a", null);
        pool.release(a1, true);
        pool.release(a2, true);
        // the pool is full of idle 'a' connections; 'b' gets one by evicting the oldest
        assertThat(now("b", null).id()).isEqualTo(3);
        assertThat(now("b", null).id()).isEqualTo(4);
        assertThat(conns.open.get()).isEqualTo(2);
    }

    @Test
    void fullRouteOrPoolTimesOutAtOnceWithZeroTimeoutAndExplains() throws Exception {
        pool(1, 2);
        now("a", null);
        assertThatThrownBy(() -> now("a", null))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("route a")
                .hasMessageContaining("maxPerRoute 1 (leased 1, available 0, pending 0)")
                .hasMessageContaining("maxTotal 2 (leased 1, available 0, pending 0)");
        now("b", null);
        assertThatThrownBy(() -> now("c", null)).isInstanceOf(TimeoutException.class).hasMessageContaining("maxTotal 2");
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(2, 0, 0, 2));
        assertThat(pool.getStats("c")).isEqualTo(new PoolStats(0, 0, 0, 1));
    }

    @Test
    void nonReusableReleaseClosesAndFreesCapacity() throws Exception {
        pool(1, 1);
        PoolEntry<String, Conn> a = now("a", null);
        pool.release(a, false);
        assertThat(a.connection().open).isFalse();
        assertThat(a.connection().closeMode).isEqualTo(CloseMode.GRACEFUL);
        assertThat(now("a", null).id()).isEqualTo(2);
    }

    @Test
    void expiredEntriesAreClosedAtLeaseAndTheSearchGoesOn() throws Exception {
        pool = KeyedPool.builder(conns).logger(log).defaultMaxPerRoute(3).timeSource(time).maintenanceInterval(Duration.ZERO).timeToLive(Duration.ofSeconds(10)).build();
        PoolEntry<String, Conn> e1 = now("a", null);
        time.advance(Duration.ofSeconds(5));
        PoolEntry<String, Conn> e2 = now("a", null);
        pool.release(e1, true);
        pool.release(e2, true, 1, SECONDS);                // keep-alive 1 s: expiry = release + 1 s
        assertThat(e2.expiryNanos()).isEqualTo(e2.updatedNanos() + SECONDS.toNanos(1));
        assertThat(e1.expiryNanos()).isEqualTo(e1.validityDeadlineNanos());
        time.advance(Duration.ofSeconds(2));
        assertThat(now("a", null)).isSameAs(e1);            // e2 (most recent) had expired: closed, search goes on
        assertThat(e2.connection().open).isFalse();
        time.advance(Duration.ofSeconds(4));                // e1 is past its time to live
        pool.release(e1, true, 60, SECONDS);                // keep-alive cannot extend the time to live
        assertThat(e1.expiryNanos()).isEqualTo(e1.validityDeadlineNanos());
        assertThat(now("a", null).id()).isEqualTo(3);
        assertThat(e1.connection().open).isFalse();
    }

    @Test
    void closedIdleConnectionsAreDroppedAtLease() throws Exception {
        pool(2, 20);
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);
        e.connection().open = false; // the peer closed it, say
        assertThat(now("a", null).id()).isEqualTo(2);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 2));
    }

    @Test
    void validationRunsOnlyAfterInactivityAndAFailureContinuesTheLease() throws Exception {
        List<Conn> validated = new ArrayList<>();
        java.util.Set<Conn> stale = new java.util.HashSet<>();
        // HttpCore's rule alone: learnIdleClose would also validate a connection idle longer than any proven (1 s here)
        pool = KeyedPool.builder(conns).logger(log).timeSource(time).maintenanceInterval(Duration.ZERO).learnIdleClose(false)
                .validateAfterInactivity(Duration.ofSeconds(2))
                .validator((Conn c) -> {
                    validated.add(c);
                    return !stale.contains(c);
                }).build();
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);
        time.advance(Duration.ofSeconds(1));
        assertThat(now("a", null)).isSameAs(e);
        assertThat(validated).isEmpty();
        pool.release(e, true);
        time.advance(Duration.ofSeconds(2));
        assertThat(now("a", null)).isSameAs(e);
        assertThat(validated).containsExactly(e.connection());
        pool.release(e, true);
        stale.add(e.connection());
        time.advance(Duration.ofSeconds(3));
        PoolEntry<String, Conn> fresh = now("a", null);
        assertThat(fresh.id()).isEqualTo(2);
        assertThat(e.connection().open).isFalse();
        assertThat(pool.getValidateAfterInactivity(MILLISECONDS)).isEqualTo(2000);
        pool.setValidateAfterInactivity(0, MILLISECONDS);
        assertThat(pool.getValidateAfterInactivity(MILLISECONDS)).isZero();
    }

    @Test
    void anIsOpenThatThrowsCountsAsClosedAndLeaksNothing() throws Exception {
        pool(2, 20);
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);
        e.connection().isOpenThrows = true;
        assertThat(now("a", null).id()).isEqualTo(2);
        assertThat(e.connection().closes.get()).isEqualTo(1);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(1, 0, 0, 2));
    }

    @Test
    void validatorThatThrowsCountsAsInvalid() throws Exception {
        pool = KeyedPool.builder(conns).logger(log).timeSource(time).maintenanceInterval(Duration.ZERO).validateAfterInactivity(Duration.ofMillis(1))
                .validator((Conn c) -> {
                    throw new IllegalStateException("boom");
                }).build();
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);
        time.advance(Duration.ofSeconds(1));
        assertThat(now("a", null).id()).isEqualTo(2);
        assertThat(e.connection().open).isFalse();
        // an invalid reused connection is a stale one found: its route learns (learnIdleClose) and says so once
        assertThat(pool.getCounters().staleFound()).isEqualTo(1);
        assertThat(log.warnings()).singleElement().asString()
                .startsWith(pool.name() + ": Server idle close learned on route a: its server closed a connection idle 1.0 s");
        log.records.clear();
    }

    @Test
    void closeIdleAndCloseExpiredTouchOnlyIdleEntriesAndPurgeEmptyRoutes() throws Exception {
        pool(3, 20);
        PoolEntry<String, Conn> old = now("a", null);
        PoolEntry<String, Conn> young = now("a", null);
        PoolEntry<String, Conn> held = now("b", null);
        pool.release(old, true);
        time.advance(Duration.ofSeconds(10));
        pool.release(young, true, 1, SECONDS);
        pool.closeIdle(5, SECONDS);
        assertThat(old.connection().open).isFalse();
        assertThat(young.connection().open).isTrue();
        pool.closeExpired();
        assertThat(young.connection().open).isTrue();
        time.advance(Duration.ofSeconds(1));
        pool.closeExpired();
        assertThat(young.connection().open).isFalse();
        assertThat(held.connection().open).isTrue();
        assertThat(pool.getRoutes()).containsExactly("b");   // empty route 'a' purged
        assertThat(pool.getStats("z")).isEqualTo(new PoolStats(0, 0, 0, 3));
        assertThat(pool.getRoutes()).containsExactlyInAnyOrder("b", "z"); // getStats registers, as HttpCore
        pool.release(held, true);
        pool.closeIdle(0, SECONDS);
        assertThat(conns.open.get()).isZero();
        assertThat(pool.getRoutes()).isEmpty();
    }

    @Test
    void sweepsAlsoDropIdleConnectionsFoundClosedAsHttpCoreDoes() throws Exception {
        pool(3, 20);
        PoolEntry<String, Conn> dead = now("a", null);
        PoolEntry<String, Conn> alive = now("a", null);
        pool.release(dead, true);
        pool.release(alive, true);
        dead.connection().open = false;        // the peer closed it while it was idle
        pool.closeIdle(1, java.util.concurrent.TimeUnit.HOURS); // nothing is idle that long
        assertThat(dead.connection().closes.get()).isEqualTo(1);
        assertThat(alive.connection().open).isTrue();
        assertThat(pool.availableEntries()).containsExactly(alive);
        alive.connection().open = false;
        pool.closeExpired();                   // nothing has expired
        assertThat(pool.availableEntries()).isEmpty();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 3));
    }

    @Test
    void limitsCanChangeAtAnyTime() throws Exception {
        pool(2, 20);
        pool.setMaxPerRoute("a", 1);
        assertThat(pool.getMaxPerRoute("a")).isEqualTo(1);
        assertThat(pool.getStats("a").max()).isEqualTo(1);
        now("a", null);
        assertThatThrownBy(() -> now("a", null)).isInstanceOf(TimeoutException.class);
        pool.setMaxPerRoute("a", 0);
        assertThat(pool.getMaxPerRoute("a")).isZero();
        pool.clearMaxPerRoute("a");
        assertThat(pool.getMaxPerRoute("a")).isEqualTo(2);
        now("a", null);
        pool.setDefaultMaxPerRoute(5);
        assertThat(pool.getMaxPerRoute("a")).isEqualTo(5);
        pool.setMaxTotal(3);
        now("a", null);
        assertThatThrownBy(() -> now("b", null)).isInstanceOf(TimeoutException.class);
    }

    @Test
    void loweringALimitClosesSurplusIdleAtOnceAndNeverTouchesLeased() throws Exception {
        // stricter than HttpCore, which keeps them until a later lease (ExpCore4 A4/A5)
        pool(6, 20);
        List<PoolEntry<String, Conn>> es = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            es.add(now("a", null));
        }
        for (int i = 0; i < 4; i++) {
            pool.release(es.get(i), true);   // 4 idle, 2 leased
        }
        pool.setMaxPerRoute("a", 3);
        assertThat(conns.open.get()).isEqualTo(3);                // the 3 least recently released idle closed
        assertThat(es.get(3).connection().open).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 1, 3));
        pool.setMaxTotal(1);
        assertThat(conns.open.get()).isEqualTo(2);                // the last idle goes; leased stay
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(2, 0, 0, 1));
        pool.release(es.get(4), true);                             // released while over the limit: closed
        assertThat(es.get(4).connection().open).isFalse();
        pool.release(es.get(5), true);                             // now within limits: pooled
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 1, 1));
    }

    @Test
    void factoryFailureReachesTheCallerAndReturnsCapacity() throws Exception {
        pool(1, 1);
        conns.hook.set(route -> {
            throw new java.io.IOException("connect refused to " + route);
        });
        assertThatThrownBy(() -> now("a", null)).isInstanceOf(java.io.IOException.class).hasMessageContaining("refused");
        conns.hook.set(route -> null);
        assertThatThrownBy(() -> now("a", null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("returned null for route a");
        conns.hook.set(route -> {
            throw new IllegalArgumentException("bad route");
        });
        assertThatThrownBy(() -> now("a", null)).isInstanceOf(IllegalArgumentException.class);
        conns.hook.set(null);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 1));
        assertThat(now("a", null).id()).as("three failed creations left gaps in the numbering").isEqualTo(4);
    }

    @Test
    void badInputGetsAClearExceptionAndChangesNothing() throws Exception {
        assertThatThrownBy(() -> KeyedPool.builder(conns).maxTotal(0)).hasMessageContaining("maxTotal must be positive, was 0");
        assertThatThrownBy(() -> KeyedPool.builder(conns).defaultMaxPerRoute(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("defaultMaxPerRoute");
        assertThatThrownBy(() -> KeyedPool.builder(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("factory");
        pool(2, 4);
        assertThatThrownBy(() -> pool.setMaxTotal(-3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTotal");
        assertThatThrownBy(() -> pool.setDefaultMaxPerRoute(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.setMaxPerRoute("a", -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clearMaxPerRoute");
        assertThatThrownBy(() -> pool.setMaxPerRoute(null, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("route");
        assertThatThrownBy(() -> pool.lease(null, null, 1, SECONDS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("route must not be null");
        assertThatThrownBy(() -> pool.lease("a", null, -1, SECONDS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> pool.lease("a", null, 1, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> pool.getStats(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.release(null, true)).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool.getMaxTotal()).isEqualTo(4);
        assertThat(pool.getDefaultMaxPerRoute()).isEqualTo(2);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 4));
    }

    @Test
    void doubleAndForeignReleaseThrowAndChangeNothing() throws Exception {
        pool(2, 20);
        PoolEntry<String, Conn> e = now("a", null);
        pool.release(e, true);
        assertThatThrownBy(() -> pool.release(e, true)).isInstanceOf(IllegalStateException.class).hasMessageContaining("released twice");
        assertThatThrownBy(() -> pool.release(e, false)).isInstanceOf(IllegalStateException.class);
        assertThat(e.connection().open).isTrue();
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 2));

        try (KeyedPool<String, Conn> other = KeyedPool.builder(new TestConnections()).build()) {
            PoolEntry<String, Conn> foreign = other.lease("a", null, 0, SECONDS);
            assertThatThrownBy(() -> pool.release(foreign, true))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not leased from this pool");
            assertThat(other.getStats("a").leased()).isEqualTo(1);
        }
        PoolEntry<String, Conn> closedOne = now("a", null);
        pool.release(closedOne, false);
        assertThatThrownBy(() -> pool.release(closedOne, true)).isInstanceOf(IllegalStateException.class);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 2));
        assertThat(conns.doubleCloses.get()).isZero();
    }

    @Test
    void useAfterCloseIsRefusedAndLeasedConnectionsCloseWhenTheyComeBack() throws Exception {
        pool(2, 20);
        PoolEntry<String, Conn> idle = now("a", null);
        PoolEntry<String, Conn> leased = now("a", null);
        pool.release(idle, true);
        pool.close();
        pool.close(); // idempotent
        assertThat(pool.isClosed()).isTrue();
        assertThat(idle.connection().open).isFalse();
        assertThat(leased.connection().open).isTrue();
        assertThatThrownBy(() -> now("a", null)).isInstanceOf(PoolClosedException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> pool.newRequest("a", null)).isInstanceOf(PoolClosedException.class);
        assertThat(pool.leaseAsync("a", null, 1, SECONDS)).isCompletedExceptionally();
        pool.release(leased, true);
        assertThat(leased.connection().open).isFalse();
        assertThatThrownBy(() -> pool.release(leased, true)).isInstanceOf(IllegalStateException.class);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 20));
        assertThat(conns.doubleCloses.get()).isZero();
    }

    @Test
    void immediateCloseShutsLeasedConnectionsNowAndTheirReleaseIsANoOp() throws Exception {
        pool(2, 20);
        PoolEntry<String, Conn> idle = now("a", null);
        PoolEntry<String, Conn> leased = now("a", null);
        pool.release(idle, true);
        pool.close(CloseMode.IMMEDIATE);
        assertThat(idle.connection().closeMode).as("idle connections close politely").isEqualTo(CloseMode.GRACEFUL);
        assertThat(leased.connection().open).isFalse();
        assertThat(leased.connection().closeMode).isEqualTo(CloseMode.IMMEDIATE);
        pool.release(leased, true);
        assertThat(leased.connection().closes.get()).isEqualTo(1);
        assertThatThrownBy(() -> pool.release(leased, true)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void enumerationListsAvailableAndLeasedEntries() throws Exception {
        pool(3, 20);
        PoolEntry<String, Conn> a1 = now("a", null);
        PoolEntry<String, Conn> a2 = now("a", null);
        PoolEntry<String, Conn> b1 = now("b", null);
        pool.release(a1, true);
        pool.release(a2, true);
        assertThat(pool.availableEntries()).containsExactly(a2, a1);
        assertThat(pool.leasedEntries()).containsExactly(b1);
        assertThat(pool.toString()).contains("leased: 1", "available: 2", "connections: 3");
    }
}

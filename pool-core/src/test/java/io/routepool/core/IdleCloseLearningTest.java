package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * learnIdleClose (PoolBuilder; DESIGN.md, "Stale connections"), on the fake clock: a lease validates a reused
 * connection that idled longer than any that survived, or one released before a stale connection was found on its
 * route; a stale connection found teaches the route its server's idle close, after which idle connections expire a
 * margin before it, said once in the log; and a close that cannot be the server's timeout teaches nothing.
 * validateAfterInactivity is 10 s throughout, far beyond every idle time here, so every validation seen comes from
 * what the route learned.
 */
class IdleCloseLearningTest {

    final TestConnections conns = new TestConnections();
    final FakeTime time = new FakeTime(1);
    final CapturedLog log = new CapturedLog();
    /** Connections the validator was asked about, in order. */
    final List<Conn> validated = new ArrayList<>();
    /** Connections the server has closed: the validator (and the probe) find them so. */
    final Set<Conn> closedByServer = new HashSet<>();
    KeyedPool<String, Conn> pool;

    KeyedPool<String, Conn> pool(boolean learn) {
        pool = KeyedPool.builder(conns).logger(log).timeSource(time).maintenanceInterval(Duration.ZERO)
                .defaultMaxPerRoute(10).maxTotal(10)
                .validateAfterInactivity(Duration.ofSeconds(10))
                .validator((Conn c) -> {
                    validated.add(c);
                    return !closedByServer.contains(c);
                })
                .idleProbe((Conn c) -> !closedByServer.contains(c))
                .learnIdleClose(learn)
                .build();
        return pool;
    }

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
        assertThat(log.warnings()).as("reports not asserted by the test").isEmpty();
    }

    PoolEntry<String, Conn> lease() throws Exception {
        return pool.lease("a", null, 0, MILLISECONDS);
    }

    void idle(long millis) {
        time.advance(Duration.ofMillis(millis));
    }

    /** The one WARNING so far, which the test then has asserted (cleared). */
    String theReport() {
        List<String> w = log.warnings();
        assertThat(w).hasSize(1);
        log.records.clear();
        return w.get(0);
    }

    @Test
    void aReuseIdleLongerThanAnyThatSurvivedIsValidatedAndThenProvesThatIdleTime() throws Exception {
        pool(true);
        PoolEntry<String, Conn> e = lease();
        pool.release(e, true);
        idle(50);
        assertThat(lease()).isSameAs(e);
        assertThat(validated).as("idle under 100 ms: never").isEmpty();
        pool.release(e, true);
        idle(1000);
        assertThat(lease()).isSameAs(e);
        assertThat(validated).as("idle 1 s, longer than any reuse seen").containsExactly(e.connection());
        pool.release(e, true); // it served: 1 s is proven
        idle(900);
        assertThat(lease()).isSameAs(e);
        assertThat(validated).as("0.9 s: within what is proven").hasSize(1);
        pool.release(e, true);
        idle(1500);
        assertThat(lease()).isSameAs(e);
        assertThat(validated).as("1.5 s: longer again").hasSize(2);
        pool.release(e, true);
        assertThat(pool.getCounters().staleFound()).isZero();
    }

    @Test
    void aStaleConnectionFoundTeachesTheRouteItsServersIdleCloseAndItsSiblingsAreCheckedThenExpired() throws Exception {
        pool(true);
        List<PoolEntry<String, Conn>> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            four.add(lease());
        }
        for (PoolEntry<String, Conn> e : four) {
            pool.release(e, true);
        }
        idle(1200);
        for (PoolEntry<String, Conn> e : four) {
            closedByServer.add(e.connection()); // the server's idle timeout closed them all together
        }

        PoolEntry<String, Conn> fresh = lease();
        assertThat(four).as("a new connection, not a closed one").doesNotContain(fresh);
        // LIFO: the newest idle one was checked first and found closed at idle 1.2 s; the rest then expired by what
        // the route learned (a margin before 1.2 s), closed without a check
        assertThat(validated).containsExactly(four.get(3).connection());
        for (PoolEntry<String, Conn> e : four) {
            assertThat(e.connection().open).isFalse();
        }
        assertThat(pool.getCounters().staleFound()).isEqualTo(1);
        assertThat(theReport()).startsWith(pool.name() + ": Server idle close learned on route a: its server closed a"
                + " connection idle 1.2 s").contains("now expire after 1.0 s");

        // what was learned holds: a connection idle 1.1 s expires unchecked, one idle 0.5 s is reused (and checked:
        // no reuse that long has been seen since)
        pool.release(fresh, true);
        idle(1100);
        PoolEntry<String, Conn> next = lease();
        assertThat(next).isNotSameAs(fresh);
        assertThat(fresh.connection().open).isFalse();
        assertThat(validated).hasSize(1);
        pool.release(next, true);
        idle(500);
        assertThat(lease()).isSameAs(next);
        assertThat(validated).hasSize(2);
        assertThat(pool.getCounters().staleFound()).as("expired ones are not stale ones").isEqualTo(1);
        assertThat(log.warnings()).as("said once").isEmpty();
    }

    @Test
    void aStaleOneFoundMakesItsSiblingsReleasedBeforeBeCheckedEvenWithinWhatIsProven() throws Exception {
        pool(true);
        PoolEntry<String, Conn> a = lease();
        PoolEntry<String, Conn> b = lease();
        pool.release(a, true);
        pool.release(b, true);
        idle(2000);
        assertThat(lease()).isSameAs(b);
        assertThat(lease()).isSameAs(a);
        pool.release(a, true);
        pool.release(b, true); // both proved 2 s
        validated.clear();

        idle(300); // well within what is proven: a restart, say, closes both
        closedByServer.add(a.connection());
        closedByServer.add(b.connection());
        PoolEntry<String, Conn> leased = lease(); // b, unchecked: nothing says it is stale
        assertThat(leased).isSameAs(b);
        assertThat(validated).isEmpty();
        pool.releaseStale(b); // its request failed before any response
        assertThat(b.connection().open).isFalse();
        assertThat(pool.getCounters().staleFound()).isEqualTo(1);

        PoolEntry<String, Conn> next = lease();
        assertThat(validated).as("a, released before the stale one was found, is checked").containsExactly(a.connection());
        assertThat(next).isNotSameAs(a);
        assertThat(a.connection().open).isFalse();
        assertThat(pool.getCounters().staleFound()).isEqualTo(2);
        assertThat(log.warnings()).as("0.3 s, within what was proven: not the server's timeout, nothing learned")
                .isEmpty();
        pool.release(next, true);
        idle(1900);
        assertThat(lease()).as("nothing expires early").isSameAs(next);
    }

    @Test
    void maintenanceClosesIdleConnectionsPastTheLearnedCloseAndItsProbeTeachesToo() throws Exception {
        pool(true);
        PoolEntry<String, Conn> a = lease();
        PoolEntry<String, Conn> b = lease();
        pool.release(a, true);
        idle(400);
        pool.release(b, true);
        idle(800); // a idle 1.2 s, b 0.8 s
        closedByServer.add(a.connection());
        pool.maintain(); // the probe finds a closed: learned 1.2 s, expiry from 1.05 s
        assertThat(a.connection().open).isFalse();
        assertThat(b.connection().open).isTrue();
        assertThat(theReport()).contains("closed a connection idle 1.2 s");
        idle(300); // b idle 1.1 s
        pool.maintain();
        assertThat(b.connection().open).as("expired by what the route learned").isFalse();
        assertThat(pool.getStats("a").available()).isZero();
        assertThat(pool.getCounters().staleFound()).isEqualTo(1);
    }

    @Test
    void aConnectionThatOutlivesTheLearnedCloseShowsItWasNotTheTimeoutAndItIsForgotten() throws Exception {
        pool(true);
        PoolEntry<String, Conn> c = lease();
        PoolEntry<String, Conn> d = lease();
        pool.release(c, true);
        idle(600);
        assertThat(lease()).isSameAs(c); // idle 0.6 s: checked, fine; c is out with its request
        pool.release(d, true);
        idle(500);
        closedByServer.add(d.connection()); // d closed at 0.5 s idle, for whatever reason
        pool.maintain(); // the probe finds it: learned 0.5 s
        assertThat(d.connection().open).isFalse();
        assertThat(theReport()).contains("closed a connection idle 0.5 s");

        pool.release(c, true); // c served after idling 0.6 s: the close at 0.5 s was not the server's timeout
        idle(550);
        assertThat(lease()).as("not expired at 0.55 s: what was learned is forgotten").isSameAs(c);
        assertThat(c.connection().open).isTrue();
        assertThat(log.warnings()).isEmpty();
    }

    @Test
    void aRouteKeepsWhatItLearnedWhenItEmptiesAndIsPurged() throws Exception {
        pool(true);
        PoolEntry<String, Conn> a = lease();
        pool.release(a, true);
        idle(1200);
        closedByServer.add(a.connection());
        PoolEntry<String, Conn> b = lease(); // a found closed: learned 1.2 s
        assertThat(theReport()).contains("closed a connection idle 1.2 s");
        pool.release(b, false);
        pool.closeIdle(0, MILLISECONDS); // the route has nothing left: purged
        assertThat(pool.getRoutes()).isEmpty();

        PoolEntry<String, Conn> c = lease();
        pool.release(c, true);
        idle(1100);
        assertThat(lease()).as("expired by what the route learned before it was purged").isNotSameAs(c);
        assertThat(c.connection().open).isFalse();
        assertThat(log.warnings()).as("said once").isEmpty();
    }

    @Test
    void aCloseMomentsAfterAUseTeachesNothing() throws Exception {
        pool(true);
        PoolEntry<String, Conn> a = lease();
        PoolEntry<String, Conn> b = lease();
        pool.release(a, true);
        pool.release(b, true);
        idle(50);
        b.connection().open = false; // closed 50 ms after its use: no server's idle timeout
        assertThat(lease()).isSameAs(a);
        assertThat(pool.getCounters().staleFound()).isEqualTo(1);
        pool.release(a, true);
        idle(5000);
        assertThat(lease()).as("nothing learned: nothing expires").isSameAs(a);
    }

    @Test
    void offTheRouteLearnsNothingAndOnlyValidateAfterInactivityValidates() throws Exception {
        pool(false);
        PoolEntry<String, Conn> a = lease();
        PoolEntry<String, Conn> b = lease();
        pool.release(a, true);
        pool.release(b, true);
        idle(1200);
        closedByServer.add(a.connection());
        closedByServer.add(b.connection());
        assertThat(lease()).isSameAs(b).as("not checked: idle less than validateAfterInactivity");
        assertThat(validated).isEmpty();
        pool.releaseStale(b);
        assertThat(lease()).isSameAs(a).as("its sibling is not checked either");
        assertThat(validated).isEmpty();
        assertThat(pool.getCounters().staleFound()).isZero();
    }
}

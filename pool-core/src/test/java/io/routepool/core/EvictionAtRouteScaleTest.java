package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cross-route eviction with many routes seen (what RouteScaleEvictionBenchmark times; this checks only which
 * connection goes): a lease on a new route of a full pool closes the least recently released idle connection
 * of the whole pool, whatever the number of routes, empty ones and purged ones, the pool has seen.
 */
class EvictionAtRouteScaleTest {

    static final int ROUTES = 5_000;
    static final int MAX_TOTAL = 20;

    final TestConnections conns = new TestConnections();
    final FakeTime time = new FakeTime(1);
    final KeyedPool<String, Conn> pool = KeyedPool.builder(conns).maxTotal(MAX_TOTAL).timeSource(time)
            .maintenanceInterval(Duration.ZERO).build();

    @AfterEach
    void tearDown() {
        pool.close();
        assertThat(conns.doubleCloses.get()).isZero();
    }

    PoolEntry<String, Conn> now(String route) throws Exception {
        return pool.lease(route, null, 0, MILLISECONDS);
    }

    /**
     * Leases {@code routes} a batch (the pool's size) at a time and releases each batch in reverse, so that the
     * order of release is not the order in which the routes were first seen. Returns the idle entries left, least
     * recently released first.
     */
    List<PoolEntry<String, Conn>> leaseAndReleaseEachOnce(List<String> routes) throws Exception {
        List<PoolEntry<String, Conn>> released = new ArrayList<>();
        for (int from = 0; from < routes.size(); from += MAX_TOTAL) {
            List<PoolEntry<String, Conn>> batch = new ArrayList<>();
            for (String route : routes.subList(from, Math.min(from + MAX_TOTAL, routes.size()))) {
                batch.add(now(route));
            }
            Collections.reverse(batch);
            for (PoolEntry<String, Conn> e : batch) {
                pool.release(e, true);
                released.add(e);
            }
        }
        List<PoolEntry<String, Conn>> idle = released.subList(released.size() - MAX_TOTAL, released.size());
        assertThat(pool.availableEntries()).containsExactlyInAnyOrderElementsOf(idle);
        return new ArrayList<>(idle);
    }

    Set<Conn> closed() {
        return conns.created.stream().filter(c -> c.closes.get() > 0).collect(Collectors.toSet());
    }

    /** Leases {@code route} in the full pool and checks that exactly {@code expectedVictim} was closed for it. */
    void assertEvicts(String route, PoolEntry<String, Conn> expectedVictim) throws Exception {
        Set<Conn> closedBefore = closed();
        PoolEntry<String, Conn> e = now(route);
        Set<Conn> closedNow = closed();
        closedNow.removeAll(closedBefore);
        assertThat(closedNow).as("closed for the lease on %s", route).containsExactly(expectedVictim.connection());
        assertThat(e.route()).isEqualTo(route);
        assertThat(conns.open.get()).isEqualTo(MAX_TOTAL);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, MAX_TOTAL - 1, MAX_TOTAL));
        pool.release(e, true);
    }

    static List<String> routes(String prefix, int n) {
        List<String> routes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            routes.add(prefix + i);
        }
        return routes;
    }

    @Test
    void anEvictingLeaseClosesThePoolsLeastRecentlyReleasedIdleConnectionAfterThousandsOfRoutes() throws Exception {
        List<String> many = routes("r", ROUTES);
        List<PoolEntry<String, Conn>> idle = leaseAndReleaseEachOnce(many);
        assertThat(pool.getRoutes()).hasSize(ROUTES);
        assertThat(conns.created).hasSize(ROUTES);
        assertThat(conns.open.get()).isEqualTo(MAX_TOTAL);
        // the last batch was released in reverse: its last route went idle first
        assertThat(idle.get(0).route()).isEqualTo("r" + (ROUTES - 1));

        assertEvicts("new-1", idle.get(0));
        assertEvicts("new-2", idle.get(1));

        // purge: every idle connection closed, every route (all empty now) dropped
        pool.closeIdle(0, SECONDS);
        assertThat(conns.open.get()).isZero();
        assertThat(pool.getRoutes()).isEmpty();

        // the same routes again (their old segments were purged), and some new ones
        List<String> again = new ArrayList<>(many.subList(ROUTES - 2 * MAX_TOTAL, ROUTES));
        again.addAll(routes("s", MAX_TOTAL));
        List<PoolEntry<String, Conn>> idleAgain = leaseAndReleaseEachOnce(again);
        assertThat(idleAgain.get(0).route()).isEqualTo("s" + (MAX_TOTAL - 1));

        assertEvicts("new-3", idleAgain.get(0));
        assertEvicts("r0", idleAgain.get(1));
    }
}

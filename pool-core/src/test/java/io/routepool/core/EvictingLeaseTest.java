package io.routepool.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.TestConnections.Conn;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A lease on a route with room in a full pool: what it finds while it evicts across routes, and what the list of
 * segments that may hold idle entries (what such an eviction scans) keeps.
 */
class EvictingLeaseTest {

    /**
     * An entry released on the lease's route while the lease goes from its route step to the eviction (here from
     * inside the requested state's {@code equals}, which the pool calls under the route's lock) is claimed by the
     * eviction: it must be recorded as the new lessee's lease (borrower, lease time), or reports name nobody, show
     * the previous lease's age, and maintenance may reclaim a live lease.
     */
    @Test
    void anEntryClaimedDuringTheEvictionIsRecordedAsItsLesseesLease() throws Exception {
        FakeTime time = new FakeTime();
        CapturedLog log = new CapturedLog();
        KeyedPool<String, Conn> pool = KeyedPool.builder(new TestConnections()).maxTotal(3).defaultMaxPerRoute(3)
                .timeSource(time).maintenanceInterval(Duration.ZERO).logger(log)
                .leakThreshold(Duration.ofMillis(500)).reclaimAbandonedAfter(Duration.ofSeconds(1)).build();
        try {
            PoolEntry<String, Conn> other = pool.lease("a", null, 1, SECONDS);
            PoolEntry<String, Conn> mine = pool.lease("a", null, 1, SECONDS);
            PoolEntry<String, Conn> x = pool.lease("x", null, 1, SECONDS);
            other.setState("other");
            pool.release(other, true);
            pool.release(x, true); // the pool is full; route a has one idle entry, of state "other"
            time.advance(Duration.ofSeconds(10));
            AtomicInteger calls = new AtomicInteger();
            Object requested = new Object() {
                @Override
                public boolean equals(Object o) {
                    if (calls.incrementAndGet() == 2) { // the route step's match is over: release before the eviction's
                        mine.setState("s1");
                        pool.release(mine, true);
                    }
                    return "s1".equals(o);
                }

                @Override
                public int hashCode() {
                    return 1;
                }
            };

            PoolEntry<String, Conn> got = pool.lease("a", requested, 1, SECONDS);

            assertThat(got).as("claimed by the eviction").isSameAs(mine);
            LeaseInfo<String> info = pool.leases().get(0);
            assertThat(info.connectionId()).isEqualTo(mine.id());
            assertThat(info.holder()).isEqualTo(Thread.currentThread().getName());
            assertThat(info.ageNanos()).isLessThan(SECONDS.toNanos(1));
            pool.maintain();
            assertThat(got.connection().open).as("not reclaimed").isTrue();
            assertThat(pool.getCounters().reclaimed()).isZero();
            pool.release(got, true);
            assertThat(log.warnings()).allMatch(m -> m.matches("(?s)routepool-\\d+: State mismatch on route .*"));
        } finally {
            pool.close();
        }
    }

    /** A route key the test can watch the pool let go of. */
    static final class Route {
        final int n;

        Route(int n) {
            this.n = n;
        }

        @Override
        public String toString() {
            return "route-" + n;
        }
    }

    /**
     * A route whose segment was purged is not kept reachable by the pool: its node among the segments that may hold
     * idle entries goes with it (else a pool whose routes come and go keeps every one, and the next eviction scan
     * visits them all).
     */
    @Test
    void aPurgedRouteIsNotKeptReachable() throws Exception {
        ConnectionFactory<Route, Object> factory = new ConnectionFactory<Route, Object>() {
            @Override
            public Object create(Route route) {
                return new Object();
            }

            @Override
            public void close(Object connection, CloseMode mode) {
            }
        };
        try (KeyedPool<Route, Object> pool = KeyedPool.builder(factory).maintenanceInterval(Duration.ZERO).build()) {
            WeakReference<Route> watched = leaseReleaseAndPurge(pool, new Route(1));

            Await.until("the purged route is collected", () -> {
                System.gc();
                return watched.get() == null;
            });
            assertThat(pool.getRoutes()).isEmpty();
        }
    }

    private static WeakReference<Route> leaseReleaseAndPurge(KeyedPool<Route, Object> pool, Route route) throws Exception {
        pool.release(pool.lease(route, null, 1, SECONDS), true); // an idle entry: the segment registers as idle
        pool.closeIdle(0, SECONDS); // closes it and purges the empty route
        assertThat(pool.getRoutes()).isEmpty();
        return new WeakReference<>(route);
    }
}

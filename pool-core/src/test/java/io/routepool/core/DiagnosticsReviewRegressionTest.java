package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Findings of the concurrency review of the diagnostics change (each failed on commit 6b9da18). */
class DiagnosticsReviewRegressionTest {

    /**
     * Maintenance reclaims a lease while its lessee is still checking the entry (validation, outside any lock);
     * the check fails. The lessee used to discard the reclaimed entry again: it unlinked it from a list it was no
     * longer in (dropping the route's other leases from the leased list), closed it a second time and freed its
     * units twice, so the route could open more connections than its limit.
     */
    @Test
    void reclaimRacingALesseesFailedCheckFreesOnce() throws Exception {
        TestConnections conns = new TestConnections();
        FakeTime time = new FakeTime(1);
        AtomicReference<KeyedPool<String, Conn>> poolRef = new AtomicReference<>();
        AtomicReference<PoolEntry<String, Conn>> other = new AtomicReference<>();
        AtomicBoolean armed = new AtomicBoolean();
        KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(2).maxTotal(2).timeSource(time)
                .maintenanceInterval(Duration.ZERO).leakThreshold(Duration.ofSeconds(5))
                .reclaimAbandonedAfter(Duration.ofSeconds(5))
                .validateAfterInactivity(Duration.ofMillis(1))
                .validator(c -> {
                    if (armed.compareAndSet(true, false)) {
                        time.advance(Duration.ofSeconds(10)); // the lessee's validation is slow
                        try {
                            other.set(poolRef.get().lease("a", null, 0, MILLISECONDS)); // a second, fresh lease
                        } catch (Exception ex) {
                            throw new AssertionError(ex);
                        }
                        poolRef.get().maintain(); // reclaims the lease under validation
                        return false;             // and the validation fails
                    }
                    return true;
                }).build();
        poolRef.set(pool);
        PoolEntry<String, Conn> first = pool.lease("a", null, 0, MILLISECONDS);
        pool.release(first, true);
        time.advance(Duration.ofSeconds(1));
        armed.set(true);

        PoolEntry<String, Conn> third = pool.lease("a", null, 0, MILLISECONDS);

        assertThat(conns.doubleCloses.get()).as("connections closed twice").isZero();
        assertThat(pool.leasedEntries()).as("the other leases stay in the leased list").containsExactlyInAnyOrder(other.get(), third);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(2, 0, 0, 2));
        assertThat(pool.getCounters().reclaimed()).isEqualTo(1);
        assertThatThrownBy(() -> pool.lease("a", null, 0, MILLISECONDS)).as("the route is full")
                .isInstanceOf(TimeoutException.class);
    }

    static final class RouteWithBrokenToString {
        @Override
        public String toString() {
            throw new IllegalStateException("toString broken");
        }
    }

    /**
     * A state mismatch is reported after the lease took capacity (here: took over an idle entry of another
     * state). A route whose toString throws used to make the report throw out of the lease, leaking the taken
     * units and the detached victim, so that the route was blocked for good.
     */
    @Test
    void aReportThatCannotFormatItsRouteDoesNotLoseCapacity() throws Exception {
        List<Object> closed = new CopyOnWriteArrayList<>();
        ConnectionFactory<RouteWithBrokenToString, Object> factory = new ConnectionFactory<>() {
            @Override
            public Object create(RouteWithBrokenToString route) {
                return new Object();
            }

            @Override
            public void close(Object connection, CloseMode mode) {
                closed.add(connection);
            }
        };
        RouteWithBrokenToString route = new RouteWithBrokenToString();
        KeyedPool<RouteWithBrokenToString, Object> pool = KeyedPool.builder(factory).defaultMaxPerRoute(1).maxTotal(2)
                .maintenanceInterval(Duration.ZERO).build();
        PoolEntry<RouteWithBrokenToString, Object> e = pool.lease(route, null, 0, MILLISECONDS);
        e.setState("u");
        pool.release(e, true);

        PoolEntry<RouteWithBrokenToString, Object> other = pool.lease(route, "v", 0, MILLISECONDS);

        assertThat(closed).as("the idle entry of the other state made room").containsExactly(e.connection());
        assertThat(pool.getStateMismatches(route)).isEqualTo(1);
        pool.release(other, true);
        assertThat(pool.getStats(route)).isEqualTo(new PoolStats(0, 0, 1, 1));
    }
}

package io.routepool.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link PoolBuilder#maxUsesPerConnection}: a connection is closed on the release of its n-th lease, whatever path served it. */
class MaxUsesPerConnectionTest {

    final TestConnections conns = new TestConnections();

    private KeyedPool<String, Conn> pool(int maxUses, int maxPerRoute) {
        return KeyedPool.builder(conns).defaultMaxPerRoute(maxPerRoute).maxTotal(20).maxUsesPerConnection(maxUses)
                .maintenanceInterval(Duration.ZERO).build();
    }

    @Test
    void aConnectionServesThreeLeasesAndIsClosedOnTheThirdRelease() throws Exception {
        List<Integer> serials = new ArrayList<>();
        try (KeyedPool<String, Conn> pool = pool(3, 2)) {
            for (int i = 0; i < 7; i++) {
                PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
                serials.add(e.connection().serial);
                pool.release(e, true);
            }
            assertThat(serials).as("the 2nd and 3rd leases reuse (the lock-free path), the 4th gets a new one")
                    .containsExactly(1, 1, 1, 2, 2, 2, 3);
            assertThat(conns.closedCount()).isEqualTo(2);
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 2));
            assertThat(pool.getCounters().reused()).isEqualTo(4);
        }
        assertThat(conns.doubleCloses.get()).isZero();
    }

    @Test
    void oneUseMeansNoReuse() throws Exception {
        try (KeyedPool<String, Conn> pool = pool(1, 2)) {
            for (int i = 0; i < 3; i++) {
                pool.release(pool.lease("a", null, 0, SECONDS), true);
            }
            assertThat(conns.created).hasSize(3);
            assertThat(conns.closedCount()).isEqualTo(3);
            assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 0, 2));
        }
    }

    @Test
    void zeroIsNoLimitAndNegativeIsRefusedByName() throws Exception {
        try (KeyedPool<String, Conn> pool = pool(0, 2)) {
            for (int i = 0; i < 100; i++) {
                pool.release(pool.lease("a", null, 0, SECONDS), true);
            }
            assertThat(conns.created).hasSize(1);
        }
        assertThatThrownBy(() -> KeyedPool.builder(conns).maxUsesPerConnection(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxUsesPerConnection must be 0 (no limit) or positive, was -1");
    }

    @Test
    void aLeaseHandedToAWaiterCountsToo() throws Exception {
        try (KeyedPool<String, Conn> pool = pool(2, 1)) {
            PoolEntry<String, Conn> first = pool.lease("a", null, 0, SECONDS);
            CompletableFuture<PoolEntry<String, Conn>> waiter = pool.leaseAsync("a", null, 10, SECONDS);
            Await.until("the async lease waits", () -> pool.getStats("a").pending() == 1);
            pool.release(first, true); // handed over: the connection's second lease
            PoolEntry<String, Conn> second = waiter.get(10, SECONDS);
            assertThat(second.connection()).isSameAs(first.connection());
            pool.release(second, true);
            assertThat(conns.closedCount()).as("closed on the release of its second lease").isEqualTo(1);
            assertThat(pool.lease("a", null, 0, SECONDS).connection().serial).isEqualTo(2);
        }
    }

    /**
     * Two threads cycle on one route of two connections: the lock-free path, the locked path and connections passing
     * between the threads; no connection serves more than its limit, and each closed one served exactly that many.
     */
    @Test
    void underConcurrencyNoConnectionServesMoreThanItsLimit() throws Exception {
        int maxUses = 5;
        int cycles = 4_000 * Integer.getInteger("routepool.stress.factor", 1);
        Map<Conn, AtomicInteger> served = new ConcurrentHashMap<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (KeyedPool<String, Conn> pool = pool(maxUses, 2)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < cycles; i++) {
                        PoolEntry<String, Conn> e = pool.lease("a", null, 10, SECONDS);
                        served.computeIfAbsent(e.connection(), c -> new AtomicInteger()).incrementAndGet();
                        pool.release(e, true);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, SECONDS);
            }
            assertThat(pool.getStats("a").leased()).isZero();
        } finally {
            threads.shutdownNow();
        }
        int total = 0;
        for (Map.Entry<Conn, AtomicInteger> e : served.entrySet()) {
            int n = e.getValue().get();
            total += n;
            assertThat(n).as("leases served by %s", e.getKey()).isLessThanOrEqualTo(maxUses);
        }
        assertThat(total).isEqualTo(2 * cycles);
        // closed by maxUses while the pool was open: exactly maxUses each; the rest were closed by close()
        long full = served.values().stream().filter(n -> n.get() == maxUses).count();
        assertThat(full).isGreaterThanOrEqualTo(served.size() - 2L);
        assertThat(conns.doubleCloses.get()).isZero();
        assertThat(conns.open.get()).isZero();
    }
}

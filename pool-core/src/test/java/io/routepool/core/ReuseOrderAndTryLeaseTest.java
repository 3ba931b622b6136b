package io.routepool.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link ReuseOrder} (which idle connection a lease takes) and {@link KeyedPool#tryLease} (the non-waiting front half). */
class ReuseOrderAndTryLeaseTest {

    final TestConnections conns = new TestConnections();

    private KeyedPool<String, Conn> pool(ReuseOrder order) {
        return KeyedPool.builder(conns).defaultMaxPerRoute(3).maxTotal(3).reuseOrder(order)
                .maintenanceInterval(Duration.ZERO).build();
    }

    /** Releases three connections in the order c0, c1, c2 and returns them. */
    private static Conn[] releaseThree(KeyedPool<String, Conn> pool, Object state) throws Exception {
        PoolEntry<String, Conn> e0 = pool.lease("a", null, 0, SECONDS);
        PoolEntry<String, Conn> e1 = pool.lease("a", null, 0, SECONDS);
        PoolEntry<String, Conn> e2 = pool.lease("a", null, 0, SECONDS);
        for (PoolEntry<String, Conn> e : java.util.Arrays.asList(e0, e1, e2)) {
            e.setState(state);
            pool.release(e, true);
        }
        return new Conn[] {e0.connection(), e1.connection(), e2.connection()};
    }

    @Test
    void lifoTakesTheMostRecentlyReleasedAndFifoTheLeastRecentlyReleased() throws Exception {
        try (KeyedPool<String, Conn> lifo = pool(ReuseOrder.LIFO)) {
            Conn[] c = releaseThree(lifo, null);
            assertThat(lifo.lease("a", null, 0, SECONDS).connection()).isSameAs(c[2]);
            assertThat(lifo.lease("a", null, 0, SECONDS).connection()).isSameAs(c[1]);
        }
        try (KeyedPool<String, Conn> fifo = pool(ReuseOrder.FIFO)) {
            Conn[] c = releaseThree(fifo, null);
            assertThat(fifo.lease("a", null, 0, SECONDS).connection()).isSameAs(c[0]);
            assertThat(fifo.lease("a", null, 0, SECONDS).connection()).isSameAs(c[1]);
        }
    }

    @Test
    void fifoKeepsStateMatchingAnEqualStateFirstThenANullOne() throws Exception {
        try (KeyedPool<String, Conn> fifo = pool(ReuseOrder.FIFO)) {
            PoolEntry<String, Conn> anon = fifo.lease("a", null, 0, SECONDS);
            PoolEntry<String, Conn> bob = fifo.lease("a", null, 0, SECONDS);
            PoolEntry<String, Conn> alice = fifo.lease("a", null, 0, SECONDS);
            bob.setState("bob");
            alice.setState("alice");
            fifo.release(anon, true);
            fifo.release(bob, true);
            fifo.release(alice, true);
            assertThat(fifo.lease("a", "alice", 0, SECONDS)).isSameAs(alice);
            assertThat(fifo.lease("a", "carol", 0, SECONDS)).as("no equal state: the null one").isSameAs(anon);
            assertThat(fifo.tryLease("a", null)).as("a null request never takes bob's").isNull();
        }
    }

    @Test
    void tryLeaseTakesAnIdleConnectionButNeverCreatesWaitsOrEvicts() throws Exception {
        try (KeyedPool<String, Conn> pool = pool(ReuseOrder.LIFO)) {
            assertThat(pool.tryLease("a", null)).isNull();
            assertThat(conns.created).isEmpty();
            assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 3));

            PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
            pool.release(e, true);
            PoolEntry<String, Conn> again = pool.tryLease("a", null);
            assertThat(again).isSameAs(e);
            assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 0, 3));
            assertThat(pool.getCounters().reused()).isEqualTo(1);
            pool.release(again, true);

            // another route's idle connection is not evicted for a tryLease, even when the pool is full
            pool.release(pool.lease("b", null, 0, SECONDS), true);
            pool.release(pool.lease("c", null, 0, SECONDS), true);
            assertThat(pool.tryLease("d", null)).isNull();
            assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 3, 3));
            assertThat(conns.created).hasSize(3);
        }
    }

    @Test
    void tryLeaseDropsAnIdleConnectionThatIsNoLongerOpenAndRefusesBadArgumentsAndAClosedPool() throws Exception {
        KeyedPool<String, Conn> pool = pool(ReuseOrder.LIFO);
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);
        pool.release(e, true);
        e.connection().open = false; // the peer closed it: the factory now reports it closed
        assertThat(pool.tryLease("a", null)).isNull();
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 3));

        assertThatThrownBy(() -> pool.tryLease(null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("route");
        pool.close();
        assertThatThrownBy(() -> pool.tryLease("a", null)).isInstanceOf(PoolClosedException.class);
    }
}

package io.routepool.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The coarse system clock that stamps lease and release times on the system time source. */
class TickerTest {

    @Test
    void readsTheSystemTimeAtMostALittleLate() {
        long before = TimeSource.system().nanoTime();
        long t = Ticker.now();
        long after = TimeSource.system().nanoTime();
        assertThat(t).isLessThanOrEqualTo(after);
        // asleep, the read is the clock itself; awake, it is a tick old plus the ticker's scheduling delay
        assertThat(t).isGreaterThan(before - Duration.ofSeconds(1).toNanos());
    }

    @Test
    void advancesOnItsOwn() {
        long t0 = Ticker.now();
        Await.until("the ticker moves on", () -> Ticker.now() - t0 >= 3 * Ticker.TICK_NANOS);
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("routepool-clock") && t.isDaemon());
    }

    @Test
    void poolsOnTheSystemClockStampFromIt() throws Exception {
        KeyedPool<String, TestConnections.Conn> pool = KeyedPool.builder(new TestConnections()).maintenanceInterval(Duration.ZERO).build();
        try {
            PoolEntry<String, TestConnections.Conn> e = pool.lease("a", null, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
            long before = TimeSource.system().nanoTime();
            pool.release(e, true);
            long after = TimeSource.system().nanoTime();
            assertThat(e.updatedNanos()).isLessThanOrEqualTo(after).isGreaterThan(before - Duration.ofSeconds(1).toNanos());
        } finally {
            pool.close();
        }
    }
}

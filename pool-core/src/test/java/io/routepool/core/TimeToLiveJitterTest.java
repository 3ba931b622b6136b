package io.routepool.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link PoolBuilder#timeToLiveJitter}: each connection's time to live is shortened at random, within the fraction. */
class TimeToLiveJitterTest {

    static final int N = 200;
    final TestConnections conns = new TestConnections();
    final FakeTime time = new FakeTime(1);

    private KeyedPool<String, Conn> pool(double jitter) {
        return KeyedPool.builder(conns).defaultMaxPerRoute(N).maxTotal(N).timeSource(time)
                .timeToLive(Duration.ofSeconds(10)).timeToLiveJitter(jitter).maintenanceInterval(Duration.ZERO).build();
    }

    private static List<PoolEntry<String, Conn>> leaseAll(KeyedPool<String, Conn> pool) throws Exception {
        List<PoolEntry<String, Conn>> all = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            all.add(pool.lease("a", null, 0, SECONDS));
        }
        return all;
    }

    @Test
    void connectionsMadeTogetherGetLifetimesSpreadOverTheFraction() throws Exception {
        try (KeyedPool<String, Conn> pool = pool(0.5)) {
            List<PoolEntry<String, Conn>> all = leaseAll(pool);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (PoolEntry<String, Conn> e : all) {
                long life = e.validityDeadlineNanos() - e.createdNanos();
                min = Math.min(min, life);
                max = Math.max(max, life);
            }
            // each in (5 s, 10 s]; with 200 draws, below 6 s and above 9 s each fail to appear with odds of 0.8^200
            assertThat(min).isGreaterThan(Duration.ofSeconds(5).toNanos()).isLessThan(Duration.ofSeconds(6).toNanos());
            assertThat(max).isLessThanOrEqualTo(Duration.ofSeconds(10).toNanos()).isGreaterThan(Duration.ofSeconds(9).toNanos());
            for (PoolEntry<String, Conn> e : all) {
                pool.release(e, true);
            }
            time.advance(Duration.ofMillis(7_500));
            pool.closeExpired();
            int left = pool.getStats("a").available();
            assertThat(left).as("half way through the jitter, some have expired and some not").isBetween(1, N - 1);
            time.advance(Duration.ofMillis(2_500));
            pool.closeExpired();
            assertThat(pool.getStats("a").available()).as("at the full time to live, none is left").isZero();
            assertThat(conns.closedCount()).isEqualTo(N);
        }
    }

    @Test
    void withoutJitterEveryConnectionLivesTheWholeTimeToLive() throws Exception {
        try (KeyedPool<String, Conn> pool = pool(0)) {
            for (PoolEntry<String, Conn> e : leaseAll(pool)) {
                assertThat(e.validityDeadlineNanos() - e.createdNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
                pool.release(e, true);
            }
        }
    }

    @Test
    void aFractionOutsideZeroToOneIsRefusedByName() {
        for (double bad : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> KeyedPool.builder(conns).timeToLiveJitter(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("timeToLiveJitter must be at least 0 and below 1 (a fraction of the time to live), was " + bad);
        }
    }
}

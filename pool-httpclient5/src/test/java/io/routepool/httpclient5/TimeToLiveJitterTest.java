package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.Test;

/**
 * The builders' {@code timeToLiveJitter} where it takes effect: {@link ConnectionConfigExpiry}'s deadline for the
 * per-route {@link ConnectionConfig} time to live, shortened per connection by its {@link Slot#timeToLiveDraw}. No
 * clock, no network: created and now times are given.
 */
class TimeToLiveJitterTest {

    private static final HttpRoute ROUTE = new HttpRoute(new HttpHost("http", "a.example", 80));
    private static final long TTL = TimeUnit.MINUTES.toMillis(10);
    /** One creation time for all: connections made in the same millisecond. */
    private static final long CREATED = 1_767_225_600_000L;

    private static ConnectionConfigExpiry expiry(double jitter, TimeValue ttl) {
        ConnectionConfigExpiry expiry = new ConnectionConfigExpiry(jitter);
        ConnectionConfig config = ConnectionConfig.custom().setTimeToLive(ttl).build();
        expiry.setResolver(route -> config);
        return expiry;
    }

    /** A slot as the pool's slot factory makes one for a new connection. */
    private static Slot<HttpRoute, TestConn> newSlot() {
        return new Slot<>(new PoolEntry<>(ROUTE));
    }

    /** The time to live each of {@code n} connections made at {@link #CREATED} gets, released at once. */
    private static List<Long> lifetimes(ConnectionConfigExpiry expiry, int n) {
        List<Long> lifetimes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lifetimes.add(expiry.deadline(ROUTE, CREATED, newSlot().timeToLiveDraw, CREATED) - CREATED);
        }
        return lifetimes;
    }

    @Test
    void connectionsMadeInTheSameMillisecondGetLifetimesSpreadAcrossTheJitter() {
        List<Long> lifetimes = lifetimes(expiry(0.5, TimeValue.ofMilliseconds(TTL)), 200);

        assertThat(lifetimes).allSatisfy(l -> assertThat(l).isGreaterThan(TTL / 2).isLessThanOrEqualTo(TTL));
        long min = lifetimes.stream().mapToLong(Long::longValue).min().getAsLong();
        long max = lifetimes.stream().mapToLong(Long::longValue).max().getAsLong();
        assertThat(min).as("shortest").isLessThan(TimeUnit.MINUTES.toMillis(6));
        assertThat(max).as("longest").isGreaterThan(TimeUnit.MINUTES.toMillis(9));
        assertThat(new HashSet<>(lifetimes)).as("distinct lifetimes").hasSizeGreaterThan(150);
    }

    @Test
    void everyReleaseOfAConnectionComputesTheSameDeadline() {
        ConnectionConfigExpiry expiry = expiry(0.5, TimeValue.ofMilliseconds(TTL));
        for (int i = 0; i < 20; i++) {
            double draw = newSlot().timeToLiveDraw;
            long first = expiry.deadline(ROUTE, CREATED, draw, CREATED);
            assertThat(first).isLessThanOrEqualTo(CREATED + TTL);
            for (long later : new long[] {1, 1_000, TimeUnit.MINUTES.toMillis(4), TimeUnit.MINUTES.toMillis(5)}) {
                assertThat(expiry.deadline(ROUTE, CREATED, draw, CREATED + later))
                        .as("released again %d ms after creation", later).isEqualTo(first);
            }
        }
    }

    /**
     * Through the pool: each release hands the expiry the connection's own draw, the same every time, so each
     * connection keeps one deadline across releases while the connections' deadlines differ.
     */
    @Test
    void thePoolHandsEachConnectionItsOwnDrawOnEveryRelease() throws Exception {
        ConnectionConfigExpiry real = expiry(0.5, TimeValue.ofMilliseconds(TTL));
        AtomicLong lastDeadline = new AtomicLong();
        RoutePoolConnPool<HttpRoute, TestConn> pool = new RoutePoolConnPool<>(3, 3);
        pool.setRouteExpiry((route, created, draw, now) -> {
            long d = real.deadline(route, created, draw, now);
            lastDeadline.set(d);
            return d;
        });
        try {
            Map<PoolEntry<HttpRoute, TestConn>, Set<Long>> deadlines = new IdentityHashMap<>();
            for (int round = 0; round < 5; round++) {
                List<PoolEntry<HttpRoute, TestConn>> leased = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    PoolEntry<HttpRoute, TestConn> e = pool.lease(ROUTE, null).get(5, TimeUnit.SECONDS);
                    if (!e.hasConnection()) {
                        e.assignConnection(new TestConn());
                    }
                    leased.add(e);
                }
                for (PoolEntry<HttpRoute, TestConn> e : leased) {
                    pool.release(e, true);
                    deadlines.computeIfAbsent(e, k -> new HashSet<>()).add(lastDeadline.get());
                }
            }
            assertThat(deadlines).as("the same three connections every round").hasSize(3);
            Set<Long> all = new HashSet<>();
            deadlines.forEach((e, ds) -> {
                assertThat(ds).as("deadlines of one connection over five releases").hasSize(1);
                assertThat(ds.iterator().next() - e.getCreated()).isGreaterThan(TTL / 2).isLessThanOrEqualTo(TTL);
                all.addAll(ds);
            });
            assertThat(all).as("each connection its own").hasSize(3);
            assertThat(pool.getTotalStats().getAvailable()).isEqualTo(3);
        } finally {
            pool.close(CloseMode.IMMEDIATE);
        }
    }

    @Test
    void withoutJitterEveryConnectionLivesExactlyItsTimeToLive() {
        assertThat(lifetimes(expiry(0, TimeValue.ofMilliseconds(TTL)), 200)).containsOnly(TTL);
        assertThat(lifetimes(expiry(0, TimeValue.ofMinutes(10)), 10)).as("a time to live in minutes").containsOnly(TTL);
    }

    @Test
    void aTimeToLiveOfZeroStillExpiresAtOnceAndANegativeOrMissingOneNever() {
        long now = CREATED + 5_000;
        double draw = Math.nextDown(1.0);
        assertThat(expiry(0.5, TimeValue.ZERO_MILLISECONDS).deadline(ROUTE, CREATED, draw, now))
                .as("0: expired on release").isEqualTo(now);
        assertThat(expiry(0.5, TimeValue.NEG_ONE_MILLISECOND).deadline(ROUTE, CREATED, draw, now))
                .as("negative: never").isEqualTo(Long.MAX_VALUE);
        assertThat(expiry(0.5, null).deadline(ROUTE, CREATED, draw, now)).as("null: never").isEqualTo(Long.MAX_VALUE);
        ConnectionConfigExpiry noConfig = new ConnectionConfigExpiry(0.5);
        assertThat(noConfig.deadline(ROUTE, CREATED, draw, now)).as("no resolver").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void theShorteningNeverTurnsAPositiveTimeToLiveIntoZeroOrOverflows() {
        ConnectionConfigExpiry expiry = new ConnectionConfigExpiry(Math.nextDown(1.0));
        double draw = Math.nextDown(1.0);
        assertThat(expiry.lifetimeMillis(1, draw)).isEqualTo(1);
        assertThat(expiry.lifetimeMillis(2, draw)).isEqualTo(1);
        assertThat(expiry.lifetimeMillis(Long.MAX_VALUE, draw)).isPositive().isLessThan(Long.MAX_VALUE);
        assertThat(expiry.lifetimeMillis(TTL, 0)).as("a draw of 0 keeps it whole").isEqualTo(TTL);
        assertThat(expiry(0.5, TimeValue.ofDays(Long.MAX_VALUE / 2)).deadline(ROUTE, CREATED, draw, CREATED))
                .as("saturates, never wraps").isGreaterThan(CREATED);
    }
}

package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.asyncClient;
import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static io.routepool.httpclient5.Exchanges.port;
import static io.routepool.httpclient5.Exchanges.start;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.ConnPoolControl;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code setTimeToLiveJitter} on both managers' builders, under real HttpClient 5 clients against HttpCore 5's
 * servers on 127.0.0.1: ten connections opened together (ten requests held at the server's gate) under a time to live
 * of 2 s with a jitter of 0.9 expire one after another over (0.2 s, 2 s], not all at once (without the jitter, they
 * would all go within the few milliseconds in which they were made). The test polls
 * {@code closeExpired()} until the pool is empty, so it waits only as long as the connections live.
 */
@Timeout(60)
class TimeToLiveJitterIntegrationTest {

    private static final int CONNECTIONS = 10;
    private static final Duration TTL = Duration.ofSeconds(2);
    private static final double JITTER = 0.9;
    /** How early a deadline from the coarse clock may fire on a loaded machine (a tick is 1 ms). */
    private static final long EARLY_MS = 50;
    /**
     * The least time between the first and the last expiry: ten lifetimes drawn over 1.8 s all fall within 0.3 s
     * of each other about once in a million runs; without the jitter they span only the time it took to make them.
     */
    private static final long SPREAD_MS = 300;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static ConnectionConfig timeToLive() {
        return ConnectionConfig.custom().setTimeToLive(TimeValue.ofMilliseconds(TTL.toMillis())).build();
    }

    @Test
    void theClassicManagersConnectionsMadeTogetherExpireOneAfterAnother() throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        PoolingHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(CONNECTIONS).setMaxConnPerRoute(CONNECTIONS)
                .setMaintenanceInterval(TimeValue.ZERO_MILLISECONDS) // only closeExpired() below closes them
                .setDefaultConnectionConfig(timeToLive())
                .setTimeToLiveJitter(JITTER)
                .build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);

        long start = System.nanoTime();
        List<Future<Integer>> exchanges = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        }
        Eventually.until("all at the gate", () -> server.gate.arrived.get() == CONNECTIONS);
        server.gate.open();
        Set<Integer> ports = new HashSet<>();
        for (Future<Integer> f : exchanges) {
            ports.add(f.get(20, TimeUnit.SECONDS));
        }
        long made = System.nanoTime();
        assertThat(ports).as("one connection each").hasSize(CONNECTIONS);
        Eventually.until("all back in the pool", () -> cm.getTotalStats().getAvailable() == CONNECTIONS);

        assertExpireOneAfterAnother(cm, cm::closeExpired, start, made);
        Eventually.until("the server sees them all end", () -> server.open() == 0);
    }

    @Test
    void theAsyncManagersConnectionsMadeTogetherExpireOneAfterAnother() throws Exception {
        AsyncServer server = AsyncServer.http1();
        closeables.add(server);
        PoolingAsyncClientConnectionManager cm = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMaxConnTotal(CONNECTIONS).setMaxConnPerRoute(CONNECTIONS)
                .setMaintenanceInterval(TimeValue.ZERO_MILLISECONDS)
                .setDefaultConnectionConfig(timeToLive())
                .setTimeToLiveJitter(JITTER)
                .build();
        CloseableHttpAsyncClient client = asyncClient(cm);
        // GRACEFUL: an IMMEDIATE close races the reactor's own termination (ClosedSelectorException logged at ERROR)
        closeables.add(() -> client.close(CloseMode.GRACEFUL));

        long start = System.nanoTime();
        List<Future<SimpleHttpResponse>> exchanges = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            exchanges.add(start(client, server.url("/gate")));
        }
        Eventually.until("all at the gate", () -> server.gateArrived.get() == CONNECTIONS);
        server.openGate();
        Set<Integer> ports = new HashSet<>();
        for (Future<SimpleHttpResponse> f : exchanges) {
            ports.add(port(f));
        }
        long made = System.nanoTime();
        assertThat(ports).as("one connection each").hasSize(CONNECTIONS);
        Eventually.until("all back in the pool", () -> cm.getTotalStats().getAvailable() == CONNECTIONS);

        assertExpireOneAfterAnother(cm, cm::closeExpired, start, made);
    }

    /**
     * Polls {@code closeExpired} until the pool is empty: the first connection goes no sooner than the shortest
     * lifetime the jitter allows after {@code startNanos} (before any was made), the last at least {@link #SPREAD_MS}
     * after the first, and the pool passes through sizes in between. How late the last goes is not asserted beyond a
     * generous bound: on a loaded machine the poller itself may run late (the unit test checks each deadline).
     */
    private static void assertExpireOneAfterAnother(ConnPoolControl<?> cm, Runnable closeExpired, long startNanos,
            long madeNanos) {
        Set<Integer> sizes = new HashSet<>();
        long firstGoneNanos = 0;
        long bound = madeNanos + TTL.toNanos() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            closeExpired.run();
            int available = cm.getTotalStats().getAvailable();
            sizes.add(available);
            if (available < CONNECTIONS && firstGoneNanos == 0) {
                firstGoneNanos = System.nanoTime();
            }
            if (available == 0) {
                break;
            }
            assertThat(System.nanoTime() - bound).as("the pool empties within its time to live").isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        long lastGoneNanos = System.nanoTime();
        long firstGoneAfterStartMs = TimeUnit.NANOSECONDS.toMillis(firstGoneNanos - startNanos);
        long shortest = (long) (TTL.toMillis() * (1 - JITTER));
        assertThat(firstGoneAfterStartMs).as("the first expiry").isGreaterThanOrEqualTo(shortest - EARLY_MS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(lastGoneNanos - firstGoneNanos)).as("first to last expiry")
                .isGreaterThanOrEqualTo(SPREAD_MS);
        assertThat(sizes).as("pool sizes seen while they expired: not all at once")
                .contains(0).anyMatch(n -> n > 0 && n < CONNECTIONS); // the shortest may be gone by the first poll
        assertThat(sizes.size()).as("distinct pool sizes seen").isGreaterThanOrEqualTo(4);
    }
}

package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.IdleConnectionEvictor;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How long pooled connections live, with HttpClient 5's meanings: {@code ConnectionConfig.timeToLive} counts from
 * creation and 0 expires at once; {@code idleTimeout} (5.6+) counts from the last release; the server's
 * {@code Keep-Alive} header bounds the idle time; {@code validateAfterInactivity} catches a connection the server
 * closed; {@code closeExpired}, {@code closeIdle} and HttpClient's {@link IdleConnectionEvictor} close what is due.
 * Where time is the subject the tests wait for it to pass, never longer.
 */
@Timeout(60)
class ClassicExpiryIntegrationTest {

    private ClassicServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /**
     * The pool's reports. Servers here close idle connections, so a pool may learn their idle close and say so (once
     * per route; whether it does depends on who finds the closed connection first: pool-core's check, maintenance, or
     * HttpClient's own validation, which the pool does not see). Nothing else may be reported.
     */
    private final CapturedLogs reports = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS);

    @BeforeEach
    void start() throws IOException {
        server = ClassicServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            server.gate.open();
            threads.shutdownNow();
            for (AutoCloseable c : closeables) {
                c.close();
            }
            server.close();
            assertThat(reports.warnings()).as("reports")
                    .allMatch(m -> m.contains(": Server idle close learned on route ") && m.contains("said once per route"));
        } finally {
            reports.close();
        }
    }

    private CloseableHttpClient client(PoolingHttpClientConnectionManager cm) {
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);
        return client;
    }

    private static PoolingHttpClientConnectionManager manager(ConnectionConfig config) {
        return Managers.classicSpec().connectionConfig(config).build();
    }

    @Test
    void aTimeToLiveOfZeroExpiresAtOnceSoEveryRequestGetsANewConnection() throws IOException {
        PoolingHttpClientConnectionManager cm = manager(
                ConnectionConfig.custom().setTimeToLive(TimeValue.ZERO_MILLISECONDS).build());
        CloseableHttpClient client = client(cm);

        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            ports.add(get(client, server.url("/hello")));
        }

        assertThat(ports).hasSize(4);
        assertThat(server.accepted.get()).isEqualTo(4);
        Eventually.until("the three replaced connections are closed", () -> server.ended.get() >= 3);
        assertThat(cm.getTotalStats().getLeased()).isZero();
    }

    /** How early a deadline from the coarse clock may fire on a loaded machine (a tick is 1 ms). */
    private static final long EARLY_BY_AT_MOST_MS = 50;

    @Test
    void aPositiveTimeToLiveCountsFromCreationNotFromLastUse() throws IOException {
        Duration ttl = Duration.ofSeconds(1);
        PoolingHttpClientConnectionManager cm = manager(
                ConnectionConfig.custom().setTimeToLive(TimeValue.ofMilliseconds(ttl.toMillis())).build());
        CloseableHttpClient client = client(cm);

        long start = System.nanoTime();
        int first = get(client, server.url("/hello"));
        assertThat(get(client, server.url("/hello"))).as("reused within its time to live").isEqualTo(first);
        // never idle: one request after another, until the pool replaces the connection
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int port = first;
        while (port == first && System.nanoTime() < deadline) {
            port = get(client, server.url("/hello"));
        }
        long replacedAfterMillis = Eventually.millisSince(start);

        assertThat(port).as("replaced once its time to live had passed").isNotEqualTo(first);
        // The time to live reaches pool-core as a keep-alive from the release's coarse clock, which may be a tick plus
        // the ticker's scheduling delay old (DESIGN.md, "Time"), and HttpClient's created time is in whole ms: with both
        // cores busy it was replaced 2 ms early. (Counted from the last use it would never be replaced: see above.)
        assertThat(replacedAfterMillis).isGreaterThanOrEqualTo(ttl.toMillis() - EARLY_BY_AT_MOST_MS);
        assertThat(server.accepted.get()).isEqualTo(2);
        Eventually.until("the expired connection is closed", () -> server.ended.get() == 1);
    }

    @Test
    void idleTimeoutDiscardsAConnectionIdleLongerThanItButNotABusyOne() throws IOException {
        Hc5Features.assumeIdleTimeout();
        Duration idle = Duration.ofSeconds(1);
        ConnectionConfig config = Hc5Features.setIdleTimeout(ConnectionConfig.custom(),
                org.apache.hc.core5.util.Timeout.ofMilliseconds(idle.toMillis())).build();
        PoolingHttpClientConnectionManager cm = manager(config);
        CloseableHttpClient client = client(cm);

        long start = System.nanoTime();
        int first = get(client, server.url("/hello"));
        // busy for longer than the idle timeout: unlike a time to live, that does not retire the connection
        Set<Integer> busyPorts = new HashSet<>();
        while (System.nanoTime() - start < idle.multipliedBy(3).dividedBy(2).toNanos()) {
            busyPorts.add(get(client, server.url("/hello")));
        }
        long lastRelease = System.nanoTime();
        assertThat(busyPorts).containsExactly(first);

        Eventually.elapsed(lastRelease, idle.plusMillis(50));
        int afterIdle = get(client, server.url("/hello"));

        assertThat(afterIdle).as("a new connection after the idle timeout").isNotEqualTo(first);
        assertThat(server.accepted.get()).isEqualTo(2);
        Eventually.until("the idle connection is closed", () -> server.ended.get() == 1);
    }

    @Test
    void theServersKeepAliveHeaderBoundsHowLongAnIdleConnectionIsKept() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);

        int first = get(client, server.url("/ka1"));
        assertThat(get(client, server.url("/ka1"))).as("reused within the keep-alive").isEqualTo(first);
        long released = System.nanoTime();
        cm.closeExpired();
        assertThat(cm.getTotalStats().getAvailable()).as("not expired yet").isEqualTo(1);

        Eventually.elapsed(released, Duration.ofMillis(1050));
        cm.closeExpired();

        assertThat(cm.getTotalStats().getAvailable()).as("expired and closed").isZero();
        Eventually.until("the server sees the expired connection end", () -> server.ended.get() == 1);
        assertThat(get(client, server.url("/hello"))).isNotEqualTo(first);
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    @Test
    void anExpiredKeepAliveIsNotReusedEvenWithoutCloseExpired() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);

        int first = get(client, server.url("/ka1"));
        long released = System.nanoTime();
        Eventually.elapsed(released, Duration.ofMillis(1050));

        assertThat(get(client, server.url("/hello"))).isNotEqualTo(first);
        assertThat(server.accepted.get()).isEqualTo(2);
        Eventually.until("the expired connection is closed", () -> server.ended.get() == 1);
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);
    }

    @Test
    void closeExpiredAlsoClosesConnectionsPastTheirTimeToLive() throws IOException {
        Duration ttl = Duration.ofMillis(1500);
        PoolingHttpClientConnectionManager cm = manager(
                ConnectionConfig.custom().setTimeToLive(TimeValue.ofMilliseconds(ttl.toMillis())).build());
        CloseableHttpClient client = client(cm);

        long beforeCreation = System.nanoTime();
        get(client, server.url("/hello"));
        cm.closeExpired();
        assertThat(cm.getTotalStats().getAvailable()).as("within its time to live").isEqualTo(1);

        Eventually.elapsed(beforeCreation, ttl.plusMillis(50));
        cm.closeExpired();

        assertThat(cm.getTotalStats().getAvailable()).as("past its time to live").isZero();
        Eventually.until("the server sees the connection end", () -> server.ended.get() == 1);
    }

    @Test
    void closeIdleClosesOnlyConnectionsIdleLongerThanAsked() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);

        get(client, server.url("/hello"));
        long released = System.nanoTime();
        cm.closeIdle(TimeValue.ofMinutes(1));
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);

        Eventually.elapsed(released, Duration.ofMillis(250));
        cm.closeIdle(TimeValue.ofMilliseconds(200));

        assertThat(cm.getTotalStats().getAvailable()).isZero();
        Eventually.until("the server sees the connection end", () -> server.ended.get() == 1);
    }

    /**
     * The server closes a keep-alive connection after 150 ms idle without saying so; with a validation interval
     * shorter than the idle period the pool checks the connection before handing it out, sees it closed and opens
     * another: the request succeeds although retries are off.
     */
    @Test
    void aConnectionTheServerClosedWhileIdleIsNotHandedToARequest() throws IOException {
        try (RawServer raw = RawServer.closingIdleAfter(150)) {
            PoolingHttpClientConnectionManager cm = manager(ConnectionConfig.custom()
                    .setValidateAfterInactivity(TimeValue.ofMilliseconds(50)).build());
            CloseableHttpClient client = client(cm);

            assertThat(rawGet(client, raw)).isEqualTo("1");
            Eventually.until("the server has closed the idle connection", () -> raw.closed.get() == 1);
            assertThat(cm.getTotalStats().getAvailable()).as("still pooled, half-closed").isEqualTo(1);

            assertThat(rawGet(client, raw)).as("served on a new connection").isEqualTo("2");
            assertThat(raw.accepted.get()).isEqualTo(2);
            assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);
        }
    }

    /** The control for the test above: without validation the same half-closed connection fails the request. */
    @Test
    void withoutValidationTheHalfClosedConnectionFailsTheRequest() throws IOException {
        try (RawServer raw = RawServer.closingIdleAfter(150)) {
            PoolingHttpClientConnectionManager cm = manager(ConnectionConfig.custom()
                    .setValidateAfterInactivity(TimeValue.NEG_ONE_MILLISECOND).build());
            CloseableHttpClient client = client(cm);

            assertThat(rawGet(client, raw)).isEqualTo("1");
            Eventually.until("the server has closed the idle connection", () -> raw.closed.get() == 1);

            // NoHttpResponseException when the client reads the FIN first, a reset when the RST overtakes it
            assertThatThrownBy(() -> rawGet(client, raw))
                    .isInstanceOfAny(NoHttpResponseException.class, SocketException.class);
            assertThat(cm.getTotalStats().getLeased()).isZero();
            assertThat(rawGet(client, raw)).isEqualTo("2");
        }
    }

    /** GET from the raw server; returns which of its connections answered. */
    private static String rawGet(CloseableHttpClient client, RawServer raw) throws IOException {
        return client.execute(new HttpGet(raw.url("/")), response -> {
            EntityUtils.consume(response.getEntity());
            return response.getFirstHeader("X-Connection").getValue();
        });
    }

    @Test
    void idleConnectionEvictorClosesIdleConnectionsButNotLeasedOnes() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);
        IdleConnectionEvictor evictor = new IdleConnectionEvictor(cm, TimeValue.ofMilliseconds(50),
                TimeValue.ofMilliseconds(300));
        evictor.start();
        try {
            long leasedAt = System.nanoTime();
            Future<Integer> held = threads.submit(() -> get(client, server.url("/gate")));
            Eventually.until("a request at the gate", () -> server.gate.arrived.get() == 1);
            get(client, server.url("/hello"));
            assertThat(server.accepted.get()).isEqualTo(2);

            Eventually.until("the evictor closed the idle connection", () ->
                    server.ended.get() == 1 && cm.getTotalStats().getAvailable() == 0);
            Eventually.elapsed(leasedAt, Duration.ofMillis(700));
            assertThat(server.open()).as("the leased connection is left alone").isEqualTo(1);
            assertThat(cm.getTotalStats().getLeased()).isEqualTo(1);

            server.gate.open();
            held.get(10, TimeUnit.SECONDS);
            Eventually.until("the evictor closed the other once idle", () ->
                    server.ended.get() == 2 && cm.getTotalStats().getAvailable() == 0);
        } finally {
            evictor.shutdown();
            evictor.awaitTermination(org.apache.hc.core5.util.Timeout.ofSeconds(5));
        }
        assertThat(evictor.isRunning()).isFalse();
    }

    @Test
    void idleConnectionEvictorClosesConnectionsPastTheirKeepAlive() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);
        IdleConnectionEvictor evictor = new IdleConnectionEvictor(cm, TimeValue.ofMilliseconds(50), null);
        evictor.start();
        try {
            get(client, server.url("a.test", "/ka1"));
            get(client, server.url("b.test", "/hello"));

            Eventually.until("the evictor closed the connection past its keep-alive", () ->
                    server.ended.get() == 1 && cm.getStats(server.route("a.test")).getAvailable() == 0);
            assertThat(cm.getStats(server.route("b.test")).getAvailable()).as("kept: no keep-alive limit").isEqualTo(1);
            assertThat(server.open()).isEqualTo(1);
        } finally {
            evictor.shutdown();
            evictor.awaitTermination(org.apache.hc.core5.util.Timeout.ofSeconds(5));
        }
    }
}

package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.asyncClient;
import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static io.routepool.httpclient5.Exchanges.port;
import static io.routepool.httpclient5.Exchanges.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code close(TimeValue grace)} on both managers, under real HttpClient 5 clients against HttpCore 5's servers on
 * 127.0.0.1: a request held at the server's gate while the manager drains finishes, on its connection, and the drain
 * then reports success; an idle connection is closed at once, and a new request is refused while the drain waits.
 * When the grace ends first, the connection still out is closed under its request, which fails.
 */
@Timeout(60)
class GracefulCloseIntegrationTest {

    private static final TimeValue LONG_GRACE = TimeValue.ofSeconds(30);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** The pool's reports: a drain is not a problem (nothing is expected here). */
    private final CapturedLogs reports = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS);

    @AfterEach
    void stop() throws Exception {
        try {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
            threads.shutdownNow();
            assertThat(reports.warnings()).as("reports").isEmpty();
        } finally {
            reports.close();
        }
    }

    @Test
    void theClassicManagerLetsTheRequestInFlightFinishAndRefusesNewOnes() throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create().build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);

        Future<Integer> inFlight = threads.submit(() -> get(client, server.url("/gate")));
        Eventually.until("a request at the gate", () -> server.gate.arrived.get() == 1);
        get(client, server.url("/hello")); // on a second connection, then idle
        Future<Boolean> draining = threads.submit(() -> cm.close(LONG_GRACE));
        Eventually.until("the idle connection closed", () -> server.ended.get() == 1);
        assertThatThrownBy(() -> get(client, server.url("/hello")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
        assertThat(draining).as("still waiting for the request in flight").isNotDone();

        server.gate.open();
        inFlight.get(20, TimeUnit.SECONDS); // 200, its body read
        assertThat(draining.get(20, TimeUnit.SECONDS)).as("drained within the grace").isTrue();
        Eventually.until("the server saw both connections end", () -> server.ended.get() == 2);
        assertThat(server.served.get()).as("the refused request never reached the server").isEqualTo(2);
        assertThat(cm.getRoutePool().isShutdown()).isTrue();
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getAvailable()).isZero();
    }

    @Test
    void theClassicManagerClosesWhatIsStillInFlightWhenTheGraceEnds() throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create().build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);

        Future<Integer> inFlight = threads.submit(() -> get(client, server.url("/gate")));
        Eventually.until("a request at the gate", () -> server.gate.arrived.get() == 1);
        assertThat(cm.close(TimeValue.ofMilliseconds(50))).as("drained").isFalse();
        assertThatThrownBy(() -> inFlight.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThat(cm.getTotalStats().getLeased()).as("the closed lease is forgotten").isZero();
        server.gate.open(); // the server's handler notices the close when it answers
        Eventually.until("the server saw the connection end", () -> server.ended.get() == 1);
    }

    @Test
    void aNegativeOrMissingGraceIsRefusedAndNothingCloses() throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create().build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);
        get(client, server.url("/hello"));

        assertThatThrownBy(() -> cm.close(TimeValue.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("grace must not be negative (no wait: 0), was -1 SECONDS");
        assertThatThrownBy(() -> cm.close((TimeValue) null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("grace must not be null (no wait: 0)");
        assertThat(cm.getRoutePool().isShutdown()).isFalse();
        assertThat(get(client, server.url("/hello"))).as("the idle connection is reused")
                .isEqualTo(get(client, server.url("/hello")));
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(cm.close(TimeValue.ZERO_MILLISECONDS)).as("nothing leased: drained at once").isTrue();
    }

    @Test
    void theAsyncManagerLetsTheRequestInFlightFinishAndRefusesNewOnes() throws Exception {
        AsyncServer server = AsyncServer.http1();
        closeables.add(server);
        RoutePoolAsyncClientConnectionManager cm = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .build();
        CloseableHttpAsyncClient client = asyncClient(cm);
        // GRACEFUL: an IMMEDIATE close races the reactor's own termination (ClosedSelectorException logged at ERROR)
        closeables.add(() -> client.close(CloseMode.GRACEFUL));

        Future<SimpleHttpResponse> inFlight = start(client, server.url("/gate"));
        Eventually.until("a request at the gate", () -> server.gateArrived.get() == 1);
        port(start(client, server.url("/hello"))); // on a second connection
        Eventually.until("the second connection is idle", () -> cm.getTotalStats().getAvailable() == 1);
        Future<Boolean> draining = threads.submit(() -> cm.close(LONG_GRACE));
        Eventually.until("the idle connection closed", () -> server.ended() == 1);
        Future<SimpleHttpResponse> refused = start(client, server.url("/hello"));
        assertThatThrownBy(() -> refused.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
        assertThat(draining).as("still waiting for the request in flight").isNotDone();

        server.openGate();
        port(inFlight); // 200 expected
        assertThat(draining.get(20, TimeUnit.SECONDS)).as("drained within the grace").isTrue();
        Eventually.until("the server saw both connections end", () -> server.ended() == 2);
        assertThat(server.served.get()).as("the refused request never reached the server").isEqualTo(2);
        assertThat(cm.getRoutePool().isShutdown()).isTrue();
    }
}

package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.asyncClient;
import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static io.routepool.httpclient5.Exchanges.port;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.routepool.core.PendingLimitException;

/**
 * {@code setMaxPendingPerRoute} and {@code setMaxPending} on both managers' builders, under real HttpClient 5 clients
 * against HttpCore 5's servers on 127.0.0.1. One connection (maxConnPerRoute 1) is held at the server's gate by
 * request 1, request 2 waits for it, and request 3, which would wait behind request 2, is refused at once: with
 * HttpClient's own timeout type (the classic client's {@link ConnectionRequestTimeoutException}, the async client's
 * {@link TimeoutException}), whose message is pool-core's and names the cap, so that code written for a lease
 * timeout handles it. Requests 1 and 2 still succeed, on the one connection, and nothing is left behind.
 */
@Timeout(60)
class PendingLimitIntegrationTest {

    /** Far longer than "at once": a refusal that took it would be a timeout, not the cap. */
    private static final int REQUEST_TIMEOUT_MS = 30_000;
    private static final long AT_ONCE_MS = 10_000;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** The pool's reports; a refusal must not be reported as a problem (nothing is expected here). */
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

    private static HttpClientContext requestTimeout() {
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(org.apache.hc.core5.util.Timeout.ofMilliseconds(REQUEST_TIMEOUT_MS))
                .build());
        return context;
    }

    private static String stats(PoolStats stats) {
        return "leased " + stats.getLeased() + ", pending " + stats.getPending() + ", available "
                + stats.getAvailable();
    }

    @Test
    void theClassicManagerRefusesALeaseThatWouldWaitBeyondMaxPendingPerRouteWithAConnectionRequestTimeout()
            throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(1)
                .setMaxPendingPerRoute(1)
                .build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);

        Future<Integer> first = threads.submit(() -> get(client, server.url("/gate"), requestTimeout()));
        Eventually.until("request 1 at the gate", () -> server.gate.arrived.get() == 1);
        Future<Integer> second = threads.submit(() -> get(client, server.url("/hello"), requestTimeout()));
        Eventually.until("request 2 waits for the connection", () -> cm.getTotalStats().getPending() == 1);
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 1, pending 1, available 0");

        long start = System.nanoTime();
        assertThatThrownBy(() -> get(client, server.url("/hello"), requestTimeout()))
                .isInstanceOf(ConnectionRequestTimeoutException.class)
                .hasMessageStartingWith("Lease refused at once by pool " + cm.getRoutePool().getPoolName()
                        + ": maxPendingPerRoute 1 leases already wait on the route")
                .hasMessageContaining(server.host().toHostString());
        assertThat(Eventually.millisSince(start)).as("refused at once, not timed out").isLessThan(AT_ONCE_MS);
        assertThat(stats(cm.getTotalStats())).as("the refused lease left nothing behind")
                .isEqualTo("leased 1, pending 1, available 0");

        server.gate.open();
        int firstPort = first.get(20, TimeUnit.SECONDS); // 200 expected
        int secondPort = second.get(20, TimeUnit.SECONDS);
        assertThat(secondPort).as("request 2 got request 1's connection").isEqualTo(firstPort);
        Eventually.until("the pool is back to one idle connection", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).as("request 3 never reached the server").isEqualTo(2);
        assertThat(cm.getRoutePool().getCounters().pendingRefused()).isEqualTo(1);
    }

    @Test
    void theAsyncManagerFailsALeaseThatWouldWaitBeyondMaxPendingPerRouteWithATimeoutException() throws Exception {
        AsyncServer server = AsyncServer.http1();
        closeables.add(server);
        RoutePoolAsyncClientConnectionManager cm = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMaxConnPerRoute(1)
                .setMaxPendingPerRoute(1)
                .build();
        CloseableHttpAsyncClient client = asyncClient(cm);
        // GRACEFUL: an IMMEDIATE close races the reactor's own termination (ClosedSelectorException logged at ERROR)
        closeables.add(() -> client.close(CloseMode.GRACEFUL));

        Future<SimpleHttpResponse> first = execute(client, server.url("/gate"));
        Eventually.until("request 1 at the gate", () -> server.gateArrived.get() == 1);
        Future<SimpleHttpResponse> second = execute(client, server.url("/hello"));
        Eventually.until("request 2 waits for the connection", () -> cm.getTotalStats().getPending() == 1);
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 1, pending 1, available 0");

        long start = System.nanoTime();
        Future<SimpleHttpResponse> third = execute(client, server.url("/hello"));
        assertThatThrownBy(() -> third.get(AT_ONCE_MS, TimeUnit.MILLISECONDS))
                .as("refused at once, not timed out")
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TimeoutException.class)
                .isInstanceOf(PendingLimitException.class)
                .hasMessageStartingWith("Lease refused at once by pool " + cm.getRoutePool().getPoolName()
                        + ": maxPendingPerRoute 1 leases already wait on the route")
                .hasMessageContaining(server.host().toHostString());
        assertThat(Eventually.millisSince(start)).as("refused at once, not timed out").isLessThan(AT_ONCE_MS);
        assertThat(stats(cm.getTotalStats())).as("the refused lease left nothing behind")
                .isEqualTo("leased 1, pending 1, available 0");

        server.openGate();
        int firstPort = port(first); // 200 expected
        int secondPort = port(second);
        assertThat(secondPort).as("request 2 got request 1's connection").isEqualTo(firstPort);
        Eventually.until("the pool is back to one idle connection", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).as("request 3 never reached the server").isEqualTo(2);
        assertThat(cm.getRoutePool().getCounters().pendingRefused()).isEqualTo(1);
    }

    /**
     * The pool-wide cap: with one connection in all (maxConnTotal 1), a request to another route, which has no
     * waiter of its own, is refused because one lease already waits in the pool.
     */
    @Test
    void theClassicManagerRefusesALeaseThatWouldWaitBeyondMaxPendingOnAnyRoute() throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(Managers.LOOPBACK)
                .setMaxConnTotal(1)
                .setMaxConnPerRoute(1)
                .setMaxPending(1)
                .build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);

        Future<Integer> first = threads.submit(() -> get(client, server.url("a.test", "/gate"), requestTimeout()));
        Eventually.until("request 1 at the gate", () -> server.gate.arrived.get() == 1);
        Future<Integer> second = threads.submit(() -> get(client, server.url("a.test", "/hello"), requestTimeout()));
        Eventually.until("request 2 waits for the connection", () -> cm.getTotalStats().getPending() == 1);
        assertThat(stats(cm.getStats(server.route("a.test")))).isEqualTo("leased 1, pending 1, available 0");

        long start = System.nanoTime();
        assertThatThrownBy(() -> get(client, server.url("b.test", "/hello"), requestTimeout()))
                .isInstanceOf(ConnectionRequestTimeoutException.class)
                .hasMessageStartingWith("Lease refused at once by pool " + cm.getRoutePool().getPoolName()
                        + ": maxPending 1 leases already wait")
                .hasMessageContaining("b.test");
        assertThat(Eventually.millisSince(start)).as("refused at once, not timed out").isLessThan(AT_ONCE_MS);
        assertThat(stats(cm.getStats(server.route("b.test")))).isEqualTo("leased 0, pending 0, available 0");
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 1, pending 1, available 0");

        server.gate.open();
        int firstPort = first.get(20, TimeUnit.SECONDS); // 200 expected
        int secondPort = second.get(20, TimeUnit.SECONDS);
        assertThat(secondPort).as("request 2 got request 1's connection").isEqualTo(firstPort);
        Eventually.until("the pool is back to one idle connection", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).as("request 3 never reached the server").isEqualTo(2);
        assertThat(cm.getRoutePool().getCounters().pendingRefused()).isEqualTo(1);
    }

    private static Future<SimpleHttpResponse> execute(CloseableHttpAsyncClient client, String url) {
        return client.execute(SimpleRequestBuilder.get(url).build(), requestTimeout(), null);
    }
}

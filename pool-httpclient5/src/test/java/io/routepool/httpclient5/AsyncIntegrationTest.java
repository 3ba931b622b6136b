package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.asyncClient;
import static io.routepool.httpclient5.Exchanges.asyncGet;
import static io.routepool.httpclient5.Exchanges.port;
import static io.routepool.httpclient5.Exchanges.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The async manager under a real async HttpClient 5 against HttpCore 5's H2ServerBootstrap on 127.0.0.1: HTTP/1.1,
 * HTTP/1.1 over TLS, HTTP/2 in clear text (prior knowledge) and over TLS (ALPN), with and without message
 * multiplexing; a cancelled waiting request, a lease timeout and close. Connection counts are taken server-side.
 */
@Timeout(60)
class AsyncIntegrationTest {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private AsyncServer server(AsyncServer server) {
        closeables.add(server);
        return server;
    }

    private AsyncServer http1() throws Exception {
        return server(AsyncServer.http1());
    }

    private AsyncServer h2c() throws Exception {
        return server(AsyncServer.h2c());
    }

    private AsyncServer tls() throws Exception {
        return server(AsyncServer.tls(Certificates5.get().server));
    }

    /**
     * Sequential GETs, each started once the previous one's connection is back in the pool: the async client
     * completes a response before it releases the connection, so the next request could otherwise race the release
     * and open a second connection (HttpClient's behaviour, whatever the pool).
     */
    private static Set<Integer> sequentialGets(CloseableHttpAsyncClient client, PoolingAsyncClientConnectionManager cm,
            String url, int count) throws Exception {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < count; i++) {
            ports.add(asyncGet(client, url));
            Eventually.until("the connection is back in the pool", () -> cm.getTotalStats().getLeased() == 0);
        }
        return ports;
    }

    private CloseableHttpAsyncClient client(PoolingAsyncClientConnectionManager cm) {
        CloseableHttpAsyncClient client = asyncClient(cm);
        // GRACEFUL: an IMMEDIATE close races the reactor's own termination (ClosedSelectorException logged at ERROR)
        closeables.add(() -> client.close(CloseMode.GRACEFUL));
        return client;
    }

    private static String stats(PoolStats stats) {
        return "leased " + stats.getLeased() + ", pending " + stats.getPending() + ", available "
                + stats.getAvailable();
    }

    /** Typed as users type it: HttpClient's class on the left, routepool's drop-in on the right. */
    @Test
    void http11RequestsReuseOneConnection() throws Exception {
        AsyncServer server = http1();
        PoolingAsyncClientConnectionManager cm = new RoutePoolAsyncClientConnectionManager();
        CloseableHttpAsyncClient client = client(cm);

        Set<Integer> ports = sequentialGets(client, cm, server.url("/hello"), 5);

        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.versions).containsExactly(HttpVersion.HTTP_1_1);
        Eventually.until("the connection is back in the pool", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
        assertThat(cm.getMaxTotal()).isEqualTo(25);
        assertThat(cm.getDefaultMaxPerRoute()).isEqualTo(5);
        assertThat(cm.getRoutes()).containsExactly(server.route());
    }

    @Test
    void http11MaxPerRouteQueuesTheExtraRequest() throws Exception {
        AsyncServer server = http1();
        PoolingAsyncClientConnectionManager cm = Managers.async(10, 2);
        CloseableHttpAsyncClient client = client(cm);

        List<Future<SimpleHttpResponse>> exchanges = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            exchanges.add(start(client, server.url("/gate")));
        }
        Eventually.until("two at the gate, one waiting for the pool", () ->
                server.gateArrived.get() == 2 && cm.getTotalStats().getPending() == 1);
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 2, pending 1, available 0");

        server.openGate();
        Set<Integer> ports = new HashSet<>();
        for (Future<SimpleHttpResponse> f : exchanges) {
            ports.add(port(f));
        }

        assertThat(ports).hasSize(2);
        assertThat(server.accepted.get()).isEqualTo(2);
        Eventually.until("both connections are back in the pool", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 2"));
    }

    @Test
    void http11OverTlsReusesOneConnection() throws Exception {
        AsyncServer server = tls();
        PoolingAsyncClientConnectionManager cm = Managers.asyncSpec().tls(Certificates5.get().client)
                .versionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build();
        CloseableHttpAsyncClient client = client(cm);

        Set<Integer> ports = sequentialGets(client, cm, server.url("/hello"), 4);

        assertThat(server.url("/")).startsWith("https://");
        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.versions).containsExactly(HttpVersion.HTTP_1_1);
        Eventually.until("the connection is back in the pool", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
    }

    /** Without multiplexing an HTTP/2 connection serves one lease at a time, as an HTTP/1.1 one does. */
    @Test
    void h2cWithoutMultiplexingServesConcurrentRequestsWithinMaxPerRoute() throws Exception {
        AsyncServer server = h2c();
        PoolingAsyncClientConnectionManager cm = Managers.asyncSpec().maxTotal(10).maxPerRoute(2)
                .versionPolicy(HttpVersionPolicy.FORCE_HTTP_2).build();
        CloseableHttpAsyncClient client = client(cm);

        List<Future<SimpleHttpResponse>> exchanges = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            exchanges.add(start(client, server.url("/hello")));
        }
        for (Future<SimpleHttpResponse> f : exchanges) {
            assertThat(f.get(20, TimeUnit.SECONDS).getVersion()).isEqualTo(HttpVersion.HTTP_2);
        }

        assertThat(server.versions).containsExactly(HttpVersion.HTTP_2);
        assertThat(server.accepted.get()).isBetween(1, 2);
        Eventually.until("the connections are back in the pool", () -> cm.getTotalStats().getLeased() == 0
                && cm.getTotalStats().getPending() == 0);
        assertThat(cm.getTotalStats().getAvailable()).isBetween(1, 2);
    }

    /**
     * With multiplexing, four requests on a route limited to one connection are in flight together on that one
     * HTTP/2 connection: the server answers none of them until all four have arrived.
     */
    @Test
    void h2cWithMultiplexingRunsConcurrentStreamsOverOneConnection() throws Exception {
        Hc5Features.assumeMessageMultiplexing();
        multiplexes(h2c(), Managers.asyncSpec().maxTotal(10).maxPerRoute(1)
                .versionPolicy(HttpVersionPolicy.FORCE_HTTP_2).messageMultiplexing(true).build());
    }

    @Test
    void h2OverTlsWithAlpnWithMultiplexingRunsConcurrentStreamsOverOneConnection() throws Exception {
        Hc5Features.assumeMessageMultiplexing();
        multiplexes(tls(), Managers.asyncSpec().maxTotal(10).maxPerRoute(1).tls(Certificates5.get().client)
                .versionPolicy(HttpVersionPolicy.NEGOTIATE).messageMultiplexing(true).build());
    }

    private void multiplexes(AsyncServer server, PoolingAsyncClientConnectionManager cm) throws Exception {
        CloseableHttpAsyncClient client = client(cm);
        // an HTTP/2 connection in the pool first: H2SharingConnPool shares a connection once a lease got it
        sequentialGets(client, cm, server.url("/hello"), 1);
        server.barrier = 4;

        List<Future<SimpleHttpResponse>> exchanges = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            exchanges.add(start(client, server.url("/barrier")));
        }
        Set<Integer> ports = new HashSet<>();
        for (Future<SimpleHttpResponse> f : exchanges) {
            SimpleHttpResponse response = f.get(20, TimeUnit.SECONDS);
            assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            ports.add(Integer.parseInt(response.getFirstHeader(ClassicServer.CLIENT_PORT).getValue()));
        }

        assertThat(server.barrierPeak.get()).as("streams in flight together").isEqualTo(4);
        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.versions).containsExactly(HttpVersion.HTTP_2);
        Eventually.until("nothing leased or pending", () -> cm.getTotalStats().getLeased() == 0
                && cm.getTotalStats().getPending() == 0);
    }

    /** ALPN picks h2 when both sides offer it; without multiplexing the connection is reused lease after lease. */
    @Test
    void h2OverTlsIsNegotiatedByAlpnAndReused() throws Exception {
        AsyncServer server = tls();
        PoolingAsyncClientConnectionManager cm = Managers.asyncSpec().tls(Certificates5.get().client)
                .versionPolicy(HttpVersionPolicy.NEGOTIATE).build();
        CloseableHttpAsyncClient client = client(cm);

        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            SimpleHttpResponse response = client.execute(SimpleRequestBuilder.get(server.url("/hello")).build(), null)
                    .get(20, TimeUnit.SECONDS);
            assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            ports.add(Integer.parseInt(response.getFirstHeader(ClassicServer.CLIENT_PORT).getValue()));
            Eventually.until("the connection is back in the pool", () -> cm.getTotalStats().getLeased() == 0);
        }

        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.versions).containsExactly(HttpVersion.HTTP_2);
    }

    @Test
    void cancellingARequestThatWaitsForAConnectionLeavesNothingBehind() throws Exception {
        AsyncServer server = http1();
        PoolingAsyncClientConnectionManager cm = Managers.async(10, 1);
        CloseableHttpAsyncClient client = client(cm);
        Future<SimpleHttpResponse> holder = start(client, server.url("/gate"));
        Eventually.until("the holder at the gate", () -> server.gateArrived.get() == 1);

        Future<SimpleHttpResponse> waiter = start(client, server.url("/hello"));
        Eventually.until("the request waits for the pool", () -> cm.getTotalStats().getPending() == 1);
        assertThat(waiter.cancel(true)).isTrue();

        server.openGate();
        int holderPort = port(holder);
        Eventually.until("the pool is back to one idle connection", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
        assertThat(port(start(client, server.url("/hello")))).isEqualTo(holderPort);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).as("the cancelled request never reached the server").isEqualTo(2);
    }

    @Test
    void aLeaseTimeoutFailsTheRequestWhileTheConnectionIsStillHeld() throws Exception {
        assumeTrue(Managers.ROUTEPOOL, "HttpCore's StrictConnPool fails an async lease's request timeout only when"
                + " it next looks at its queue (a release), not when the timeout passes");
        AsyncServer server = http1();
        PoolingAsyncClientConnectionManager cm = Managers.async(10, 1);
        CloseableHttpAsyncClient client = client(cm);
        Future<SimpleHttpResponse> holder = start(client, server.url("/gate"));
        Eventually.until("the holder at the gate", () -> server.gateArrived.get() == 1);

        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(org.apache.hc.core5.util.Timeout.ofMilliseconds(200)).build());
        long start = System.nanoTime();
        Future<SimpleHttpResponse> waiter = client.execute(SimpleRequestBuilder.get(server.url("/hello")).build(),
                context, null);

        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(Eventually.millisSince(start)).isBetween(150L, 5000L);
        assertThat(holder.isDone()).isFalse();
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 1, pending 0, available 0");

        server.openGate();
        port(holder);
        Eventually.until("the pool is back to one idle connection", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
    }

    @Test
    void closeClosesEveryConnectionAndLaterRequestsFailClearly() throws Exception {
        AsyncServer server = http1();
        PoolingAsyncClientConnectionManager cm = Managers.async(10, 2);
        CloseableHttpAsyncClient client = client(cm);
        Future<SimpleHttpResponse> a = start(client, server.url("/gate"));
        Future<SimpleHttpResponse> b = start(client, server.url("/gate"));
        Eventually.until("two at the gate", () -> server.gateArrived.get() == 2);
        server.openGate();
        port(a);
        port(b);
        Eventually.until("two idle connections", () -> cm.getTotalStats().getAvailable() == 2);

        cm.close(CloseMode.GRACEFUL);

        Eventually.until("the server sees both connections end", () -> server.ended() == 2);
        assertThat(cm.getTotalStats().getAvailable()).isZero();
        assertThatThrownBy(() -> start(client, server.url("/hello")).get(10, TimeUnit.SECONDS))
                .hasStackTraceContaining("shut down");
    }

    /**
     * A connection leased at a graceful close is closed and the server sees it end. The async connection is closed at
     * once, as HttpClient's own pool does (a graceful close of an async I/O session does not wait for its exchange),
     * so the exchange held at the gate fails; the test accepts either outcome of the exchange.
     */
    @Test
    void aConnectionLeasedWhenTheManagerClosesIsClosed() throws Exception {
        AsyncServer server = http1();
        PoolingAsyncClientConnectionManager cm = Managers.async(10, 1);
        CloseableHttpAsyncClient client = client(cm);
        Future<SimpleHttpResponse> holder = start(client, server.url("/gate"));
        Eventually.until("the holder at the gate", () -> server.gateArrived.get() == 1);

        cm.close(CloseMode.GRACEFUL);
        server.openGate();
        try {
            holder.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException cutShort) {
            // HttpClient's own pool closes leased connections at once
        }

        Eventually.until("the server sees the connection end", () -> server.ended() == 1);
        assertThat(cm.getTotalStats().getLeased()).isZero();
    }
}

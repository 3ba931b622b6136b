package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.asyncClient;
import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.EndpointDetails;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pre-warming ({@code setMinIdlePerRoute}, {@code setWarmRoutes}) on both managers, under real HttpClient 5 clients
 * against HttpCore 5's servers on 127.0.0.1: warm connections are made by the managers' own connect (TLS, socket
 * configuration), are counted server-side before any request uses them, and then serve requests without a new
 * connection; warming stays within the limits; a route that cannot be connected backs off and is reported once.
 * Where a test counts connections, the route's limit equals its minIdlePerRoute: warming tops the idle connections up
 * while requests hold some, so only the limit makes the server's count exact.
 */
@org.junit.jupiter.api.Timeout(60)
class WarmingIntegrationTest {

    private static final TimeValue FAST = TimeValue.ofMilliseconds(50);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CapturedLogs diagnostics = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS);
    /** Warnings a test asserted (the one report of a failing route); any other fails the test. */
    private int assertedWarnings;

    @AfterEach
    void stop() throws Exception {
        try {
            threads.shutdownNow();
            for (int i = closeables.size() - 1; i >= 0; i--) {
                closeables.get(i).close();
            }
            assertThat(diagnostics.warnings()).as("diagnostics beyond those the test asserted")
                    .hasSize(assertedWarnings);
        } finally {
            diagnostics.close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private static RoutePoolHttpClientConnectionManagerBuilder classic() {
        return RoutePoolHttpClientConnectionManagerBuilder.create().setDnsResolver(Managers.LOOPBACK)
                .setMaintenanceInterval(FAST);
    }

    private static RoutePoolAsyncClientConnectionManagerBuilder async() {
        return RoutePoolAsyncClientConnectionManagerBuilder.create().setDnsResolver(Managers.LOOPBACK)
                .setMaintenanceInterval(FAST);
    }

    @Test
    void classicAUsedRouteIsKeptWarmAndConcurrentRequestsFindItsConnections() throws Exception {
        ClassicServer server = closing(ClassicServer.start());
        PoolingHttpClientConnectionManager cm = closing(classic().setMaxConnPerRoute(3).setMinIdlePerRoute(3).build());
        CloseableHttpClient client = closing(classicClient(cm));

        get(client, server.url("/hello"));
        Eventually.until("three idle: the used one and two warm", () -> cm.getStats(server.route()).getAvailable() == 3);
        Eventually.until("the server accepted them", () -> server.accepted.get() == 3);

        List<Future<Integer>> exchanges = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        }
        Eventually.until("three requests at the gate", () -> server.gate.arrived.get() == 3);
        assertThat(server.accepted.get()).as("the three ran on the warm connections").isEqualTo(3);
        server.gate.open();
        Set<Integer> ports = new HashSet<>();
        for (Future<Integer> f : exchanges) {
            ports.add(f.get(20, TimeUnit.SECONDS));
        }
        assertThat(ports).hasSize(3);
        assertThat(cm.getTotalStats().getLeased()).isZero();
    }

    @Test
    void classicNamedTlsRoutesAreWarmBeforeAnyRequestWithTheRoutesSocketConfig() throws Exception {
        Certificates5 certificates = Certificates5.get();
        ClassicServer server = closing(ClassicServer.start(certificates.server));
        HttpRoute route = server.route();
        assertThat(route.isSecure()).isTrue();
        PoolingHttpClientConnectionManager cm = closing(classic()
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(certificates.client))
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(Timeout.ofMilliseconds(7_123)).build())
                .setMaxConnPerRoute(2).setMinIdlePerRoute(2)
                .setWarmRoutes(route)
                .build());

        Eventually.until("two warm TLS connections", () -> cm.getStats(route).getAvailable() == 2);
        Eventually.until("the server accepted them", () -> server.accepted.get() == 2);
        assertThat(server.served.get()).as("no request yet").isZero();

        AtomicReference<EndpointDetails> endpoint = new AtomicReference<>();
        CloseableHttpClient client = closing(HttpClients.custom().setConnectionManager(cm).disableAutomaticRetries()
                .addResponseInterceptorFirst((response, entity, context) ->
                        endpoint.set(HttpCoreContext.cast(context).getEndpointDetails()))
                .build());
        get(client, server.url("/hello")); // over TLS: a warm connection without its handshake would fail here
        assertThat(server.accepted.get()).as("the request took a warm connection").isEqualTo(2);
        assertThat(endpoint.get()).isNotNull();
        assertThat(endpoint.get().getSocketTimeout()).as("the route's SocketConfig, applied by the warm connect")
                .isEqualTo(Timeout.ofMilliseconds(7_123));
    }

    @Test
    void classicAWarmConnectionPassesTheStaleChecksBeforeItsFirstRequest() throws Exception {
        ClassicServer server = closing(ClassicServer.start());
        HttpRoute route = server.route();
        RoutePoolHttpClientConnectionManager cm = closing(classic()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setValidateAfterInactivity(TimeValue.ofMilliseconds(1)).build()) // HttpClient's own check
                .setMaxConnPerRoute(1).setMinIdlePerRoute(1).setWarmRoutes(route).build());
        Eventually.until("a warm connection", () -> cm.getStats(route).getAvailable() == 1);
        Eventually.until("the server accepted it", () -> server.accepted.get() == 1);
        // idle past learnIdleClose's exploration floor (100 ms) too: pool-core checks it as well
        Eventually.elapsed(System.nanoTime(), java.time.Duration.ofMillis(150));

        get(closing(classicClient(cm)), server.url("/hello"));
        assertThat(server.accepted.get()).as("the request used the warm connection, checked and found healthy")
                .isEqualTo(1);
        assertThat(cm.getRoutePool().getCounters().staleFound()).isZero();
    }

    @Test
    void classicWarmingStaysWithinTheRouteAndPoolLimits() throws Exception {
        ClassicServer server = closing(ClassicServer.start());
        HttpRoute a = server.route("127.0.0.1");
        HttpRoute b = server.route("localhost");
        HttpRoute c = server.route("warm-c.test");
        AtomicInteger tasks = new AtomicInteger();
        ExecutorService warmer = Executors.newSingleThreadExecutor();
        closeables.add(warmer::shutdownNow);
        PoolingHttpClientConnectionManager cm = closing(classic().setMaxConnPerRoute(2).setMaxConnTotal(5)
                .setMinIdlePerRoute(10).setWarmRoutes(a, b, c)
                .setWarmingExecutor(task -> {
                    tasks.incrementAndGet();
                    warmer.execute(task);
                }).build());

        Eventually.until("the pool full of warm connections", () -> cm.getTotalStats().getAvailable() == 5);
        Eventually.until("the server accepted them", () -> server.accepted.get() == 5);
        for (HttpRoute r : new HttpRoute[] {a, b, c}) {
            assertThat(cm.getStats(r).getAvailable()).as("%s within maxPerRoute", r).isLessThanOrEqualTo(2);
        }
        CloseableHttpClient client = closing(classicClient(cm));
        get(client, server.url("/hello"));
        assertThat(server.accepted.get()).as("five warm, the request took one of them").isEqualTo(5);
        assertThat(cm.getTotalStats().getAvailable() + cm.getTotalStats().getLeased()).isEqualTo(5);
        assertThat(tasks.get()).as("made on the executor given").isBetween(3, 5);
    }

    @Test
    void classicARouteThatCannotBeConnectedBacksOffAndIsReportedOnce() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        AtomicInteger attempts = new AtomicInteger();
        DnsResolver counting = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) {
                attempts.incrementAndGet();
                return new InetAddress[] {InetAddress.getLoopbackAddress()};
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        HttpRoute down = new HttpRoute(new HttpHost("http", "down.test", closedPort));
        PoolingHttpClientConnectionManager cm = closing(classic().setDnsResolver(counting)
                .setMinIdlePerRoute(1).setWarmRoutes(down).build());

        Eventually.until("three connect attempts (1, 2, 4 intervals apart)", () -> attempts.get() >= 3);
        List<String> warnings = diagnostics.warnings();
        assertThat(warnings).as("said once for the run of failures").hasSize(1);
        assertThat(warnings.get(0)).contains("Pre-warming failed", "down.test", "minIdlePerRoute 1");
        Eventually.until("no unit kept between attempts", () -> cm.getStats(down).getLeased() == 0);
        assertThat(cm.getStats(down).getAvailable()).isZero();
        assertedWarnings = 1;
    }

    @Test
    void asyncWarmsAfterTheClientsFirstConnectAndRequestsFindTheWarmConnections() throws Exception {
        AsyncServer server = closing(AsyncServer.http1());
        PoolingAsyncClientConnectionManager cm = closing(async()
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMaxConnPerRoute(3).setMinIdlePerRoute(3).build());
        CloseableHttpAsyncClient client = asyncClient(cm);
        closeables.add(() -> client.close(CloseMode.GRACEFUL));
        // closed first (the list is closed in reverse): the pool stops before the client's reactor closes the
        // sessions, or a maintenance pass in between would take those closes for the server's (learnIdleClose)
        closeables.add(() -> cm.close(CloseMode.IMMEDIATE));

        Exchanges.asyncGet(client, server.url("/hello"));
        Eventually.until("three idle: the used one and two warm", () -> cm.getStats(server.route()).getAvailable() == 3);
        Eventually.until("the server accepted them", () -> server.accepted.get() == 3);

        List<Future<SimpleHttpResponse>> exchanges = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            exchanges.add(Exchanges.start(client, server.url("/gate")));
        }
        Eventually.until("three requests at the gate", () -> server.gateArrived.get() == 3);
        assertThat(server.accepted.get()).as("the three ran on the warm connections").isEqualTo(3);
        server.openGate();
        Set<Integer> ports = new HashSet<>();
        for (Future<SimpleHttpResponse> f : exchanges) {
            ports.add(Exchanges.port(f));
        }
        assertThat(ports).hasSize(3);
        assertThat(server.versions).containsExactly(HttpVersion.HTTP_1_1);
    }

    @Test
    void asyncWarmsNamedTlsRoutesWithTheNegotiatedProtocol() throws Exception {
        Certificates5 certificates = Certificates5.get();
        AsyncServer server = closing(AsyncServer.tls(certificates.server));
        AsyncServer other = closing(AsyncServer.http1());
        HttpRoute route = server.route();
        PoolingAsyncClientConnectionManager cm = closing(async()
                .setTlsStrategy(new DefaultClientTlsStrategy(certificates.client))
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.NEGOTIATE).build())
                .setMaxConnPerRoute(2).setMinIdlePerRoute(2).setWarmRoutes(route).build());
        CloseableHttpAsyncClient client = asyncClient(cm);
        closeables.add(() -> client.close(CloseMode.GRACEFUL));
        // closed first (the list is closed in reverse): the pool stops before the client's reactor closes the
        // sessions, or a maintenance pass in between would take those closes for the server's (learnIdleClose)
        closeables.add(() -> cm.close(CloseMode.IMMEDIATE));

        assertThat(server.accepted.get()).as("no client has connected: no reactor to warm with").isZero();
        // the client's first connect, on another route, hands the manager its reactor
        Exchanges.asyncGet(client, other.url("/hello"));
        Eventually.until("two warm TLS connections", () -> cm.getStats(route).getAvailable() == 2);
        Eventually.until("the server accepted them", () -> server.accepted.get() == 2);
        List<Future<SimpleHttpResponse>> exchanges = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            exchanges.add(Exchanges.start(client, server.url("/gate")));
        }
        Eventually.until("two requests at the gate", () -> server.gateArrived.get() == 2);
        server.openGate();
        for (Future<SimpleHttpResponse> f : exchanges) {
            Exchanges.port(f);
        }
        assertThat(server.accepted.get()).as("both ran on the warm connections").isEqualTo(2);
        assertThat(server.versions).as("ALPN negotiated on the warm connection too").containsExactly(HttpVersion.HTTP_2);
    }

    @Test
    void asyncARouteThatCannotBeConnectedBacksOffAndIsReportedOnce() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        AsyncServer server = closing(AsyncServer.http1());
        HttpRoute down = new HttpRoute(new HttpHost("http", "127.0.0.1", closedPort));
        PoolingAsyncClientConnectionManager cm = closing(async()
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMinIdlePerRoute(1).setWarmRoutes(down).build());
        CloseableHttpAsyncClient client = asyncClient(cm);
        closeables.add(() -> client.close(CloseMode.GRACEFUL));
        // closed first (the list is closed in reverse): the pool stops before the client's reactor closes the
        // sessions, or a maintenance pass in between would take those closes for the server's (learnIdleClose)
        closeables.add(() -> cm.close(CloseMode.IMMEDIATE));

        Exchanges.asyncGet(client, server.url("/hello"));
        String warning = diagnostics.awaitWarning(w -> w.contains("Pre-warming failed"), java.time.Duration.ofSeconds(20));
        assertThat(warning).contains(Integer.toString(closedPort), "minIdlePerRoute 1");
        assertThat(diagnostics.warnings()).hasSize(1);
        Eventually.until("no unit kept between attempts", () -> cm.getStats(down).getLeased() == 0);
        assertThat(cm.getStats(down).getAvailable()).isZero();
        assertedWarnings = 1;
    }

    @Test
    void badWarmingSettingsAreRefusedByName() {
        HttpRoute tunnelled = new HttpRoute(new HttpHost("https", "api.test", 443), null,
                new HttpHost("proxy.test", 8080), true);
        assertThatThrownBy(() -> classic().setWarmRoutes(tunnelled)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tunnelled");
        assertThatThrownBy(() -> async().setWarmRoutes(new HttpRoute(new HttpHost("https", "api.test", 443))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secure");
        assertThatThrownBy(() -> classic().setWarmRoutes(new HttpRoute(new HttpHost("https", "api.test"), null, true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> async().setWarmingExecutor(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmingExecutor");
        assertThatThrownBy(() -> classic().setMinIdlePerRoute(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minIdlePerRoute");
        assertThatThrownBy(() -> classic().setWarmRoutes((HttpRoute) null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> async().setWarmRoutes(new HttpRoute(new HttpHost("http", "a.test", 80))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minIdlePerRoute");
    }
}

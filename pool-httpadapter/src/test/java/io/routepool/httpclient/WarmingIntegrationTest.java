package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.LogRecord;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.apache.http.HttpHost;
import org.apache.http.HttpResponseInterceptor;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.config.Registry;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.DnsResolver;
import org.apache.http.conn.HttpClientConnectionOperator;
import org.apache.http.conn.HttpHostConnectException;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.ManagedHttpClientConnectionFactory;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pre-warming ({@code minIdlePerRoute}, {@code warmRoutes}) through a real HttpClient 4.5 against servers on
 * 127.0.0.1: connections are counted where they are accepted (the server) and recognised by their client port (the
 * server sends it back; the pool's idle connections are read with {@code enumAvailable}), so "a request used a warm
 * connection" means the server saw the request on a connection it had accepted before the request was made.
 */
@Timeout(60)
class WarmingIntegrationTest {

    /** Maps every host name to 127.0.0.1, so that a.test, b.test, ... are distinct routes to one server. */
    private static final DnsResolver LOOPBACK = host -> new InetAddress[] {InetAddress.getLoopbackAddress()};
    private static final Duration FAST = Duration.ofMillis(50);

    @TempDir
    static Path keys;
    private static Certificates certificates;

    /** Closed in reverse order after each test: clients before managers before servers. */
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void generateCertificate() throws Exception {
        certificates = Certificates.generate(keys);
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        Collections.reverse(resources);
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        resources.add(resource);
        return resource;
    }

    private CloseableHttpClient client(RoutePoolConnectionManager cm, HttpResponseInterceptor... interceptors) {
        org.apache.http.impl.client.HttpClientBuilder b = HttpClients.custom()
                .setConnectionManager(cm)
                .disableAutomaticRetries();
        for (HttpResponseInterceptor i : interceptors) {
            b.addInterceptorLast(i);
        }
        return closing(b.build());
    }

    /** GET, read the body; returns the client port the server saw. */
    private static int get(CloseableHttpClient client, String url) throws IOException {
        try (CloseableHttpResponse response = client.execute(new HttpGet(url))) {
            assertThat(response.getStatusLine().getStatusCode()).isEqualTo(200);
            EntityUtils.consume(response.getEntity());
            return Integer.parseInt(response.getFirstHeader(TestServer.CLIENT_PORT).getValue());
        }
    }

    private static int idle(RoutePoolConnectionManager cm, HttpRoute route) {
        return cm.getStats(route).getAvailable();
    }

    /** The idle connections of {@code route} by local port (a snapshot; read only while no request runs). */
    private static Map<Integer, ManagedHttpClientConnection> idleByPort(RoutePoolConnectionManager cm, HttpRoute route) {
        Map<Integer, ManagedHttpClientConnection> byPort = new HashMap<>();
        cm.enumAvailable(e -> {
            if (e.getRoute().equals(route)) {
                byPort.put(e.getConnection().getLocalPort(), e.getConnection());
            }
        });
        return byPort;
    }

    /**
     * The {@code n} idle connections of {@code route} by local port, waiting for a snapshot that lists them all: the
     * half-close probe takes an idle connection out of the pool for the moment of its check, and a snapshot taken then
     * misses it.
     */
    private static Map<Integer, ManagedHttpClientConnection> idleByPort(RoutePoolConnectionManager cm, HttpRoute route,
            int n) {
        List<Map<Integer, ManagedHttpClientConnection>> last = new ArrayList<>(List.of(Map.of()));
        Await.until("a snapshot lists the " + n + " idle connections of " + route, () -> {
            last.set(0, idleByPort(cm, route));
            return last.get(0).size() == n;
        });
        return last.get(0);
    }

    private static ManagedHttpClientConnection leasedConnection(org.apache.http.protocol.HttpContext context) {
        return HttpClientContext.adapt(context).getConnection(ManagedHttpClientConnection.class);
    }

    // ------------------------------------------------------------------ (a) used routes

    @Test
    void aRouteUsedOnceIsWarmedAndTheNextConcurrentRequestsOpenNoConnection() throws Exception {
        int n = 3;
        CountDownLatch allIn = new CountDownLatch(n);
        CountDownLatch answer = new CountDownLatch(1);
        TestServer server = closing(TestServer.start(Map.of("/together", (request, response, context) -> {
            allIn.countDown(); // n requests in the server at once: n connections leased at once
            try {
                if (!answer.await(20, TimeUnit.SECONDS)) {
                    throw new IOException("the test did not let the requests go on");
                }
            } catch (InterruptedException ex) {
                throw new InterruptedIOException();
            }
            response.setEntity(new StringEntity("together", StandardCharsets.UTF_8));
        })));
        HttpRoute route = server.route();
        // maxPerRoute n: while the n requests run, no further connection may be warmed, so every count below is exact
        RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                .defaultMaxPerRoute(n).minIdlePerRoute(n).maintenanceInterval(FAST).build());
        CloseableHttpClient client = client(cm);

        get(client, server.url("/hello")); // the route's first request: now it is used, and warmed
        // the server counts a connection when it accepts it, which may be after the client's connect returned
        Await.until("the used route has " + n + " idle connections, all accepted",
                () -> idle(cm, route) == n && server.accepted.get() == n);
        assertThat(cm.getStats(route).getLeased()).as("no warm connect in flight").isZero();
        Set<Integer> warm = idleByPort(cm, route, n).keySet();

        List<Future<Integer>> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(threads.submit(() -> get(client, server.url("/together"))));
        }
        assertThat(allIn.await(20, TimeUnit.SECONDS)).as("%s requests in the server at once", n).isTrue();
        answer.countDown();
        Set<Integer> used = new HashSet<>();
        for (Future<Integer> f : requests) {
            used.add(f.get(20, TimeUnit.SECONDS));
        }
        assertThat(used).as("each request sent on an idle connection that was open before it").isEqualTo(warm);
        assertThat(server.accepted.get()).as("no request opened a connection").isEqualTo(n);
        // the warm connections were released for reuse: their route was complete
        Await.until("the warm connections are idle again", () -> idle(cm, route) == n);
        assertThat(idleByPort(cm, route, n).keySet()).isEqualTo(warm);
        assertThat(server.ended.get()).isZero();
    }

    // ------------------------------------------------------------------ (b) named routes

    @Test
    void namedRoutesAreWarmBeforeAnyRequestAndRequestsUseThoseConnections() throws Exception {
        TestServer server = closing(TestServer.start());
        HttpRoute a = server.route();
        HttpRoute b = server.route("b.test");
        RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                .dnsResolver(LOOPBACK)
                .minIdlePerRoute(2)
                .warmRoutes(a, b)
                .maintenanceInterval(FAST)
                .build());
        Await.until("both named routes have 2 idle connections, all accepted",
                () -> idle(cm, a) == 2 && idle(cm, b) == 2 && server.accepted.get() == 4);
        assertThat(server.served.get()).as("no request was made").isZero();
        assertThat(cm.getRoutes()).containsExactlyInAnyOrder(a, b);
        Set<Integer> warmA = idleByPort(cm, a, 2).keySet();
        Set<Integer> warmB = idleByPort(cm, b, 2).keySet();

        CloseableHttpClient client = client(cm);
        assertThat(get(client, server.url("/hello"))).isIn(warmA);
        assertThat(get(client, "http://b.test:" + server.port() + "/hello")).isIn(warmB);
        assertThat(server.accepted.get()).as("both requests found a connection open").isEqualTo(4);
        assertThat(cm.getCounters().created()).isEqualTo(4);
    }

    // ------------------------------------------------------------------ (c) limits

    @Test
    void warmingNeverExceedsMaxPerRouteOrMaxTotal() throws Exception {
        TestServer server = closing(TestServer.start());
        HttpRoute a = server.route("a.test");
        HttpRoute b = server.route("b.test");
        HttpRoute c = server.route("c.test");
        ThreadPoolExecutor warmers = new ThreadPoolExecutor(3, 3, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>());
        closing(warmers::shutdownNow);
        // each route wants 3 idle but may hold 2; the pool holds 5 of the 6 that would allow
        RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                .dnsResolver(LOOPBACK)
                .maxTotal(5)
                .defaultMaxPerRoute(2)
                .minIdlePerRoute(3)
                .warmRoutes(a, b, c)
                .warmingExecutor(warmers)
                .maintenanceInterval(FAST)
                .build());
        Await.until("the pool is full of idle connections, all accepted",
                () -> cm.getTotalStats().getAvailable() == 5 && server.accepted.get() == 5);
        for (int i = 0; i < 5; i++) {
            cm.runMaintenance(); // passes that find the limits reached
        }
        Await.until("no warming task runs or waits",
                () -> warmers.getActiveCount() == 0 && warmers.getQueue().isEmpty());
        assertThat(warmers.getCompletedTaskCount()).as("warming ran on the given executor").isPositive();
        List<Integer> perRoute = List.of(idle(cm, a), idle(cm, b), idle(cm, c));
        assertThat(perRoute).as("idle per route").allSatisfy(k -> assertThat(k).isBetween(1, 2));
        assertThat(perRoute.stream().mapToInt(Integer::intValue).sum()).isEqualTo(5);
        assertThat(cm.getTotalStats().getLeased()).isZero();
        // every connection ever made was accepted and none was closed: none was made beyond the limits and dropped
        assertThat(server.accepted.get()).isEqualTo(5);
        assertThat(server.ended.get()).isZero();
    }

    // ------------------------------------------------------------------ (d) https

    @Test
    void aNamedSecureRouteIsWarmedThroughTheHandshakeAndARequestUsesItWithoutAnother() throws Exception {
        TestServer server = closing(TestServer.start(Map.of(), certificates.server));
        AtomicInteger handshakes = new AtomicInteger();
        SSLConnectionSocketFactory tls = new SSLConnectionSocketFactory(certificates.client) {
            @Override
            protected void prepareSocket(SSLSocket socket) {
                socket.addHandshakeCompletedListener(event -> handshakes.incrementAndGet());
            }
        };
        Registry<ConnectionSocketFactory> registry = RegistryBuilder.<ConnectionSocketFactory>create()
                .register("http", PlainConnectionSocketFactory.getSocketFactory())
                .register("https", tls)
                .build();
        HttpRoute route = server.route();
        assertThat(route.isSecure()).isTrue();
        RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                .socketFactoryRegistry(registry)
                .minIdlePerRoute(1)
                .warmRoutes(route)
                .maintenanceInterval(FAST)
                .build());
        Await.until("a warm connection whose TLS handshake completed",
                () -> idle(cm, route) == 1 && handshakes.get() == 1 && server.accepted.get() == 1);
        Map<Integer, ManagedHttpClientConnection> warm = idleByPort(cm, route, 1);
        int warmPort = warm.keySet().iterator().next();
        SSLSession warmSession = warm.get(warmPort).getSSLSession(); // the handshake is done: no I/O
        assertThat(warmSession.getProtocol()).startsWith("TLS");

        List<SSLSession> sessions = new CopyOnWriteArrayList<>();
        CloseableHttpClient client = client(cm,
                (response, context) -> sessions.add(leasedConnection(context).getSSLSession()));
        assertThat(get(client, server.url("/hello"))).as("the request's client port").isEqualTo(warmPort);
        assertThat(sessions).containsExactly(warmSession);
        assertThat(server.accepted.get()).as("no new connection").isEqualTo(1);
        assertThat(handshakes.get()).as("no new handshake").isEqualTo(1);
    }

    // ------------------------------------------------------------------ (e) socket config

    @Test
    void theFirstHopsSocketConfigIsAppliedToWarmConnections() throws Exception {
        TestServer server = closing(TestServer.start());
        HttpRoute configured = server.route();
        HttpRoute plain = server.route("plain.test");
        RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                .dnsResolver(LOOPBACK)
                .minIdlePerRoute(1)
                .warmRoutes(configured, plain)
                .maintenanceInterval(Duration.ZERO) // warmed by the runMaintenance below, after the config is set
                .build());
        // per host, set after the manager was built: resolved when the warm connection is connected
        cm.setSocketConfig(configured.getTargetHost(),
                SocketConfig.custom().setSoTimeout(4321).setSoKeepAlive(true).build());
        cm.runMaintenance();
        Await.until("both routes warm, all accepted",
                () -> idle(cm, configured) == 1 && idle(cm, plain) == 1 && server.accepted.get() == 2);

        ManagedHttpClientConnection warm = idleByPort(cm, configured, 1).values().iterator().next();
        assertThat(warm.getSocketTimeout()).isEqualTo(4321);
        assertThat(warm.getSocket().getKeepAlive()).as("SO_KEEPALIVE, set only when the socket is connected").isTrue();
        ManagedHttpClientConnection other = idleByPort(cm, plain, 1).values().iterator().next();
        assertThat(other.getSocketTimeout()).as("the other host: SocketConfig.DEFAULT").isZero();
        assertThat(other.getSocket().getKeepAlive()).isFalse();

        // the request's connection is that one, as it was connected
        List<Boolean> keepAlive = new CopyOnWriteArrayList<>();
        List<Integer> soTimeout = new CopyOnWriteArrayList<>();
        CloseableHttpClient client = client(cm, (response, context) -> {
            keepAlive.add(leasedConnection(context).getSocket().getKeepAlive());
            soTimeout.add(leasedConnection(context).getSocketTimeout());
        });
        assertThat(get(client, server.url("/hello"))).isEqualTo(warm.getLocalPort());
        assertThat(keepAlive).containsExactly(true);
        assertThat(soTimeout).containsExactly(4321);
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ stale checks before the first request

    @Test
    void aWarmConnectionPassesThePoolsStaleChecksBeforeItsFirstRequest() throws Exception {
        TestServer server = closing(TestServer.start());
        HttpRoute route = server.route();
        try (CapturedReports reports = CapturedReports.start()) {
            RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                    .minIdlePerRoute(1)
                    .defaultMaxPerRoute(1) // no second one warmed while the request holds it
                    .warmRoutes(route)
                    .validateAfterInactivity(Duration.ofMillis(1)) // the lease stale-checks it
                    .maintenanceInterval(FAST) // and so does the half-close probe, every pass
                    .build());
            Await.until("a warm connection, accepted", () -> idle(cm, route) == 1 && server.accepted.get() == 1);
            int warmPort = idleByPort(cm, route, 1).keySet().iterator().next();
            // idle beyond validateAfterInactivity and learnIdleClose's 100 ms, through several maintenance passes
            Await.elapsed(System.nanoTime(), 300);
            CloseableHttpClient client = client(cm);
            assertThat(get(client, server.url("/hello"))).isEqualTo(warmPort);
            assertThat(cm.getCounters().staleFound()).as("found healthy by every check").isZero();
            assertThat(cm.getCounters().closed()).isZero();
            assertThat(server.accepted.get()).isEqualTo(1);
            assertThat(reports.warnings()).as("no idle close learned from a healthy connection").isEmpty();
        }
    }

    // ------------------------------------------------------------------ (f) failures

    @Test
    void anUnreachableNamedRouteIsWarnedOnceBacksOffAndLosesNoCapacity() throws Exception {
        TestServer server = closing(TestServer.start());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        HttpRoute dead = new HttpRoute(new HttpHost("dead.test", closedPort, "http"));
        List<Long> attempts = new CopyOnWriteArrayList<>(); // nanoTime of each warm connect to the dead route
        DnsResolver counting = host -> {
            if (host.equals("dead.test")) {
                attempts.add(System.nanoTime());
            }
            return LOOPBACK.resolve(host);
        };
        try (CapturedReports reports = CapturedReports.start()) {
            RoutePoolConnectionManager cm = closing(RoutePoolConnectionManager.builder()
                    .dnsResolver(counting)
                    .maxTotal(1) // the dead route's attempts hold the pool's only unit while they run
                    .minIdlePerRoute(1)
                    .warmRoutes(dead)
                    .maintenanceInterval(FAST)
                    .build());
            Await.until("four failed attempts", () -> attempts.size() >= 4);
            Await.until("no attempt in flight", () -> cm.getStats(dead).getLeased() == 0);

            List<LogRecord> warned = reports.warningRecords("Pre-warming failed", dead.toString());
            assertThat(warned).as("the first failure, said once").hasSize(1);
            assertThat(warned.get(0).getMessage()).contains("Connection refused");
            assertThat(warned.get(0).getThrown()).isInstanceOf(HttpHostConnectException.class);
            assertThat(reports.warnings()).as("the later failures are not warned").hasSize(1);
            // the backoff: one interval after the first failure, doubling (lower bounds, whatever the machine's load)
            for (int k = 0; k < 3; k++) {
                long gap = attempts.get(k + 1) - attempts.get(k);
                assertThat(gap).as("gap after failure %s", k + 1).isGreaterThanOrEqualTo(FAST.toNanos() << k);
            }

            assertThat(cm.getStats(dead).getAvailable()).isZero();
            assertThat(cm.getTotalStats().getLeased()).as("no unit lost").isZero();
            CloseableHttpClient client = client(cm);
            get(client, server.url("/hello")); // the pool's one unit serves another route
            assertThat(cm.getTotalStats().getLeased()).isZero();
            assertThat(reports.warnings()).hasSize(1);
        }
    }

    // ------------------------------------------------------------------ (g) what is refused

    @Test
    void warmRoutesRefusesRoutesNoRequestCouldUseOrThatCannotBeWarmed() {
        HttpHost proxy = new HttpHost("proxy.test", 3128, "http");
        HttpHost https = new HttpHost("api.test", 443, "https");
        HttpRoute tunnelled = new HttpRoute(https, null, proxy, true);
        assertThat(tunnelled.isTunnelled()).isTrue();
        RoutePoolConnectionManager.Builder b = RoutePoolConnectionManager.builder();
        assertThatThrownBy(() -> b.warmRoutes(tunnelled))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmRoutes")
                .hasMessageContaining(tunnelled.toString())
                .hasMessageContaining("tunnelled through proxy " + proxy);
        assertThatThrownBy(() -> b.warmRoutes(new HttpRoute(https, null, false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("https target but is not secure");
        // HttpRoute gives http and https targets their default port; another scheme's is the route planner's to resolve
        assertThat(new HttpRoute(new HttpHost("api.test", -1, "http")).getTargetHost().getPort()).isEqualTo(80);
        assertThatThrownBy(() -> b.warmRoutes(new HttpRoute(new HttpHost("api.test", -1, "custom"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no target port");
        assertThatThrownBy(() -> b.warmRoutes((HttpRoute[]) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("warmRoutes must not be null");
        assertThatThrownBy(() -> b.warmRoutes((java.util.Collection<HttpRoute>) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("warmRoutes must not be null");
        HttpRoute fine = new HttpRoute(new HttpHost("api.test", 80, "http"));
        assertThatThrownBy(() -> b.warmRoutes(fine, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not contain null");
        // all or none: the good route before the refused one was not kept, so build() has no route to complain of
        assertThatThrownBy(() -> b.warmRoutes(fine, tunnelled)).isInstanceOf(IllegalArgumentException.class);
        b.build().close();
        // a proxied plain route is not tunnelled: it is accepted
        b.warmRoutes(new HttpRoute(new HttpHost("api.test", 80, "http"), null, proxy, false));
    }

    @Test
    void theBuilderRefusesBadPreWarmingOptionsNamingThem() {
        HttpRoute route = new HttpRoute(new HttpHost("api.test", 80, "http"));
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().warmRoutes(route).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("warmRoutes names 1 route(s) [" + route + "]")
                .hasMessageContaining("minIdlePerRoute is 0");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().minIdlePerRoute(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minIdlePerRoute must be 0 (off) or positive, was -1");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().warmConnectTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("warmConnectTimeout must be positive, was PT0S");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().warmConnectTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warmConnectTimeout");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().warmConnectTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("warmConnectTimeout");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().warmingExecutor(null))
                .isInstanceOf(NullPointerException.class).hasMessage("warmingExecutor");
        assertThat(RoutePoolConnectionManager.builder().warmConnectTimeout(Duration.ofNanos(1)).warmConnectTimeoutMillis())
                .as("rounded up").isEqualTo(1);
        assertThat(RoutePoolConnectionManager.builder().warmConnectTimeoutMillis())
                .isEqualTo((int) RoutePoolConnectionManager.Builder.DEFAULT_WARM_CONNECT_TIMEOUT.toMillis());
        assertThat(RoutePoolConnectionManager.builder().warmConnectTimeout(Duration.ofDays(365)).warmConnectTimeoutMillis())
                .isEqualTo(Integer.MAX_VALUE);
    }

    // ------------------------------------------------------------------ createIdle itself

    /**
     * An operator that records its calls and connects to {@code peer} (a socket no one serves: the kernel completes the
     * TCP handshake), or fails as told.
     */
    private static final class RecordingOperator implements HttpClientConnectionOperator {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final ServerSocket peer;
        volatile IOException failure;

        RecordingOperator(ServerSocket peer) {
            this.peer = peer;
        }

        @Override
        public void connect(ManagedHttpClientConnection conn, HttpHost host, InetSocketAddress localAddress,
                int connectTimeout, SocketConfig socketConfig, org.apache.http.protocol.HttpContext context)
                throws IOException {
            calls.add("connect " + host + " from " + localAddress + " timeout " + connectTimeout + " soTimeout "
                    + socketConfig.getSoTimeout());
            if (failure != null) {
                throw failure;
            }
            java.net.Socket socket = new java.net.Socket();
            socket.connect(peer.getLocalSocketAddress(), 5_000);
            conn.bind(socket);
        }

        @Override
        public void upgrade(ManagedHttpClientConnection conn, HttpHost host, org.apache.http.protocol.HttpContext context) {
            calls.add("upgrade " + host);
        }
    }

    /** A connection that records {@code shutdown} and {@code close} and otherwise is HttpClient's default. */
    private static ManagedHttpClientConnection recording(ManagedHttpClientConnection real, List<String> calls) {
        return (ManagedHttpClientConnection) Proxy.newProxyInstance(WarmingIntegrationTest.class.getClassLoader(),
                new Class<?>[] {ManagedHttpClientConnection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("shutdown") || method.getName().equals("close")) {
                        calls.add(method.getName());
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                });
    }

    @Test
    void createIdleConnectsTheFirstHopAndMarksTheRouteCompleteButLeavesTunnelsToTheRequest() throws Exception {
        ServerSocket peer = closing(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        RecordingOperator operator = new RecordingOperator(peer);
        List<String> connectionCalls = new CopyOnWriteArrayList<>();
        ConfigData config = new ConfigData();
        HttpHost proxy = new HttpHost("proxy.test", 3128, "http");
        config.setSocketConfig(proxy, SocketConfig.custom().setSoTimeout(1234).build());
        InternalConnectionFactory factory = new InternalConnectionFactory(config,
                (route, cc) -> recording(ManagedHttpClientConnectionFactory.INSTANCE.create(route, cc), connectionCalls),
                new RouteConnector(operator, config), 777);
        InetAddress local = InetAddress.getLoopbackAddress();

        HttpRoute tunnelled = new HttpRoute(new HttpHost("api.test", 443, "https"), local, proxy, true);
        assertThat(factory.createIdle(tunnelled)).as("the request makes the tunnel").isNull();
        assertThat(operator.calls).isEmpty();

        HttpRoute viaProxy = new HttpRoute(new HttpHost("api.test", 80, "http"), local, proxy, false);
        PooledConnection made = factory.createIdle(viaProxy);
        assertThat(made).isNotNull();
        assertThat(made.isRouteComplete()).isTrue();
        assertThat(operator.calls).containsExactly(
                "connect " + proxy + " from " + new InetSocketAddress(local, 0) + " timeout 777 soTimeout 1234");
        assertThat(connectionCalls).isEmpty();
        assertThat(made.connection.isOpen()).isTrue();
        assertThat(made.connection.getSocketTimeout()).as("the socket config's").isEqualTo(1234);
        assertThat(made.connection.isStale()).as("a stale check works on it, and finds it open").isFalse();
        made.connection.shutdown();
        connectionCalls.clear();

        operator.failure = new java.net.ConnectException("refused by the test");
        assertThatThrownBy(() -> factory.createIdle(viaProxy)).isSameAs(operator.failure);
        assertThat(connectionCalls).as("the half-made connection is shut down").containsExactly("shutdown");
    }
}

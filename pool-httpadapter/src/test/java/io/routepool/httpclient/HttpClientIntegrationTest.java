package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.httpcomponents.PoolingHttpClientConnectionManagerMetricsBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.http.HttpConnection;
import org.apache.http.HttpHost;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.conn.DnsResolver;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.ConnectionShutdownException;
import org.apache.http.impl.execchain.RequestAbortedException;
import org.apache.http.protocol.HttpContext;
import org.apache.http.protocol.HttpRequestHandler;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RoutePoolConnectionManager} under a real HttpClient 4.5 ({@code HttpClientBuilder.setConnectionManager})
 * against HttpCore's {@code ServerBootstrap} on 127.0.0.1. Connection counts are taken server-side.
 */
@Timeout(30)
class HttpClientIntegrationTest {

    /** Maps every host name to 127.0.0.1, so that a.test, b.test, ... are distinct routes to one server. */
    private static final DnsResolver LOOPBACK = host -> new InetAddress[] {InetAddress.getLoopbackAddress()};

    private final Gate gate = new Gate();
    private TestServer server;
    private final List<CloseableHttpClient> clients = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start(Map.of(
                "/gate", gate,
                "/ka1", (request, response, context) -> {
                    response.setHeader("Keep-Alive", "timeout=1");
                    response.setEntity(new StringEntity("ka", StandardCharsets.UTF_8));
                }));
    }

    @AfterEach
    void stop() throws IOException {
        gate.open.countDown();
        threads.shutdownNow();
        for (CloseableHttpClient c : clients) {
            c.close();
        }
        server.close();
    }

    private RoutePoolConnectionManager manager() {
        return RoutePoolConnectionManager.builder().dnsResolver(LOOPBACK).build();
    }

    private CloseableHttpClient client(RoutePoolConnectionManager cm) {
        return client(HttpClients.custom().setConnectionManager(cm));
    }

    private CloseableHttpClient client(HttpClientBuilder builder) {
        CloseableHttpClient c = builder.disableAutomaticRetries().build();
        clients.add(c);
        return c;
    }

    /** GET, read the body; returns the client port the server saw. */
    private static int get(CloseableHttpClient client, String url) throws IOException {
        return get(client, url, HttpClientContext.create());
    }

    private static int get(CloseableHttpClient client, String url, HttpClientContext context) throws IOException {
        try (CloseableHttpResponse response = client.execute(new HttpGet(url), context)) {
            assertThat(response.getStatusLine().getStatusCode()).isEqualTo(200);
            EntityUtils.consume(response.getEntity());
            return clientPort(response);
        }
    }

    private static int clientPort(CloseableHttpResponse response) {
        return Integer.parseInt(response.getFirstHeader(TestServer.CLIENT_PORT).getValue());
    }

    private static RequestConfig requestTimeout(int ms) {
        return RequestConfig.custom().setConnectionRequestTimeout(ms).build();
    }

    // ---------------------------------------------------------------- reuse and counts

    @Test
    void keepAliveReusesOneConnectionAndDetachesTheHandleAfterRelease() throws IOException {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(cm);
        Set<Integer> ports = new HashSet<>();
        HttpClientContext context = HttpClientContext.create();
        for (int i = 0; i < 5; i++) {
            context = HttpClientContext.create();
            ports.add(get(client, server.url("/hello"), context));
        }
        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).isEqualTo(5);
        assertThat(cm.getStats(server.route()).toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 2]");
        HttpConnection handle = context.getConnection();
        assertThat(handle.isOpen()).isFalse();
        assertThatThrownBy(handle::getSocketTimeout).isInstanceOf(ConnectionShutdownException.class);
    }

    @Test
    void maxUsesPerConnectionClosesAConnectionAfterItsThirdRequest() throws IOException {
        RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder().dnsResolver(LOOPBACK).maxUsesPerConnection(3).build();
        CloseableHttpClient client = client(cm);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ports.add(get(client, server.url("/hello")));
        }
        assertThat(server.accepted.get()).isEqualTo(3);
        assertThat(ports.subList(0, 3)).containsOnly(ports.get(0));
        assertThat(ports.subList(3, 6)).containsOnly(ports.get(3));
        assertThat(new HashSet<>(ports)).hasSize(3);
        Await.until("the server saw the two used-up connections end", () -> server.ended.get() == 2);
        assertThat(cm.getStats(server.route()).toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 2]");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().maxUsesPerConnection(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxUsesPerConnection must be 0 (no limit) or positive, was -1");
    }

    @Test
    void timeToLiveJitterSpreadsTheLifetimesOfConnectionsMadeTogether() throws Exception {
        RoutePoolConnectionManager.Builder b = RoutePoolConnectionManager.builder().dnsResolver(LOOPBACK)
                .maxTotal(50).defaultMaxPerRoute(50).timeToLive(Duration.ofMinutes(10)).timeToLiveJitter(0.5);
        try (io.routepool.core.KeyedPool<HttpRoute, PooledConnection> pool = b.buildPool(new InternalConnectionFactory(new ConfigData(), null, null, 1))) {
            Set<Long> lives = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                io.routepool.core.PoolEntry<HttpRoute, PooledConnection> e = pool.lease(server.route(), null, 0, TimeUnit.SECONDS);
                long life = e.validityDeadlineNanos() - e.createdNanos();
                assertThat(life).isGreaterThan(Duration.ofMinutes(5).toNanos()).isLessThanOrEqualTo(Duration.ofMinutes(10).toNanos());
                lives.add(life);
            }
            assertThat(lives).as("lifetimes drawn at random").hasSizeGreaterThan(40);
        }
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().timeToLiveJitter(1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeToLiveJitter must be at least 0 and below 1 (a fraction of the time to live), was 1.0");
    }

    @Test
    void maxPendingPerRouteFailsTheRequestBeyondTheCapAtOnce() throws Exception {
        RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder().dnsResolver(LOOPBACK)
                .defaultMaxPerRoute(1).maxPendingPerRoute(1).build();
        CloseableHttpClient client = client(cm);
        Future<Integer> inFlight = threads.submit(() -> get(client, server.url("/gate")));
        Await.until("the first request holds the route's one connection", () -> gate.inFlight.get() == 1);
        Future<Integer> waiting = threads.submit(() -> get(client, server.url("/hello")));
        Await.until("the second waits for it", () -> cm.getStats(server.route()).getPending() == 1);

        assertThatThrownBy(() -> get(client, server.url("/hello")))
                .isInstanceOf(org.apache.http.conn.ConnectionPoolTimeoutException.class)
                .hasMessageContaining("Lease refused at once by pool")
                .hasMessageContaining("maxPendingPerRoute 1 leases already wait on the route");
        assertThat(cm.getStats(server.route()).toString()).isEqualTo("[leased: 1; pending: 1; available: 0; max: 1]");

        gate.open.countDown();
        int port = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).as("the waiter got the same connection").isEqualTo(port);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(cm.getStats(server.route()).toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 1]");
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().maxPending(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPending must be 0 (no limit) or positive, was -1");
    }

    @Test
    void shutdownWithAGraceLetsTheRequestInFlightFinishAndRefusesNewOnes() throws Exception {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(cm);
        Future<Integer> inFlight = threads.submit(() -> get(client, server.url("/gate")));
        Await.until("a request in flight", () -> gate.inFlight.get() == 1);
        get(client, server.url("/hello")); // on a second connection, then idle
        Future<Boolean> draining = threads.submit(() -> cm.shutdown(Duration.ofSeconds(30)));
        Await.until("the idle connection closed", () -> server.ended.get() == 1);
        assertThatThrownBy(() -> get(client, server.url("/hello"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
        assertThat(draining).isNotDone();
        gate.open.countDown();
        inFlight.get(10, TimeUnit.SECONDS); // 200, its body read
        assertThat(draining.get(10, TimeUnit.SECONDS)).as("drained within the grace").isTrue();
        Await.until("the server saw both connections end", () -> server.ended.get() == 2);
    }

    @Test
    void shutdownWithAGraceShutsWhatIsStillInFlightWhenItEnds() throws Exception {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(cm);
        Future<Integer> inFlight = threads.submit(() -> get(client, server.url("/gate")));
        Await.until("a request in flight", () -> gate.inFlight.get() == 1);
        assertThat(cm.shutdown(Duration.ofMillis(50))).isFalse();
        assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> cm.shutdown(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("grace must be >= 0 (0 = no wait), was PT-1S");
    }

    @Test
    void threadsTimesRequestsExactCounts() throws Exception {
        int threadCount = 8;
        int perThread = 50;
        RoutePoolConnectionManager cm = manager();
        cm.setDefaultMaxPerRoute(4);
        CloseableHttpClient client = client(cm);
        AtomicInteger ok = new AtomicInteger();
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            done.add(threads.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    try (CloseableHttpResponse response = client.execute(new HttpGet(server.url("/hello")))) {
                        assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("hello");
                        ports.add(clientPort(response));
                        ok.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(20, TimeUnit.SECONDS);
        }
        assertThat(ok.get()).isEqualTo(threadCount * perThread);
        assertThat(server.served.get()).isEqualTo(threadCount * perThread);
        assertThat(server.accepted.get()).isBetween(1, 4);
        assertThat(ports).hasSize(server.accepted.get());
        assertThat(server.ended.get()).isZero();
        org.apache.http.pool.PoolStats total = cm.getTotalStats();
        assertThat(total.getLeased()).isZero();
        assertThat(total.getPending()).isZero();
        assertThat(total.getAvailable()).isEqualTo(server.accepted.get());
    }

    /** A handler that holds every request until opened, counting requests in flight per Host header. */
    static final class Gate implements HttpRequestHandler {
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final Map<String, AtomicInteger> inFlightByHost = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> maxByHost = new ConcurrentHashMap<>();

        @Override
        public void handle(org.apache.http.HttpRequest request, org.apache.http.HttpResponse response,
                           org.apache.http.protocol.HttpContext context) throws IOException {
            String host = request.getFirstHeader("Host").getValue().replaceFirst(":.*", "");
            AtomicInteger byHost = inFlightByHost.computeIfAbsent(host, h -> new AtomicInteger());
            AtomicInteger maxHost = maxByHost.computeIfAbsent(host, h -> new AtomicInteger());
            maxHost.accumulateAndGet(byHost.incrementAndGet(), Math::max);
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (!open.await(20, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } finally {
                byHost.decrementAndGet();
                inFlight.decrementAndGet();
            }
            response.setEntity(new StringEntity("passed", StandardCharsets.UTF_8));
        }

        int inFlight(String host) {
            AtomicInteger n = inFlightByHost.get(host);
            return n == null ? 0 : n.get();
        }
    }

    @Test
    void perRouteAndTotalLimitsHoldUnderLoad() throws Exception {
        RoutePoolConnectionManager cm = manager();
        cm.setMaxTotal(3);
        cm.setDefaultMaxPerRoute(2);
        CloseableHttpClient client = client(cm);
        List<Future<Integer>> done = new ArrayList<>();
        for (String host : new String[] {"a.test", "b.test"}) {
            for (int i = 0; i < 4; i++) {
                done.add(threads.submit(() -> get(client, server.host(host).toURI() + "/gate")));
            }
        }
        Await.until("3 requests in flight and 5 waiting",
                () -> gate.inFlight.get() == 3 && cm.getTotalStats().getPending() == 5);
        assertThat(gate.inFlight("a.test")).isBetween(1, 2);
        assertThat(gate.inFlight("b.test")).isBetween(1, 2);
        assertThat(cm.getTotalStats().getLeased()).isEqualTo(3);
        gate.open.countDown();
        for (Future<Integer> f : done) {
            f.get(20, TimeUnit.SECONDS);
        }
        assertThat(server.served.get()).isEqualTo(8);
        assertThat(gate.maxInFlight.get()).isEqualTo(3);
        assertThat(gate.maxByHost.get("a.test").get()).isLessThanOrEqualTo(2);
        assertThat(gate.maxByHost.get("b.test").get()).isLessThanOrEqualTo(2);
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getPending()).isZero();
        assertThat(cm.getTotalStats().getAvailable()).isBetween(1, 3);
    }

    @Test
    void routesCompeteForMaxTotalAndTheLeastRecentlyUsedIdleConnectionIsEvicted() throws Exception {
        RoutePoolConnectionManager cm = manager();
        cm.setMaxTotal(2);
        CloseableHttpClient client = client(cm);
        HttpRoute a = server.route("a.test");
        HttpRoute b = server.route("b.test");
        HttpRoute c = server.route("c.test");
        try (CloseableHttpResponse r1 = client.execute(new HttpGet(server.host("a.test").toURI() + "/hello"));
             CloseableHttpResponse r2 = client.execute(new HttpGet(server.host("a.test").toURI() + "/hello"))) {
            EntityUtils.consume(r1.getEntity());
            EntityUtils.consume(r2.getEntity());
        }
        assertThat(cm.getStats(a).getAvailable()).isEqualTo(2);

        // b.test: the pool is full of idle a.test connections; the least recently used one makes room
        get(client, server.host("b.test").toURI() + "/hello");
        assertThat(cm.getStats(a).getAvailable()).isEqualTo(1);
        assertThat(cm.getStats(b).getAvailable()).isEqualTo(1);
        assertThat(server.accepted.get()).isEqualTo(3);
        Await.until("the evicted connection ends", () -> server.ended.get() == 1);

        // both leased: c.test waits for maxTotal, then takes the room a release makes
        CloseableHttpResponse heldA = client.execute(new HttpGet(server.host("a.test").toURI() + "/hello"));
        CloseableHttpResponse heldB = client.execute(new HttpGet(server.host("b.test").toURI() + "/hello"));
        assertThat(server.accepted.get()).as("both reused").isEqualTo(3);
        Future<Integer> waiter = threads.submit(() -> get(client, server.host("c.test").toURI() + "/hello"));
        Await.until("c.test waits", () -> cm.getTotalStats().getPending() == 1);
        assertThat(cm.getStats(c).getPending()).isEqualTo(1);
        EntityUtils.consume(heldA.getEntity());
        waiter.get(10, TimeUnit.SECONDS);
        assertThat(cm.getStats(a).getAvailable()).isZero();
        assertThat(cm.getStats(c).getAvailable()).isEqualTo(1);
        EntityUtils.consume(heldB.getEntity());
        heldA.close();
        heldB.close();
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 2; max: 2]");
        assertThat(server.accepted.get()).isEqualTo(4);
        Await.until("the second evicted connection ends", () -> server.ended.get() == 2);
    }

    @Test
    void aConnectionCarryingOneUsersTokenIsNeverHandedToAnother() throws Exception {
        try (CapturedReports reports = CapturedReports.start()) {
            RoutePoolConnectionManager cm = manager();
            cm.setDefaultMaxPerRoute(4);
            CloseableHttpClient client = client(HttpClients.custom()
                    .setConnectionManager(cm)
                    .setUserTokenHandler(context -> context.getAttribute("user")));
            String[] users = {"alice", "bob", "carol", "dave"};
            Map<String, Set<Integer>> portsByUser = new ConcurrentHashMap<>();
            List<Future<?>> done = new ArrayList<>();
            for (String user : users) {
                done.add(threads.submit(() -> {
                    HttpClientContext context = HttpClientContext.create();
                    context.setAttribute("user", user);
                    for (int i = 0; i < 10; i++) {
                        HttpGet request = new HttpGet(server.url("/hello"));
                        request.setHeader("X-User", user);
                        try (CloseableHttpResponse response = client.execute(request, context)) {
                            EntityUtils.consume(response.getEntity());
                            portsByUser.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(clientPort(response));
                        }
                        assertThat(context.getUserToken()).isEqualTo(user);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
            assertThat(server.usersByPort.values()).allSatisfy(seen -> assertThat(seen).hasSize(1));
            assertThat(portsByUser.values()).allSatisfy(ports -> assertThat(ports).hasSize(1));
            assertThat(server.accepted.get()).as("one connection per user, each reused").isEqualTo(4);

            // a fifth user: the route is full of idle connections of other users; one is closed for eve
            HttpClientContext eve = HttpClientContext.create();
            eve.setAttribute("user", "eve");
            HttpGet request = new HttpGet(server.url("/hello"));
            request.setHeader("X-User", "eve");
            try (CloseableHttpResponse response = client.execute(request, eve)) {
                EntityUtils.consume(response.getEntity());
                assertThat(server.usersByPort.get(clientPort(response))).containsExactly("eve");
            }
            assertThat(server.accepted.get()).isEqualTo(5);
            Await.until("the evicted connection ends", () -> server.ended.get() == 1);
            assertThat(cm.getTotalStats().getAvailable()).isEqualTo(4);
            assertThat(server.usersByPort.values()).allSatisfy(seen -> assertThat(seen).hasSize(1));
            assertThat(reports.warnings()).as("the expected report").anySatisfy(m -> assertThat(m)
                    .matches("(?s)routepool-\\d+: State mismatch on route .*").contains("route " + server.route(), "A lease for state null"));
        }
    }

    // ---------------------------------------------------------------- leases held, waited for, aborted

    @Test
    void anUnconsumedStreamingEntityHoldsItsLeaseUntilConsumedOrClosed() throws Exception {
        try (CapturedReports reports = CapturedReports.start()) {
            RoutePoolConnectionManager cm = manager();
            cm.setMaxPerRoute(server.route(), 1);
            CloseableHttpClient client = client(cm);
            CloseableHttpResponse held = client.execute(new HttpGet(server.url("/hello")));
            assertThat(cm.getTotalStats().getLeased()).isEqualTo(1);

            HttpGet second = new HttpGet(server.url("/hello"));
            second.setConfig(requestTimeout(200));
            assertThatThrownBy(() -> client.execute(second))
                    .isInstanceOf(ConnectionPoolTimeoutException.class)
                    .hasMessageStartingWith("Timeout waiting for connection from pool")
                    .hasMessageContaining("maxPerRoute 1");
            assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 1; pending: 0; available: 0; max: 20]");

            EntityUtils.consume(held.getEntity());
            held.close();
            assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 20]");

            CloseableHttpResponse unread = client.execute(new HttpGet(server.url("/big")));
            assertThat(clientPort(unread)).isEqualTo(clientPort(held));
            assertThat(cm.getTotalStats().getLeased()).isEqualTo(1);
            unread.close(); // HttpClient 4.5: closing the response closes the connection, no reuse
            assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
            Await.until("the server sees the connection end", () -> server.ended.get() == 1);
            assertThat(reports.warnings()).as("the expected report").anySatisfy(m -> assertThat(m)
                    .matches("(?s)routepool-\\d+: Self-deadlock on route .*")
                    .contains("route " + server.route() + ": thread \"" + Thread.currentThread().getName() + "\" holds all it could get"));
        }
    }

    @Test
    void abortWhileWaitingForAConnectionEndsTheWaitAtOnce() throws Exception {
        RoutePoolConnectionManager cm = manager();
        cm.setMaxPerRoute(server.route(), 1);
        CloseableHttpClient client = client(cm);
        CloseableHttpResponse held = client.execute(new HttpGet(server.url("/hello")));
        HttpGet waiting = new HttpGet(server.url("/hello")); // no connection request timeout: waits forever
        Future<Integer> waiter = threads.submit(() -> executeAndReturnStatus(client, waiting));
        Await.until("the request waits", () -> cm.getTotalStats().getPending() >= 1);
        long abortedAt = System.nanoTime();
        waiting.abort();
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(RequestAbortedException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - abortedAt)).isLessThan(5_000);
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 1; pending: 0; available: 0; max: 20]");
        EntityUtils.consume(held.getEntity());
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 20]");
    }

    @Test
    void abortWhileConnectingFailsTheRequestAndReturnsTheSlot() throws Exception {
        CountDownLatch connecting = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        PlainConnectionSocketFactory slow = new PlainConnectionSocketFactory() {
            @Override
            public Socket connectSocket(int connectTimeout, Socket socket, HttpHost host, InetSocketAddress remoteAddress,
                                        InetSocketAddress localAddress, HttpContext context) throws IOException {
                connecting.countDown();
                try {
                    proceed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.connectSocket(connectTimeout, socket, host, remoteAddress, localAddress, context);
            }
        };
        RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder()
                .socketFactoryRegistry(RegistryBuilder.<ConnectionSocketFactory>create().register("http", slow).build())
                .build();
        CloseableHttpClient client = client(cm);
        HttpGet request = new HttpGet(server.url("/hello"));
        Future<Integer> execution = threads.submit(() -> executeAndReturnStatus(client, request));
        assertThat(connecting.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(cm.getTotalStats().getLeased()).isEqualTo(1);
        request.abort(); // shuts the connection down and releases it, from this thread
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
        proceed.countDown();
        assertThatThrownBy(() -> execution.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(IOException.class);
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
        assertThat(server.accepted.get()).as("nothing connected after the abort").isZero();
    }

    private static int executeAndReturnStatus(CloseableHttpClient client, HttpGet request) throws IOException {
        try (CloseableHttpResponse response = client.execute(request)) {
            EntityUtils.consume(response.getEntity());
            return response.getStatusLine().getStatusCode();
        }
    }

    @Test
    void anInterruptedRequestWaitingForAConnectionIsAborted() throws Exception {
        RoutePoolConnectionManager cm = manager();
        cm.setMaxPerRoute(server.route(), 1);
        CloseableHttpClient client = client(cm);
        CloseableHttpResponse held = client.execute(new HttpGet(server.url("/hello")));
        Thread[] thread = new Thread[1];
        boolean[] interruptFlag = new boolean[1];
        Future<Integer> waiter = threads.submit(() -> {
            thread[0] = Thread.currentThread();
            try {
                return executeAndReturnStatus(client, new HttpGet(server.url("/hello")));
            } finally {
                interruptFlag[0] = Thread.interrupted();
            }
        });
        Await.until("the request waits", () -> cm.getTotalStats().getPending() == 1);
        thread[0].interrupt();
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(RequestAbortedException.class)
                .cause().isInstanceOf(InterruptedException.class);
        assertThat(interruptFlag[0]).as("HttpClient restores the interrupt").isTrue();
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 1; pending: 0; available: 0; max: 20]");
        EntityUtils.consume(held.getEntity());
    }

    @Test
    void shutdownWhileRequestsWaitFailsThemAndShutsTheLeasedConnectionDown() throws Exception {
        RoutePoolConnectionManager cm = manager();
        cm.setMaxPerRoute(server.route(), 1);
        CloseableHttpClient client = client(cm);
        CloseableHttpResponse held = client.execute(new HttpGet(server.url("/big")));
        List<Future<Integer>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(threads.submit(() -> executeAndReturnStatus(client, new HttpGet(server.url("/hello")))));
        }
        Await.until("three requests wait", () -> cm.getTotalStats().getPending() == 3);
        cm.shutdown();
        for (Future<Integer> w : waiters) {
            assertThatThrownBy(() -> w.get(5, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(RequestAbortedException.class)
                    .cause().hasMessageStartingWith("Connection pool shut down");
        }
        assertThatThrownBy(() -> EntityUtils.toByteArray(held.getEntity())).isInstanceOf(IOException.class);
        held.close();
        Await.until("the server sees the connection end", () -> server.ended.get() == 1);
        assertThatThrownBy(() -> client.execute(new HttpGet(server.url("/hello"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Connection pool shut down");
        cm.shutdown(); // idempotent
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
    }

    // ---------------------------------------------------------------- expiry and eviction

    @Test
    void keepAliveHeaderIsHonouredByCloseExpiredConnections() throws Exception {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(cm);
        long before = System.nanoTime();
        get(client, server.url("/ka1"));
        cm.closeExpiredConnections();
        long checked = System.nanoTime();
        if (TimeUnit.NANOSECONDS.toMillis(checked - before) < 1_000) {
            assertThat(cm.getTotalStats().getAvailable()).as("not expired within its keep-alive").isEqualTo(1);
        }
        Await.until("closeExpiredConnections closes it", () -> {
            cm.closeExpiredConnections();
            return cm.getTotalStats().getAvailable() == 0;
        });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isGreaterThanOrEqualTo(1_000);
        Await.until("the server sees the connection end", () -> server.ended.get() == 1);
        // background maintenance may be the one closing it: the route is purged once that close has finished
        Await.until("the empty route is purged", () -> {
            cm.closeExpiredConnections();
            return cm.getRoutes().isEmpty();
        });
    }

    @Test
    void anExpiredKeepAliveMakesTheNextRequestOpenANewConnection() throws Exception {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(HttpClients.custom()
                .setConnectionManager(cm)
                .setKeepAliveStrategy((response, context) -> 200));
        int first = get(client, server.url("/hello"));
        long released = System.nanoTime(); // the release happened before this
        Await.elapsed(released, 200);
        int second = get(client, server.url("/hello"));
        assertThat(second).isNotEqualTo(first);
        assertThat(server.accepted.get()).isEqualTo(2);
        Await.until("the expired connection was closed", () -> server.ended.get() == 1);
    }

    @Test
    void idleConnectionsAreClosedByCloseIdleConnections() throws Exception {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(cm);
        long before = System.nanoTime();
        try (CloseableHttpResponse r1 = client.execute(new HttpGet(server.url("/hello")));
             CloseableHttpResponse r2 = client.execute(new HttpGet(server.url("/hello")))) {
            EntityUtils.consume(r1.getEntity());
            EntityUtils.consume(r2.getEntity());
        }
        cm.closeIdleConnections(1, TimeUnit.HOURS);
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(2);
        Await.until("closeIdleConnections(200 ms) closes both", () -> {
            cm.closeIdleConnections(200, TimeUnit.MILLISECONDS);
            return cm.getTotalStats().getAvailable() == 0;
        });
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isGreaterThanOrEqualTo(200);
        Await.until("the server sees both end", () -> server.ended.get() == 2);
        assertThat(cm.getRoutes()).isEmpty();
    }

    @Test
    void aServerThatClosesConnectionsGetsANewConnectionPerRequest() throws Exception {
        RoutePoolConnectionManager cm = manager();
        CloseableHttpClient client = client(cm);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ports.add(get(client, server.url("/close")));
            assertThat(cm.getTotalStats().getAvailable()).isZero();
        }
        assertThat(ports).hasSize(3);
        assertThat(server.accepted.get()).isEqualTo(3);
        Await.until("the server sees all three end", () -> server.ended.get() == 3);
    }

    @Test
    void loweringALimitClosesSurplusIdleConnectionsAtOnce() throws Exception {
        RoutePoolConnectionManager cm = manager();
        HttpRoute route = server.route();
        cm.setMaxPerRoute(route, 3);
        CloseableHttpClient client = client(cm);
        List<CloseableHttpResponse> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(client.execute(new HttpGet(server.url("/hello"))));
        }
        for (CloseableHttpResponse r : held) {
            EntityUtils.consume(r.getEntity());
            r.close();
        }
        assertThat(cm.getStats(route).getAvailable()).isEqualTo(3);
        cm.setMaxPerRoute(route, 1);
        assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 1]");
        Await.until("the server sees two end", () -> server.ended.get() == 2);
        cm.setMaxPerRoute(route, -1);
        assertThat(cm.getMaxPerRoute(route)).isEqualTo(2);
    }

    // ---------------------------------------------------------------- metrics

    @Test
    @SuppressWarnings("deprecation") // Micrometer deprecated its HttpClient 4 binder (HttpClient 4 is end of life), not removed it
    void micrometersBinderReportsTheGaugesOfOurManager() throws Exception {
        RoutePoolConnectionManager cm = manager();
        cm.setMaxTotal(7);
        cm.setMaxPerRoute(server.route(), 1);
        CloseableHttpClient client = client(cm);
        MeterRegistry registry = new SimpleMeterRegistry();
        new PoolingHttpClientConnectionManagerMetricsBinder(cm, "routepool").bindTo(registry);

        assertThat(gauge(registry, "httpcomponents.httpclient.pool.total.max", null)).isEqualTo(7);
        assertThat(gauge(registry, "httpcomponents.httpclient.pool.route.max.default", null)).isEqualTo(2);
        CloseableHttpResponse held = client.execute(new HttpGet(server.url("/hello")));
        assertThat(gauge(registry, "httpcomponents.httpclient.pool.total.connections", "leased")).isEqualTo(1);
        assertThat(gauge(registry, "httpcomponents.httpclient.pool.total.connections", "available")).isZero();
        Future<Integer> waiter = threads.submit(() -> executeAndReturnStatus(client, new HttpGet(server.url("/hello"))));
        Await.until("the pending gauge shows the waiter",
                () -> gauge(registry, "httpcomponents.httpclient.pool.total.pending", null) == 1);
        EntityUtils.consume(held.getEntity());
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(gauge(registry, "httpcomponents.httpclient.pool.total.connections", "leased")).isZero();
        assertThat(gauge(registry, "httpcomponents.httpclient.pool.total.connections", "available")).isEqualTo(1);
        assertThat(gauge(registry, "httpcomponents.httpclient.pool.total.pending", null)).isZero();
        assertThat(registry.get("httpcomponents.httpclient.pool.total.max").tag("httpclient", "routepool").gauge())
                .isNotNull();
    }

    private static double gauge(MeterRegistry registry, String name, String state) {
        var search = registry.get(name);
        if (state != null) {
            search = search.tag("state", state);
        }
        return search.gauge().value();
    }
}

package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.routepool.core.Diagnostic;
import io.routepool.core.LeaseInfo;
import io.routepool.core.PoolCounters;
import io.routepool.core.PoolListener;
import io.routepool.core.SelfDeadlockException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.conn.DnsResolver;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The diagnostics of {@link RoutePoolConnectionManager} end to end: a real HttpClient 4.5 against HttpCore's
 * {@code ServerBootstrap} on 127.0.0.1, the reports caught where users get them: the
 * {@code io.routepool.core.PoolDiagnostics} logger (JUL backend), a {@link PoolListener}, the exceptions,
 * the counters, and JFR.
 */
@Timeout(30)
class DiagnosticsIntegrationTest {

    /** Maps every host name to 127.0.0.1, so that ka.test and plain.test are distinct routes to one server. */
    private static final DnsResolver LOOPBACK = host -> new InetAddress[] {InetAddress.getLoopbackAddress()};

    /** The pool's reports while a test runs: asserted where expected, kept out of the build log. */
    private CapturedReports reports;

    private final List<Diagnostic<HttpRoute>> diagnostics = new CopyOnWriteArrayList<>();
    /** When (System.nanoTime) the pool closed a connection of each route, in order. */
    private final Map<HttpRoute, List<Long>> closedAt = new ConcurrentHashMap<>();
    private final PoolListener<HttpRoute> collector = new PoolListener<>() {
        @Override
        public void onDiagnostic(Diagnostic<HttpRoute> diagnostic) {
            diagnostics.add(diagnostic);
        }

        @Override
        public void onConnectionClosed(HttpRoute route, long connectionId) {
            closedAt.computeIfAbsent(route, r -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
        }
    };

    /** Closed in reverse order after each test: holders before clients before the server. */
    private final List<AutoCloseable> resources = new ArrayList<>();
    private TestServer server;

    @BeforeEach
    void start() throws IOException {
        reports = CapturedReports.start();
        server = TestServer.start(Map.of(
                "/ka1", (request, response, context) -> {
                    response.setHeader("Keep-Alive", "timeout=1");
                    response.setEntity(new StringEntity("ka", StandardCharsets.UTF_8));
                }));
        resources.add(server);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        } finally {
            reports.close();
        }
    }

    // ---------------------------------------------------------------- fixtures

    /** A builder whose diagnostics go to {@link #diagnostics}. */
    private RoutePoolConnectionManager.Builder builder() {
        return RoutePoolConnectionManager.builder().listener(collector);
    }

    private CloseableHttpClient client(RoutePoolConnectionManager cm) {
        return client(HttpClients.custom().setConnectionManager(cm));
    }

    private CloseableHttpClient client(HttpClientBuilder builder) {
        CloseableHttpClient c = builder.disableAutomaticRetries().build();
        resources.add(c);
        return c;
    }

    private static RequestConfig requestTimeout(int ms) {
        return RequestConfig.custom().setConnectionRequestTimeout(ms).build();
    }

    private static HttpGet get(String url, int requestTimeoutMs) {
        HttpGet get = new HttpGet(url);
        get.setConfig(requestTimeout(requestTimeoutMs));
        return get;
    }

    /** GET and consume; returns the body. */
    private static String body(CloseableHttpClient client, String url, HttpClientContext context) throws IOException {
        try (CloseableHttpResponse response = client.execute(new HttpGet(url), context)) {
            assertThat(response.getStatusLine().getStatusCode()).isEqualTo(200);
            return EntityUtils.toString(response.getEntity());
        }
    }

    private static String body(CloseableHttpClient client, String url) throws IOException {
        return body(client, url, HttpClientContext.create());
    }

    /** Sends a request and leaves its response unconsumed (its connection stays leased); closed after the test. */
    private CloseableHttpResponse leak(CloseableHttpClient client, String url) throws IOException {
        CloseableHttpResponse response = client.execute(new HttpGet(url));
        resources.add(response);
        assertThat(response.getStatusLine().getStatusCode()).isEqualTo(200);
        return response;
    }

    private List<Diagnostic<HttpRoute>> diagnostics(Diagnostic.Kind kind, HttpRoute route) {
        return diagnostics.stream().filter(d -> d.kind() == kind && route.equals(d.route())).collect(Collectors.toList());
    }

    private Diagnostic<HttpRoute> awaitDiagnostic(Diagnostic.Kind kind, HttpRoute route) {
        Await.until("a " + kind + " diagnostic for " + route, Duration.ofSeconds(10), () -> !diagnostics(kind, route).isEmpty());
        return diagnostics(kind, route).get(0);
    }

    /** WARNING records of the diagnostics logger whose message contains all of {@code parts}. */
    private List<LogRecord> warnings(String... parts) {
        return reports.warningRecords(parts);
    }

    private static String stack(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** A named thread that sends one request and holds the response, unconsumed, until closed. */
    private final class Holder implements AutoCloseable {
        final String name;
        private final Thread thread;
        private final CountDownLatch holding = new CountDownLatch(1);
        private final CountDownLatch release = new CountDownLatch(1);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private boolean closed;

        Holder(String name, CloseableHttpClient client, String url) throws InterruptedException {
            this.name = name;
            this.thread = new Thread(() -> {
                try (CloseableHttpResponse response = client.execute(new HttpGet(url))) {
                    if (response.getStatusLine().getStatusCode() != 200) {
                        throw new AssertionError("status " + response.getStatusLine());
                    }
                    holding.countDown();
                    release.await();
                } catch (Exception | Error e) {
                    failure.set(e);
                } finally {
                    holding.countDown();
                }
            }, name);
            thread.setDaemon(true);
            resources.add(this);
            thread.start();
            assertThat(holding.await(10, TimeUnit.SECONDS)).as(name + " got its response").isTrue();
            if (failure.get() != null) {
                throw new AssertionError(name + " failed", failure.get());
            }
        }

        /** Closes the response (the connection is closed, its entity not being consumed) and ends the thread. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            release.countDown();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + name, e);
            }
            assertThat(thread.isAlive()).as(name + " ended").isFalse();
            if (failure.get() != null) {
                throw new AssertionError(name + " failed", failure.get());
            }
        }
    }

    /** Sends a request on a new thread named {@code name}, consumes it; completes with the status code. */
    private static CompletableFuture<Integer> requestOnThread(String name, CloseableHttpClient client, HttpGet request) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (CloseableHttpResponse response = client.execute(request)) {
                EntityUtils.consume(response.getEntity());
                result.complete(response.getStatusLine().getStatusCode());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** A maintenance executor that counts the passes it has run. */
    private static final class CountingScheduler extends ScheduledThreadPoolExecutor {
        final AtomicInteger runs = new AtomicInteger();

        CountingScheduler() {
            super(1, r -> {
                Thread t = new Thread(r, "test-maintenance");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        protected void afterExecute(Runnable r, Throwable t) {
            super.afterExecute(r, t);
            runs.incrementAndGet();
        }
    }

    // ---------------------------------------------------------------- b) keep-alive

    private List<Long> closedAt(HttpRoute route) {
        return closedAt.getOrDefault(route, List.of());
    }

    /**
     * The server's {@code Keep-Alive: timeout=1} and the builder's default keep-alive (2 s, for responses without
     * the header) are idle lifetimes that background maintenance enforces. Which connection was closed when is
     * taken from {@link PoolListener#onConnectionClosed}, stamped as it happens.
     */
    @Test
    void keepAliveTimeoutFromTheServerAndTheDefaultKeepAliveAreHonouredByMaintenance() throws Exception {
        RoutePoolConnectionManager cm = builder()
                .dnsResolver(LOOPBACK)
                .defaultKeepAlive(Duration.ofSeconds(2))
                .maintenanceInterval(Duration.ofMillis(200))
                .build();
        CloseableHttpClient client = client(cm);
        HttpRoute ka = server.route("ka.test");
        HttpRoute plain = server.route("plain.test");

        assertThat(body(client, server.host("ka.test").toURI() + "/ka1")).isEqualTo("ka"); // Keep-Alive: timeout=1
        long kaReleased = System.nanoTime();
        assertThat(body(client, server.host("plain.test").toURI() + "/hello")).isEqualTo("hello"); // no Keep-Alive header
        long plainReleased = System.nanoTime();
        assertThat(cm.getStats(ka).getAvailable()).isEqualTo(1);
        assertThat(cm.getStats(plain).getAvailable()).isEqualTo(1);
        long closed0 = cm.getCounters().closed();

        Await.until("the Keep-Alive: timeout=1 connection closed", Duration.ofSeconds(5), () -> !closedAt(ka).isEmpty());
        long kaMs = TimeUnit.NANOSECONDS.toMillis(closedAt(ka).get(0) - kaReleased);
        // ordering, not exact times: the 1 s connection went first, the 2 s one is still pooled
        assertThat(closedAt(plain)).as("default-keep-alive (2 s) connection closed when the 1 s one was").isEmpty();
        assertThat(cm.getStats(plain).getAvailable()).as("still pooled (counted available even while probed)").isEqualTo(1);
        assertThat(kaMs).as("ms from release to close, keep-alive 1 s").isGreaterThanOrEqualTo(900);
        assertThat(cm.getStats(ka).getAvailable()).isZero();
        assertThat(cm.getStats(ka).getLeased()).isZero();
        assertThat(cm.getCounters().closed()).isEqualTo(closed0 + 1);

        Await.until("the default-keep-alive connection closed", Duration.ofSeconds(6), () -> !closedAt(plain).isEmpty());
        long plainMs = TimeUnit.NANOSECONDS.toMillis(closedAt(plain).get(0) - plainReleased);
        assertThat(plainMs).as("ms from release to close, default keep-alive 2 s").isGreaterThanOrEqualTo(1900);
        assertThat(closedAt(plain).get(0)).as("closed after the 1 s one").isGreaterThan(closedAt(ka).get(0));
        assertThat(cm.getTotalStats().getAvailable()).isZero();
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getCounters().closed()).isEqualTo(closed0 + 2);
        assertThat(closedAt(ka)).hasSize(1);
        assertThat(closedAt(plain)).hasSize(1);
        Await.until("the server saw both connections end", () -> server.open() == 0);
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- c) self-deadlock

    @Test
    void selfDeadlockIsLoggedWithTheHttpClientRemedyAndNamedInTheTimeout() throws Exception {
        RoutePoolConnectionManager cm = builder().defaultMaxPerRoute(2).build();
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        String me = Thread.currentThread().getName();
        CloseableHttpResponse first = leak(client, server.url("/big"));
        CloseableHttpResponse second = leak(client, server.url("/big"));
        assertThat(cm.getStats(route).getLeased()).isEqualTo(2);

        Instant asked = Instant.now();
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.execute(get(server.url("/hello"), 1000)))
                .isInstanceOf(ConnectionPoolTimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool")
                .hasMessageContaining("Self-deadlock suspected")
                .hasMessageContaining("thread (\"" + me + "\")")
                .hasMessageContaining(route.toString())
                .hasMessageContaining("EntityUtils.consume");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("waited the request timeout")
                .isGreaterThanOrEqualTo(900);

        List<LogRecord> logged = warnings("Self-deadlock", route.toString());
        assertThat(logged).hasSize(1);
        LogRecord record = logged.get(0);
        assertThat(record.getMessage()).contains(
                "Self-deadlock on route " + route + ": thread \"" + me + "\" holds all it could get",
                "All 2 connection(s)",
                "maxPerRoute 2",
                "It waits up to 1000 ms",
                "EntityUtils.consume(response.getEntity())",
                "close the response");
        assertThat(Duration.between(asked, record.getInstant())).as("logged when the wait began, not at the timeout")
                .isLessThan(Duration.ofMillis(700));
        assertThat(record.getThrown()).as("no exception in the record: log alerting would count it").isNull();
        assertThat(record.getMessage()).as("no stack unless captureLeaseStacks").doesNotContain("asked at", "leased at");

        List<Diagnostic<HttpRoute>> reported = diagnostics(Diagnostic.Kind.SELF_DEADLOCK, route);
        assertThat(reported).hasSize(1);
        assertThat(reported.get(0).thread()).isEqualTo(me);
        assertThat(reported.get(0).leases()).hasSize(2).allSatisfy(l -> assertThat(l.holder()).isEqualTo(me));
        assertThat(cm.getCounters().selfDeadlocks()).isEqualTo(1);
        assertThat(cm.getCounters().timedOut()).isEqualTo(1);

        first.close();
        second.close();
        assertThat(cm.getStats(route).getLeased()).isZero();
        assertThat(body(client, server.url("/hello"))).isEqualTo("hello");
    }

    @Test
    void failOnSelfDeadlockThrowsAtOnceInsteadOfWaiting() throws Exception {
        RoutePoolConnectionManager cm = builder().defaultMaxPerRoute(2).failOnSelfDeadlock(true).build();
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        String me = Thread.currentThread().getName();
        CloseableHttpResponse first = leak(client, server.url("/big"));
        CloseableHttpResponse second = leak(client, server.url("/big"));

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.execute(get(server.url("/hello"), 5000)))
                .isInstanceOf(SelfDeadlockException.class)
                .hasMessageContaining("Self-deadlock on route " + route + ": thread \"" + me + "\"")
                .hasMessageContaining(route.toString())
                .hasMessageContaining("maxPerRoute 2")
                .hasMessageContaining("failOnSelfDeadlock")
                .hasMessageContaining("EntityUtils.consume");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms to fail, request timeout 5000")
                .isLessThan(1000);

        assertThat(diagnostics(Diagnostic.Kind.SELF_DEADLOCK, route)).hasSize(1);
        assertThat(warnings("Self-deadlock", route.toString())).as("the exception carries it; not logged too").isEmpty();
        assertThat(cm.getStats(route).getPending()).as("nobody waits").isZero();
        assertThat(cm.getStats(route).getLeased()).isEqualTo(2);
        assertThat(cm.getCounters().selfDeadlocks()).isEqualTo(1);
        assertThat(cm.getCounters().timedOut()).isZero();

        first.close();
        second.close();
        assertThat(body(client, server.url("/hello"))).isEqualTo("hello");
        assertThat(cm.getStats(route).getLeased()).isZero();
    }

    // ---------------------------------------------------------------- d) leak report

    @Test
    void leakIsReportedOnceWithTheStackOfTheRequest(TestInfo testInfo) throws Exception {
        String testMethod = testInfo.getTestMethod().orElseThrow().getName();
        CountingScheduler maintenance = new CountingScheduler();
        resources.add(maintenance::shutdownNow);
        RoutePoolConnectionManager cm = builder()
                .leakThreshold(Duration.ofMillis(300))
                .captureLeaseStacks(true)
                .maintenanceInterval(Duration.ofMillis(100))
                .maintenanceExecutor(maintenance)
                .build();
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        String me = Thread.currentThread().getName();

        CloseableHttpResponse leaked = leak(client, server.url("/big"));
        Diagnostic<HttpRoute> leak = awaitDiagnostic(Diagnostic.Kind.LEAK_SUSPECTED, route);

        assertThat(leak.thread()).isEqualTo(me);
        assertThat(leak.leases()).hasSize(1);
        LeaseInfo<HttpRoute> lease = leak.leases().get(0);
        assertThat(lease.route()).isEqualTo(route);
        assertThat(lease.holder()).isEqualTo(me);
        assertThat(lease.holderId()).isEqualTo(Thread.currentThread().getId());
        assertThat(lease.age()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(lease.leaseSite()).as("captured lease stack").isNotNull();
        assertThat(lease.leaseSite().getStackTrace()).as("a frame of this test method")
                .anySatisfy(frame -> {
                    assertThat(frame.getClassName()).isEqualTo(DiagnosticsIntegrationTest.class.getName());
                    assertThat(frame.getMethodName()).isEqualTo(testMethod);
                });
        assertThat(leak.message()).contains("Connection leak suspected", "thread \"" + me + "\"", route.toString(),
                "EntityUtils.consume", "    leased at ", DiagnosticsIntegrationTest.class.getName() + "." + testMethod + "(")
                .as("stacks are captured already: the remedy does not ask for them").doesNotContain("captureLeaseStacks");

        List<LogRecord> logged = warnings("Connection leak suspected", route.toString());
        assertThat(logged).hasSize(1);
        assertThat(logged.get(0).getMessage()).isEqualTo(leak.message());
        assertThat(logged.get(0).getThrown()).as("the lease site is frames in the message, not a logged exception").isNull();

        // once per lease: more background passes and explicit ones report nothing new
        int passes = maintenance.runs.get();
        Await.until("three more background maintenance passes", () -> maintenance.runs.get() >= passes + 3);
        cm.runMaintenance();
        cm.runMaintenance();
        cm.runMaintenance();
        assertThat(diagnostics(Diagnostic.Kind.LEAK_SUSPECTED, route)).hasSize(1);
        assertThat(warnings("Connection leak suspected", route.toString())).hasSize(1);
        assertThat(cm.getCounters().leaksSuspected()).isEqualTo(1);

        assertThat(cm.getLeases()).singleElement().satisfies(l -> {
            assertThat(l.holder()).isEqualTo(me);
            assertThat(l.leaseSite()).isSameAs(lease.leaseSite());
        });
        leaked.close();
        assertThat(cm.getLeases()).isEmpty();
    }

    // ---------------------------------------------------------------- e) reclaim

    @Test
    void anAbandonedLeaseIsReclaimedAndItsLateReleaseIgnored() throws Exception {
        RoutePoolConnectionManager cm = builder()
                .defaultMaxPerRoute(1)
                .leakThreshold(Duration.ofMillis(200))
                .reclaimAbandonedAfter(Duration.ofMillis(300))
                .maintenanceInterval(Duration.ofMillis(100))
                .build();
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        String me = Thread.currentThread().getName();

        CloseableHttpResponse abandoned = leak(client, server.url("/big"));
        Diagnostic<HttpRoute> reclaimed = awaitDiagnostic(Diagnostic.Kind.LEASE_RECLAIMED, route);
        assertThat(reclaimed.thread()).isEqualTo(me);
        assertThat(reclaimed.leases()).singleElement().satisfies(l -> assertThat(l.holder()).isEqualTo(me));
        assertThat(reclaimed.message()).contains("Abandoned lease reclaimed", route.toString());
        assertThat(warnings("Abandoned lease reclaimed", route.toString())).hasSize(1);
        assertThat(cm.getCounters().reclaimed()).isEqualTo(1);
        assertThat(cm.getStats(route).getLeased()).as("capacity freed").isZero();

        // the route (maxPerRoute 1) has room again: a request goes through without waiting
        try (CloseableHttpResponse response = client.execute(get(server.url("/hello"), 2000))) {
            assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("hello");
        }
        assertThat(cm.getStats(route).getAvailable()).isEqualTo(1);
        PoolCounters before = cm.getCounters();

        abandoned.close(); // the late release
        List<Diagnostic<HttpRoute>> late = diagnostics(Diagnostic.Kind.LATE_RELEASE, route);
        assertThat(late).hasSize(1);
        assertThat(late.get(0).thread()).isEqualTo(me);
        assertThat(late.get(0).message()).contains("Late release ignored", "thread \"" + me + "\"", route.toString());
        assertThat(warnings("Late release ignored", route.toString())).hasSize(1);

        // the pool is undisturbed: the idle connection is still there and is reused
        assertThat(cm.getStats(route).getLeased()).isZero();
        assertThat(cm.getStats(route).getAvailable()).isEqualTo(1);
        assertThat(cm.getStats(route).getPending()).isZero();
        assertThat(cm.getCounters().closed()).as("nothing else closed").isEqualTo(before.closed());
        assertThat(body(client, server.url("/hello"))).isEqualTo("hello");
        assertThat(cm.getCounters().reused()).isEqualTo(before.reused() + 1);
        assertThat(cm.getCounters().reclaimed()).isEqualTo(1);
        assertThat(cm.getStats(route).getLeased()).isZero();
        assertThat(cm.getStats(route).getAvailable()).isEqualTo(1);
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- f) state mismatch

    @Test
    void aUserTokenOnlyOnReleaseIsReportedAsStateMismatchWithTheRemedy() throws Exception {
        RoutePoolConnectionManager cm = builder().build();
        CloseableHttpClient client = client(HttpClients.custom().setConnectionManager(cm)
                .setUserTokenHandler(context -> "alice")); // tags every connection on release
        HttpRoute route = server.route();

        for (int i = 0; i < 5; i++) {
            assertThat(body(client, server.url("/hello"), HttpClientContext.create())).isEqualTo("hello"); // no user token
        }

        assertThat(cm.getStateMismatches(route)).isGreaterThanOrEqualTo(2);
        assertThat(cm.getCounters().stateMismatches()).isGreaterThanOrEqualTo(2);
        assertThat(cm.getCounters().reused()).as("no connection was ever reused").isZero();
        assertThat(server.accepted.get()).isEqualTo(5);
        List<Diagnostic<HttpRoute>> reported = diagnostics(Diagnostic.Kind.STATE_MISMATCH, route);
        assertThat(reported).hasSize(1);
        List<LogRecord> logged = warnings("State mismatch on route " + route);
        assertThat(logged).as("one warning per route").hasSize(1);
        assertThat(logged.get(0).getMessage()).isEqualTo(reported.get(0).message())
                .contains("alice", "setUserToken", "disableConnectionState");
    }

    @Test
    void theSameUserTokenUpFrontReusesConnectionsWithoutMismatch() throws Exception {
        RoutePoolConnectionManager cm = builder().build();
        CloseableHttpClient client = client(HttpClients.custom().setConnectionManager(cm)
                .setUserTokenHandler(context -> "alice"));
        HttpRoute route = server.route();

        for (int i = 0; i < 5; i++) {
            HttpClientContext context = HttpClientContext.create();
            context.setUserToken("alice");
            assertThat(body(client, server.url("/hello"), context)).isEqualTo("hello");
        }

        assertThat(cm.getStateMismatches(route)).isZero();
        assertThat(cm.getCounters().stateMismatches()).isZero();
        assertThat(cm.getCounters().reused()).isGreaterThan(0);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(diagnostics(Diagnostic.Kind.STATE_MISMATCH, route)).isEmpty();
        assertThat(warnings("State mismatch")).isEmpty();
    }

    // ---------------------------------------------------------------- g) JFR

    @Test
    void jfrEventsForCreateCloseWaitAndLeakCarryTheRoute() throws Exception {
        assumeTrue(FlightRecorder.isAvailable(), "JFR is not available in this runtime");
        List<String> names = List.of("io.routepool.ConnectionCreated", "io.routepool.ConnectionClosed",
                "io.routepool.LeaseWaited", "io.routepool.LeakSuspected");
        Path file = Files.createTempFile("routepool-diagnostics", ".jfr");
        resources.add(() -> Files.deleteIfExists(file));
        try (Recording recording = new Recording()) {
            for (String name : names) {
                recording.enable(name).withThreshold(Duration.ZERO);
            }
            recording.start();

            RoutePoolConnectionManager cm = builder()
                    .defaultMaxPerRoute(1)
                    .leakThreshold(Duration.ofMillis(300))
                    .maintenanceInterval(Duration.ofMillis(100))
                    .build();
            CloseableHttpClient client = client(cm);
            HttpRoute route = server.route();
            Holder holder = new Holder("jfr-holder", client, server.url("/big")); // create
            CompletableFuture<Integer> waiter = requestOnThread("jfr-waiter", client, get(server.url("/hello"), 10_000));
            Await.until("the second request waits", () -> cm.getStats(route).getPending() == 1);
            awaitDiagnostic(Diagnostic.Kind.LEAK_SUSPECTED, route); // leak
            holder.close(); // close (unconsumed), and the waiter's wait ends
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(200);

            recording.stop();
            recording.dump(file);
        }

        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        String route = server.route().toString();
        Map<String, List<RecordedEvent>> ours = events.stream()
                .filter(e -> names.contains(e.getEventType().getName()))
                .filter(e -> route.equals(e.getString("route")))
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        assertThat(ours).as("events with route %s", route).containsOnlyKeys(names);
        assertThat(ours.get("io.routepool.ConnectionCreated")).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(e -> assertThat(e.getLong("connectionId")).isPositive());
        assertThat(ours.get("io.routepool.ConnectionClosed")).isNotEmpty();
        assertThat(ours.get("io.routepool.LeaseWaited")).singleElement().satisfies(e -> {
            assertThat(e.getBoolean("granted")).isTrue();
            assertThat(e.getDuration()).isPositive();
            assertThat(e.getThread().getJavaName()).isEqualTo("jfr-waiter");
        });
        assertThat(ours.get("io.routepool.LeakSuspected")).singleElement().satisfies(e -> {
            assertThat(e.getString("holder")).isEqualTo("jfr-holder");
            assertThat(e.getDuration("age")).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        });
        Set<Long> created = new HashSet<>();
        ours.get("io.routepool.ConnectionCreated").forEach(e -> created.add(e.getLong("connectionId")));
        assertThat(ours.get("io.routepool.ConnectionClosed"))
                .allSatisfy(e -> assertThat(created).contains(e.getLong("connectionId")));
    }

    // ---------------------------------------------------------------- h) timeout message

    @Test
    void timeoutMessageNamesTheRouteTheLimitsAndTheHolder() throws Exception {
        RoutePoolConnectionManager cm = builder().defaultMaxPerRoute(1).build();
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        Holder holder = new Holder("timeout-holder", client, server.url("/big"));

        assertThatThrownBy(() -> client.execute(get(server.url("/hello"), 300)))
                .isInstanceOf(ConnectionPoolTimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool")
                .hasMessageStartingWith("Timeout waiting for connection from pool " + cm.getPoolName() + " after 300 ms, route " + route + "\n")
                .hasMessageContaining("The route has maxPerRoute 1")
                .hasMessageContaining("the pool has maxTotal 20")
                .hasMessageContaining("Oldest lease of the route: connection ")
                .hasMessageContaining("by thread \"timeout-holder\"")
                .hasMessageNotContaining("Self-deadlock suspected")
                .as("no cause: it would repeat the message").hasNoCause();

        List<Diagnostic<HttpRoute>> timeouts = diagnostics(Diagnostic.Kind.LEASE_TIMEOUT, route);
        assertThat(timeouts).singleElement().satisfies(d -> {
            assertThat(d.thread()).isEqualTo(Thread.currentThread().getName());
            assertThat(d.leases()).extracting(LeaseInfo::holder).containsExactly("timeout-holder");
        });
        assertThat(warnings("Timeout waiting")).as("a timeout is not logged: the exception carries it").isEmpty();
        assertThat(cm.getCounters().timedOut()).isEqualTo(1);

        holder.close();
        assertThat(body(client, server.url("/hello"))).isEqualTo("hello");
    }

    // ---------------------------------------------------------------- i) stuck waiter

    @Test
    void aStuckWaiterIsReportedWithTheHoldersOfTheRoute() throws Exception {
        RoutePoolConnectionManager cm = builder()
                .defaultMaxPerRoute(1)
                .stuckWaiterThreshold(Duration.ofMillis(300))
                .maintenanceInterval(Duration.ofMillis(100))
                .build();
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        Holder holder = new Holder("stuck-holder", client, server.url("/big"));
        CompletableFuture<Integer> waiter = requestOnThread("stuck-waiter", client, get(server.url("/hello"), 5000));
        Await.until("the second request waits", () -> cm.getStats(route).getPending() == 1);

        Diagnostic<HttpRoute> stuck = awaitDiagnostic(Diagnostic.Kind.WAITER_STUCK, route);
        assertThat(stuck.message()).contains(
                "Lease stuck waiting on route " + route + ", up to ",
                "thread \"stuck-waiter\" for ",
                "maxPerRoute 1",
                "by thread \"stuck-holder\"");
        assertThat(stuck.leases()).extracting(LeaseInfo::holder).containsExactly("stuck-holder");
        // Diagnostic's javadoc: thread is "the waiting one for SELF_DEADLOCK, WAITER_STUCK and LEASE_TIMEOUT"
        assertThat(stuck.thread()).as("Diagnostic.thread() of a WAITER_STUCK report").isEqualTo("stuck-waiter");
        assertThat(warnings("Lease stuck waiting", route.toString(), "stuck-waiter")).hasSize(1);
        assertThat(waiter).isNotDone();

        holder.close();
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(diagnostics(Diagnostic.Kind.WAITER_STUCK, route)).as("reported once").hasSize(1);
        assertThat(cm.getStats(route).getPending()).isZero();
        assertThat(cm.getStats(route).getLeased()).isZero();
    }

    // ---------------------------------------------------------------- j) which pool, and a bounded default wait

    @Test
    void aRequestWithoutConnectionRequestTimeoutWaitsAtMostMaxLeaseWaitAndIsToldSo() throws Exception {
        RoutePoolConnectionManager cm = builder().defaultMaxPerRoute(1).poolName("payments")
                .maxLeaseWait(Duration.ofMillis(300)).build();
        assertThat(cm.getPoolName()).isEqualTo("payments");
        CloseableHttpClient client = client(cm);
        HttpRoute route = server.route();
        Holder holder = new Holder("slow-holder", client, server.url("/big"));

        long start = System.nanoTime();
        assertThatThrownBy(() -> client.execute(new HttpGet(server.url("/hello")))) // no RequestConfig: HttpClient waits forever
                .isInstanceOf(ConnectionPoolTimeoutException.class)
                .hasMessageStartingWith("Timeout waiting for connection from pool payments after 300 ms, route " + route + "\n")
                .hasMessageContaining("The caller asked to wait without a timeout; maxLeaseWait (0.3 s) capped the wait.")
                .hasMessageContaining("maxLeaseWait on RoutePoolConnectionManager.builder() (0 waits forever)")
                .hasNoCause();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("waited the cap").isGreaterThanOrEqualTo(300);

        holder.close();
        assertThat(body(client, server.url("/hello"))).isEqualTo("hello");
        assertThat(cm.getStats(route).getPending()).isZero();
    }

    @Test
    void badPoolNameOrMaxLeaseWaitIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> builder().poolName(" ").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poolName must be one line of text, not blank");
        assertThatThrownBy(() -> builder().maxLeaseWait(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLeaseWait must be >= 0");
        assertThatThrownBy(() -> builder().poolName(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("poolName");
        assertThatThrownBy(() -> builder().maxLeaseWait(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("maxLeaseWait");
    }
}

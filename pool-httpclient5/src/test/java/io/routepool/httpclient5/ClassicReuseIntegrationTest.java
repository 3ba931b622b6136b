package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.pool.PoolStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connection reuse, limits and state under a real classic HttpClient 5 against HttpCore 5's classic server on
 * 127.0.0.1. Connection counts are taken server-side; the pool's own counts through {@code ConnPoolControl}.
 */
@Timeout(60)
class ClassicReuseIntegrationTest {

    private ClassicServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server = ClassicServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.gate.open();
        threads.shutdownNow();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        server.close();
    }

    private CloseableHttpClient client(PoolingHttpClientConnectionManager cm) {
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);
        return client;
    }

    private static String stats(PoolStats stats) {
        return "leased " + stats.getLeased() + ", pending " + stats.getPending() + ", available "
                + stats.getAvailable() + ", max " + stats.getMax();
    }

    /** Typed as users type it: HttpClient's class on the left, routepool's drop-in on the right. */
    @Test
    void aDefaultConstructedManagerHasHttpClientsLimitsAndReusesOneConnection() throws IOException {
        PoolingHttpClientConnectionManager cm = new RoutePoolHttpClientConnectionManager();
        CloseableHttpClient client = client(cm);

        assertThat(cm.getMaxTotal()).isEqualTo(25);
        assertThat(cm.getDefaultMaxPerRoute()).isEqualTo(5);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ports.add(get(client, server.url("/hello")));
        }

        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).isEqualTo(5);
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 1, max 25");
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 0, pending 0, available 1, max 5");
        assertThat(cm.getRoutes()).containsExactly(server.route());
    }

    @Test
    void maxPerRouteCapsConnectionsAndQueuesTheExtraRequest() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 2);
        CloseableHttpClient client = client(cm);

        List<Future<Integer>> exchanges = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        }
        Eventually.until("two requests at the gate and one waiting for the pool", () ->
                server.gate.arrived.get() == 2 && cm.getStats(server.route()).getPending() == 1);
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 2, pending 1, available 0, max 2");
        assertThat(server.accepted.get()).isEqualTo(2);

        server.gate.open();
        Set<Integer> ports = new HashSet<>();
        for (Future<Integer> f : exchanges) {
            ports.add(f.get(10, TimeUnit.SECONDS));
        }

        assertThat(ports).hasSize(2);
        assertThat(server.accepted.get()).isEqualTo(2);
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 0, pending 0, available 2, max 2");
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 2, max 10");
    }

    @Test
    void maxTotalCapsConnectionsAcrossRoutes() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(2, 2);
        CloseableHttpClient client = client(cm);

        Future<Integer> a = threads.submit(() -> get(client, server.url("a.test", "/gate")));
        Future<Integer> b = threads.submit(() -> get(client, server.url("b.test", "/gate")));
        Eventually.until("a.test and b.test at the gate", () -> server.gate.arrived.get() == 2);
        Future<Integer> c = threads.submit(() -> get(client, server.url("c.test", "/hello")));
        Eventually.until("c.test waiting for room in the pool", () -> cm.getTotalStats().getPending() == 1);

        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 2, pending 1, available 0, max 2");
        assertThat(cm.getStats(server.route("c.test")).getPending()).isEqualTo(1);
        assertThat(cm.getRoutes()).contains(server.route("a.test"), server.route("b.test"));
        assertThat(server.served.get()).isZero();

        server.gate.open();
        a.get(10, TimeUnit.SECONDS);
        b.get(10, TimeUnit.SECONDS);
        c.get(10, TimeUnit.SECONDS);

        assertThat(server.accepted.get()).isEqualTo(3);
        PoolStats total = cm.getTotalStats();
        assertThat(total.getLeased()).isZero();
        assertThat(total.getPending()).isZero();
        assertThat(total.getAvailable()).isBetween(1, 2);
        Eventually.until("the server sees at most two open connections", () -> server.open() <= 2);
    }

    @Test
    void limitsChangedAtRunTimeApply() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 5);
        CloseableHttpClient client = client(cm);
        cm.setMaxPerRoute(server.route(), 1);
        cm.setMaxTotal(20);

        assertThat(cm.getMaxPerRoute(server.route())).isEqualTo(1);
        assertThat(cm.getMaxPerRoute(server.route("other.test"))).isEqualTo(5);
        assertThat(cm.getMaxTotal()).isEqualTo(20);
        Future<Integer> first = threads.submit(() -> get(client, server.url("/gate")));
        Future<Integer> second = threads.submit(() -> get(client, server.url("/gate")));
        Eventually.until("one request at the gate and one waiting", () ->
                server.gate.arrived.get() == 1 && cm.getTotalStats().getPending() == 1);
        assertThat(stats(cm.getStats(server.route()))).isEqualTo("leased 1, pending 1, available 0, max 1");

        server.gate.open();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(second.get(10, TimeUnit.SECONDS));
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 1, max 20");
    }

    /**
     * HttpClient leases with the context's user token as the pool state and releases the connection with it:
     * such a connection is reused only by requests that carry the same token. {@code X-User} tells the server
     * which token each request carried, so it can check that no connection served two users.
     */
    @Test
    void aConnectionReleasedWithAUserTokenIsReusedOnlyByRequestsWithThatToken() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);

        try (CapturedLogs reports = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS)) {
            int alice = getAs(client, "alice");
            int bob = getAs(client, "bob");
            int aliceAgain = getAs(client, "alice");
            int bobAgain = getAs(client, "bob");
            int anonymous = getAs(client, null);
            int anonymousAgain = getAs(client, null);

            assertThat(bob).isNotEqualTo(alice);
            assertThat(aliceAgain).isEqualTo(alice);
            assertThat(bobAgain).isEqualTo(bob);
            assertThat(anonymous).isNotIn(alice, bob);
            assertThat(anonymousAgain).isEqualTo(anonymous);
            assertThat(server.accepted.get()).isEqualTo(3);
            assertThat(server.usersByPort.get(alice)).containsExactly("alice");
            assertThat(server.usersByPort.get(bob)).containsExactly("bob");
            assertThat(server.usersByPort.get(anonymous)).containsExactly("-");
            assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 3, max 25");
            assertStateMismatchReport(cm, reports);
        }
    }

    /**
     * HttpClient's own managers say nothing. routepool's count each lease that had to open a connection while idle
     * ones carried another state (bob's first, and the first anonymous one), and report the first, once per route,
     * with HttpClient 5's remedy.
     */
    private void assertStateMismatchReport(PoolingHttpClientConnectionManager cm, CapturedLogs reports) {
        if (!Managers.ROUTEPOOL) {
            assertThat(reports.warnings()).isEmpty();
            return;
        }
        Eventually.until("the state mismatch report", () -> !reports.warnings().isEmpty());
        assertThat(reports.warnings()).hasSize(1);
        assertThat(reports.warnings().get(0))
                .matches("(?s)routepool-\\d+: State mismatch on route .*")
                .contains("A lease for state bob", "(alice)", "HttpClientContext.setUserToken");
        assertThat(((RoutePoolHttpClientConnectionManager) cm).getRoutePool().getStateMismatches(server.route()))
                .isEqualTo(2);
    }

    private int getAs(CloseableHttpClient client, String user) throws IOException {
        HttpClientContext context = HttpClientContext.create();
        context.setUserToken(user);
        HttpGet request = new HttpGet(server.url("/hello"));
        request.setHeader(ClassicServer.USER, user != null ? user : "-");
        return get(client, request, context);
    }

    @Test
    void aConnectionTheServerClosesIsNotPooled() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classic();
        CloseableHttpClient client = client(cm);

        int first = get(client, server.url("/close"));
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 0, max 25");
        Eventually.until("the server has closed its side", () -> server.open() == 0);
        int second = get(client, server.url("/hello"));

        assertThat(second).isNotEqualTo(first);
        assertThat(server.accepted.get()).isEqualTo(2);
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 1, max 25");
    }
}

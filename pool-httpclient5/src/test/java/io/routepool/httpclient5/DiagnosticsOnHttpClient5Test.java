package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.classic.RequestFailedException;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.impl.bootstrap.HttpServer;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.routepool.core.LeaseInfo;

/**
 * routepool's diagnostics through HttpClient 5's own clients, against a real server on 127.0.0.1: who holds what,
 * a self-deadlock named at once, a leak, a stuck waiter, a state mismatch (the user token), and a timeout whose
 * message says who holds what while keeping HttpClient 5's exception types. Reports are captured, not printed.
 */
class DiagnosticsOnHttpClient5Test {

    private HttpServer server;
    private HttpHost target;
    /** Opened by a test to hold the server's handler (a slow exchange); always opened in tearDown. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final CapturedLogs log = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS);

    @BeforeEach
    void startServer() throws Exception {
        server = ServerBootstrap.bootstrap().setLocalAddress(InetAddress.getLoopbackAddress()).setListenerPort(0)
                .setCanonicalHostName("127.0.0.1")
                .register("/slow", (req, resp, ctx) -> {
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    resp.setEntity(new StringEntity("slow"));
                })
                .register("*", (req, resp, ctx) -> resp.setEntity(new StringEntity("ok")))
                .create();
        server.start();
        target = new HttpHost("http", "127.0.0.1", server.getLocalPort());
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.close(CloseMode.IMMEDIATE);
        log.close();
    }

    private static RoutePoolHttpClientConnectionManager classic(int perRoute, PoolOptions<HttpRoute, ManagedHttpClientConnection> o) {
        RoutePoolHttpClientConnectionManager cm = new RoutePoolHttpClientConnectionManager(
                new DefaultHttpClientConnectionOperator(null, null, RegistryBuilder.<org.apache.hc.client5.http.ssl.TlsSocketStrategy>create().build()),
                null, PoolReusePolicy.LIFO, TimeValue.NEG_ONE_MILLISECOND, o);
        cm.setDefaultMaxPerRoute(perRoute);
        return cm;
    }

    private static HttpClientContext timeout(Duration connectionRequestTimeout) {
        HttpClientContext ctx = HttpClientContext.create();
        ctx.setRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(Timeout.of(connectionRequestTimeout)).build());
        return ctx;
    }

    @Test
    void whoHoldsWhatNamesTheThreadHoldingAnUnclosedResponse() throws Exception {
        RoutePoolHttpClientConnectionManager cm = classic(2, new PoolOptions<>());
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            ClassicHttpResponse open = client.executeOpen(target, new HttpGet("/"), null);
            List<LeaseInfo<HttpRoute>> leases = cm.getRoutePool().leases();
            assertThat(leases).hasSize(1);
            assertThat(leases.get(0).holder()).isEqualTo(Thread.currentThread().getName());
            assertThat(leases.get(0).route().getTargetHost()).isEqualTo(target);
            open.close();
            assertThat(cm.getRoutePool().leases()).isEmpty();
            assertThat(cm.getTotalStats().getLeased()).isZero();
        }
    }

    @Test
    void aSelfDeadlockIsNamedAtOnceAndTheTimeoutSaysSoInAConnectionRequestTimeoutException() throws Exception {
        RoutePoolHttpClientConnectionManager cm = classic(1, new PoolOptions<>());
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            ClassicHttpResponse held = client.executeOpen(target, new HttpGet("/"), null); // never consumed
            assertThatThrownBy(() -> client.execute(target, new HttpGet("/"), timeout(Duration.ofMillis(300)), r -> "unreachable"))
                    .isInstanceOf(ConnectionRequestTimeoutException.class)
                    .hasMessageMatching("(?s)Timeout waiting for connection from pool routepool-\\d+ after 300 ms, route .*")
                    .hasMessageContaining("Self-deadlock suspected")
                    .hasMessageContaining(Thread.currentThread().getName())
                    .hasMessageContaining("EntityUtils.consume")
                    .satisfies(t -> assertThat(t.getCause() == null || !t.getMessage().equals(t.getCause().getMessage()))
                            .as("the message is not repeated in a cause: %s", t.getCause()).isTrue());
            String report = log.awaitWarning(w -> w.contains(": Self-deadlock on route "), Duration.ofSeconds(10));
            assertThat(report).contains(Thread.currentThread().getName()).contains(target.toHostString());
            held.close();
            assertThat(cm.getTotalStats().getLeased()).isZero();
            assertThat(cm.getRoutePool().getCounters().selfDeadlocks()).isEqualTo(1);
        }
    }

    @Test
    void withFailOnSelfDeadlockTheRequestFailsAtOnceInsteadOfWaitingOutItsTimeout() throws Exception {
        PoolOptions<HttpRoute, ManagedHttpClientConnection> o = new PoolOptions<>();
        o.failOnSelfDeadlock = true;
        RoutePoolHttpClientConnectionManager cm = classic(1, o);
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            ClassicHttpResponse held = client.executeOpen(target, new HttpGet("/"), null);
            // a ten-minute request timeout: only failing at once lets this test finish
            Thread worker = Thread.currentThread();
            assertThatThrownBy(() -> client.execute(target, new HttpGet("/"), timeout(Duration.ofMinutes(10)), r -> "unreachable"))
                    .isInstanceOf(RequestFailedException.class)
                    .cause().isInstanceOf(io.routepool.core.SelfDeadlockException.class)
                    .hasMessageContaining(worker.getName());
            assertThat(cm.getRoutePool().getCounters().selfDeadlocks()).isEqualTo(1);
            assertThat(log.warnings()).as("the exception carries the report; nothing is logged twice").isEmpty();
            held.close();
            assertThat(cm.getTotalStats().getLeased()).isZero();
            assertThat(cm.getTotalStats().getPending()).isZero();
        }
    }

    @Test
    void aTimeoutNamesTheRouteItsLimitAndTheOldestHolder() throws Exception {
        RoutePoolHttpClientConnectionManager cm = classic(1, new PoolOptions<>());
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            Thread holder = new Thread(() -> {
                try {
                    client.execute(target, new HttpGet("/slow"), r -> EntityUtils.toString(r.getEntity()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "slow-holder");
            holder.start();
            awaitLeased(cm, 1);
            assertThatThrownBy(() -> client.execute(target, new HttpGet("/"), timeout(Duration.ofMillis(200)), r -> "unreachable"))
                    .isInstanceOf(ConnectionRequestTimeoutException.class)
                    .hasMessageContaining("has maxPerRoute 1 (leased 1")
                    .hasMessageContaining(target.toHostString())
                    .hasMessageContaining("slow-holder");
            release.countDown();
            holder.join(10_000);
            assertThat(holder.isAlive()).isFalse();
            assertThat(cm.getTotalStats().getLeased()).isZero();
            assertThat(cm.getTotalStats().getPending()).isZero();
        }
    }

    @Test
    void aLeakAndAStuckWaiterAreReportedByMaintenance() throws Exception {
        PoolOptions<HttpRoute, ManagedHttpClientConnection> o = new PoolOptions<>();
        o.leakThreshold = Duration.ofMillis(100);
        o.stuckWaiterThreshold = Duration.ofMillis(100);
        o.maintenanceInterval = Duration.ofMillis(20);
        RoutePoolHttpClientConnectionManager cm = classic(1, o);
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            ClassicHttpResponse leaked = client.executeOpen(target, new HttpGet("/"), null);
            String leak = log.awaitWarning(w -> w.contains(": Connection leak suspected on route "), Duration.ofSeconds(10));
            assertThat(leak).contains(Thread.currentThread().getName()).contains(target.toHostString())
                    .contains("try-with-resources");

            Thread waiter = new Thread(() -> {
                try {
                    client.execute(target, new HttpGet("/"), timeout(Duration.ofSeconds(30)), r -> EntityUtils.toString(r.getEntity()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "stuck-waiter");
            waiter.start();
            String stuck = log.awaitWarning(w -> w.contains(" stuck waiting on route "), Duration.ofSeconds(10));
            assertThat(stuck).contains("stuck-waiter").contains("setMaxConnPerRoute");
            leaked.close(); // the waiter is served
            waiter.join(10_000);
            assertThat(waiter.isAlive()).isFalse();
            assertThat(cm.getTotalStats().getLeased()).isZero();
        }
    }

    @Test
    void aUserTokenThatDefeatsReuseIsReportedAsAStateMismatchWithHttpClient5sRemedy() throws Exception {
        RoutePoolHttpClientConnectionManager cm = classic(2, new PoolOptions<>());
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            HttpClientContext alice = HttpClientContext.create();
            alice.setUserToken("alice");
            String first = client.execute(target, new HttpGet("/"), alice, r -> EntityUtils.toString(r.getEntity()));
            String second = client.execute(target, new HttpGet("/"), r -> EntityUtils.toString(r.getEntity()));
            assertThat(first + second).isEqualTo("okok");
            String report = log.awaitWarning(w -> w.contains(": State mismatch on route "), Duration.ofSeconds(10));
            assertThat(report).contains("alice").contains("HttpClientContext.setUserToken");
            HttpRoute route = cm.getRoutePool().getRoutes().iterator().next();
            assertThat(cm.getRoutePool().getStateMismatches(route)).isEqualTo(1);
            assertThat(cm.getTotalStats().getAvailable()).isEqualTo(2);
        }
    }

    @Test
    void anAsyncLeaseTimesOutWithAnExplainingTimeoutExceptionAndLeavesNothingBehind() throws Exception {
        RoutePoolAsyncClientConnectionManager cm = new RoutePoolAsyncClientConnectionManager(
                AsyncOperators.defaultOperator(RegistryBuilder.<org.apache.hc.core5.http.nio.ssl.TlsStrategy>create().build(), null, null),
                PoolReusePolicy.LIFO, TimeValue.NEG_ONE_MILLISECOND, false, new PoolOptions<HttpRoute, ManagedAsyncClientConnection>());
        cm.setDefaultMaxPerRoute(1);
        try (CloseableHttpAsyncClient client = HttpAsyncClients.custom().setConnectionManager(cm).build()) {
            client.start();
            Future<SimpleHttpResponse> slow = client.execute(SimpleRequestBuilder.get().setHttpHost(target).setPath("/slow").build(), null);
            awaitLeased(cm, 1);
            Future<SimpleHttpResponse> waiting = client.execute(SimpleRequestBuilder.get().setHttpHost(target).setPath("/")
                    .setRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(Timeout.ofMilliseconds(200)).build())
                    .build(), null);
            assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TimeoutException.class)
                    .hasMessageMatching("(?s)Timeout waiting for connection from pool routepool-\\d+ after 200 ms, route .*")
                    .hasMessageContaining("has maxPerRoute 1 (leased 1");
            release.countDown();
            assertThat(slow.get(10, TimeUnit.SECONDS).getBodyText()).isEqualTo("slow");
            assertThat(cm.getTotalStats().getPending()).isZero();
            assertThat(cm.getRoutePool().getCounters().timedOut()).isEqualTo(1);
        }
    }

    private static void awaitLeased(org.apache.hc.core5.pool.ConnPoolControl<HttpRoute> cm, int leased) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (cm.getTotalStats().getLeased() < leased) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never reached " + leased + " leased: " + cm.getTotalStats());
            }
            Thread.sleep(2);
        }
    }
}

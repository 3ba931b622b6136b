package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.impl.bootstrap.HttpServer;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What HttpClient's pool-taking constructor would drop, kept: the per-route {@link ConnectionConfig} time to live and
 * idle timeout are enforced by the pool itself (here: by {@code closeExpired()}, with no lease to check them), with
 * HttpClient 5's meaning of a time to live of 0.
 */
class PerRouteExpiryTest {

    private HttpServer server;
    private HttpHost target;

    @BeforeEach
    void start() throws Exception {
        server = ServerBootstrap.bootstrap().setLocalAddress(InetAddress.getLoopbackAddress()).setListenerPort(0)
                .setCanonicalHostName("127.0.0.1")
                .register("*", (req, resp, ctx) -> resp.setEntity(new StringEntity("ok"))).create();
        server.start();
        target = new HttpHost("http", "127.0.0.1", server.getLocalPort());
    }

    @AfterEach
    void stop() {
        server.close(CloseMode.IMMEDIATE);
    }

    private static void get(CloseableHttpClient client, HttpHost target) throws Exception {
        String body = client.execute(target, new HttpGet("/"), r -> EntityUtils.toString(r.getEntity()));
        assertThat(body).isEqualTo("ok");
    }

    /** Waits until {@code cm.closeExpired()} has emptied the pool (it must within {@code maxMillis}). */
    private static long closeExpiredUntilEmpty(RoutePoolHttpClientConnectionManager cm, long maxMillis) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            cm.closeExpired();
            if (cm.getTotalStats().getAvailable() == 0) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            if (System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(maxMillis)) {
                throw new AssertionError("closeExpired never closed the idle connection: " + cm.getTotalStats());
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aRouteTimeToLiveIsEnforcedByCloseExpired() throws Exception {
        RoutePoolHttpClientConnectionManager cm = new RoutePoolHttpClientConnectionManager();
        cm.setConnectionConfigResolver(route -> ConnectionConfig.custom().setTimeToLive(TimeValue.ofMilliseconds(300)).build());
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            get(client, target);
            assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);
            cm.closeExpired();
            assertThat(cm.getTotalStats().getAvailable()).as("not expired yet").isEqualTo(1);
            closeExpiredUntilEmpty(cm, 10_000);
        }
    }

    @Test
    void aTimeToLiveOfZeroExpiresAtOnceSoNoConnectionIsKept() throws Exception {
        RoutePoolHttpClientConnectionManager cm = new RoutePoolHttpClientConnectionManager();
        cm.setDefaultConnectionConfig(ConnectionConfig.custom().setTimeToLive(TimeValue.ZERO_MILLISECONDS).build());
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            get(client, target);
            get(client, target);
            assertThat(cm.getTotalStats().getAvailable()).isZero();
            assertThat(cm.getRoutePool().getCounters().created()).isEqualTo(2);
            assertThat(cm.getRoutePool().getCounters().reused()).isZero();
        }
    }

    @Test
    void aRouteIdleTimeoutIsEnforcedByCloseExpired() throws Exception {
        assumeTrue(hasIdleTimeout(), "ConnectionConfig.idleTimeout exists from HttpClient 5.6");
        RoutePoolHttpClientConnectionManager cm = new RoutePoolHttpClientConnectionManager();
        ConnectionConfig.Builder b = ConnectionConfig.custom();
        ConnectionConfig.Builder.class.getMethod("setIdleTimeout", Timeout.class).invoke(b, Timeout.ofMilliseconds(300));
        ConnectionConfig config = b.build();
        cm.setConnectionConfigResolver(route -> config);
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            get(client, target);
            cm.closeExpired();
            assertThat(cm.getTotalStats().getAvailable()).as("not idle long enough yet").isEqualTo(1);
            closeExpiredUntilEmpty(cm, 10_000);
        }
    }

    private static boolean hasIdleTimeout() {
        try {
            ConnectionConfig.Builder.class.getMethod("setIdleTimeout", Timeout.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}

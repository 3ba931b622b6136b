package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.routepool.httpclient5.RoutePoolHttpClientConnectionManager;
import io.routepool.httpclient5.RoutePoolHttpClientConnectionManagerBuilder;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HttpClient 5's classic client over {@link RoutePoolHttpClientConnectionManager}, real HTTP to 127.0.0.1. */
@Timeout(60)
class HttpClient5ClassicMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Meters meters = new Meters(registry, "hc5");
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private TestServer server;
    private RoutePoolHttpClientConnectionManager manager;
    private CloseableHttpClient client;
    private RoutePoolMetrics metrics;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
        MetricsPoolListener<HttpRoute> waits = MetricsPoolListener.create();
        manager = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(10)
                .setMaxConnPerRoute(1)
                .setPoolListener(waits)
                .setPoolName("hc5")
                .build();
        client = HttpClients.custom().setConnectionManager(manager).build();
        metrics = RoutePoolHttpClientConnectionManagerMetrics.builder(manager)
                .leaseWaits(waits)
                .maxSampleAge(Duration.ZERO)
                .refreshInterval(Duration.ZERO)
                .build();
        metrics.bindTo(registry);
    }

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        metrics.close();
        client.close(CloseMode.GRACEFUL);
        server.close();
        assertThat(registry.getMeters()).as("closing the binder removes its meters").isEmpty();
    }

    private String get(String path) throws Exception {
        return client.execute(new HttpGet(server.url(path)), response -> EntityUtils.toString(response.getEntity()));
    }

    @Test
    void twoRequestsOneConnectionThenAWait() throws Exception {
        assertThat(get("/hello")).isEqualTo("hello");
        assertThat(get("/hello")).isEqualTo("hello");
        assertThat(meters.count("routepool.connections.created")).isEqualTo(1);
        assertThat(meters.count("routepool.connections.reused")).isEqualTo(1);
        metrics.refresh();
        String route = server.routeName();
        assertThat(meters.routeTags()).containsExactly(route);
        assertThat(meters.gauge("routepool.route.connections", "route", route, "state", "idle")).isEqualTo(1);
        assertThat(meters.gauge("routepool.route.connections", "route", route, "state", "leased")).isZero();
        assertThat(meters.gauge("routepool.route.connections.max", "route", route)).isEqualTo(1);

        Future<String> first = threads.submit(() -> get("/gate"));
        Await.until("the first request is at the gate", () -> server.atGate.get() == 1);
        Future<String> second = threads.submit(() -> get("/gate"));
        Await.until("the second request waits for the connection",
                () -> meters.gauge("routepool.route.leases.pending", "route", route) == 1);
        assertThat(meters.gauge("routepool.leases.pending")).isEqualTo(1);
        server.openGate();
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("through");
        assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo("through");

        assertThat(meters.timer("granted").count()).isEqualTo(1);
        assertThat(meters.timer("granted").totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(meters.count("routepool.leases.waited")).isEqualTo(1);
        assertThat(meters.count("routepool.connections.created")).isEqualTo(1);
    }

    @Test
    void closingTheManagerRemovesItsMetersAtTheNextRefresh() throws Exception {
        assertThat(get("/hello")).isEqualTo("hello");
        assertThat(meters.meterCount()).isPositive();
        manager.close(CloseMode.GRACEFUL);
        metrics.refresh();
        assertThat(meters.meterCount()).isZero();
    }
}

package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.routepool.httpclient5.RoutePoolAsyncClientConnectionManager;
import io.routepool.httpclient5.RoutePoolAsyncClientConnectionManagerBuilder;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HttpClient 5's async client over {@link RoutePoolAsyncClientConnectionManager}, real HTTP/1.1 to 127.0.0.1. */
@Timeout(60)
class HttpClient5AsyncMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Meters meters = new Meters(registry, "hc5-async");
    private TestServer server;
    private CloseableHttpAsyncClient client;
    private RoutePoolMetrics metrics;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start();
        MetricsPoolListener<HttpRoute> waits = MetricsPoolListener.create();
        RoutePoolAsyncClientConnectionManager manager = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(10)
                .setMaxConnPerRoute(1)
                .setPoolListener(waits)
                .setPoolName("hc5-async")
                .build();
        client = HttpAsyncClients.custom()
                .setConnectionManager(manager)
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build())
                .build();
        client.start();
        metrics = RoutePoolAsyncClientConnectionManagerMetrics.builder(manager)
                .leaseWaits(waits)
                .maxSampleAge(Duration.ZERO)
                .refreshInterval(Duration.ZERO)
                .build();
        metrics.bindTo(registry);
    }

    @AfterEach
    void stop() throws Exception {
        metrics.close();
        client.close(CloseMode.GRACEFUL);
        server.close();
        assertThat(registry.getMeters()).as("closing the binder removes its meters").isEmpty();
    }

    private Future<SimpleHttpResponse> get(String path) {
        return client.execute(SimpleRequestBuilder.get(server.url(path)).build(), null);
    }

    @Test
    void twoRequestsOneConnectionThenAWait() throws Exception {
        String route = server.routeName();
        assertThat(get("/hello").get(20, TimeUnit.SECONDS).getBodyText()).isEqualTo("hello");
        // the async client releases its connection as the exchange completes, which may be just after the future
        Await.until("the connection is back in the pool",
                () -> meters.gauge("routepool.connections", "state", "idle") == 1);
        assertThat(get("/hello").get(20, TimeUnit.SECONDS).getBodyText()).isEqualTo("hello");
        Await.until("the connection is back in the pool",
                () -> meters.gauge("routepool.connections", "state", "idle") == 1);
        assertThat(meters.count("routepool.connections.created")).isEqualTo(1);
        assertThat(meters.count("routepool.connections.reused")).isEqualTo(1);
        metrics.refresh();
        assertThat(meters.routeTags()).containsExactly(route);
        assertThat(meters.gauge("routepool.route.connections", "route", route, "state", "idle")).isEqualTo(1);
        assertThat(meters.gauge("routepool.route.connections.max", "route", route)).isEqualTo(1);

        Future<SimpleHttpResponse> first = get("/gate");
        Await.until("the first request is at the gate", () -> server.atGate.get() == 1);
        Future<SimpleHttpResponse> second = get("/gate");
        Await.until("the second request waits for the connection",
                () -> meters.gauge("routepool.route.leases.pending", "route", route) == 1);
        assertThat(meters.gauge("routepool.leases.pending")).isEqualTo(1);
        server.openGate();
        assertThat(first.get(20, TimeUnit.SECONDS).getBodyText()).isEqualTo("through");
        assertThat(second.get(20, TimeUnit.SECONDS).getBodyText()).isEqualTo("through");

        assertThat(meters.timer("granted").count()).isEqualTo(1);
        assertThat(meters.timer("granted").totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(meters.count("routepool.leases.waited")).isEqualTo(1);
        assertThat(meters.count("routepool.connections.created")).isEqualTo(1);
    }
}

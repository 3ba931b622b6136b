package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.get;
import static io.routepool.httpclient5.Exchanges.port;
import static io.routepool.httpclient5.Exchanges.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.observation.binder.ConnPoolMeters;
import org.apache.hc.client5.http.observation.binder.ConnPoolMetersAsync;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metrics binders users already have take the manager unchanged: Micrometer's (deprecated) hc5
 * {@code PoolingHttpClientConnectionManagerMetricsBinder} and httpclient5-observation's {@link ConnPoolMeters} /
 * {@link ConnPoolMetersAsync} (HttpClient 5.6+). Each gauge is read while a request holds the only connection and
 * another waits, and again once both are done: the values must follow the pool.
 */
@Timeout(60)
class MetricsBindingTest {

    private ClassicServer server;
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void startServer() throws IOException {
        server = ClassicServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.gate.open();
        threads.shutdownNow();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        server.close();
    }

    private double gauge(String name, String... tags) {
        Gauge gauge = registry.find(name).tags(tags).gauge();
        assertThat(gauge).as("gauge " + name).isNotNull();
        return gauge.value();
    }

    /** One request holds the only connection at the gate and one waits for it. */
    private List<Future<Integer>> holdAndWait(CloseableHttpClient client, PoolingHttpClientConnectionManager cm) {
        List<Future<Integer>> exchanges = new ArrayList<>();
        exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        Eventually.until("one at the gate", () -> server.gate.arrived.get() == 1);
        exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        Eventually.until("one waiting", () -> cm.getTotalStats().getPending() == 1);
        return exchanges;
    }

    private void finish(List<Future<Integer>> exchanges) throws Exception {
        server.gate.open();
        for (Future<Integer> f : exchanges) {
            f.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @SuppressWarnings("deprecation") // deprecated in favour of httpclient5-observation, and still what most use
    void micrometersHc5BinderReportsTheManagersCounts() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(7, 1);
        CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build();
        closeables.add(client);
        new io.micrometer.core.instrument.binder.httpcomponents.hc5.PoolingHttpClientConnectionManagerMetricsBinder(
                cm, "test-pool").bindTo(registry);
        String name = "httpcomponents.httpclient.pool.";

        assertThat(gauge(name + "total.max", "httpclient", "test-pool")).isEqualTo(7);
        assertThat(gauge(name + "route.max.default")).isEqualTo(1);
        assertThat(gauge(name + "total.connections", "state", "leased")).isZero();
        List<Future<Integer>> exchanges = holdAndWait(client, cm);

        assertThat(gauge(name + "total.connections", "state", "leased")).isEqualTo(1);
        assertThat(gauge(name + "total.connections", "state", "available")).isZero();
        assertThat(gauge(name + "total.pending")).isEqualTo(1);

        finish(exchanges);
        assertThat(gauge(name + "total.connections", "state", "leased")).isZero();
        assertThat(gauge(name + "total.connections", "state", "available")).isEqualTo(1);
        assertThat(gauge(name + "total.pending")).isZero();
        cm.setMaxTotal(9);
        assertThat(gauge(name + "total.max", "httpclient", "test-pool")).isEqualTo(9);
    }

    @Test
    void httpClientObservationsConnPoolMetersBindToTheClassicManager() throws Exception {
        Hc5Features.assumeConnPoolMeters();
        PoolingHttpClientConnectionManager cm = Managers.classic(7, 1);
        HttpClientBuilder builder = HttpClients.custom().setConnectionManager(cm);
        ConnPoolMeters.bindTo(builder, registry);
        CloseableHttpClient client = builder.build();
        closeables.add(client);

        assertThat(gauge("http.client.pool.leased")).isZero();
        List<Future<Integer>> exchanges = holdAndWait(client, cm);

        assertThat(gauge("http.client.pool.leased")).isEqualTo(1);
        assertThat(gauge("http.client.pool.available")).isZero();
        assertThat(gauge("http.client.pool.pending")).isEqualTo(1);

        finish(exchanges);
        assertThat(gauge("http.client.pool.leased")).isZero();
        assertThat(gauge("http.client.pool.available")).isEqualTo(1);
        assertThat(gauge("http.client.pool.pending")).isZero();
    }

    @Test
    void httpClientObservationsConnPoolMetersAsyncBindToTheAsyncManager() throws Exception {
        Hc5Features.assumeConnPoolMeters();
        try (AsyncServer async = AsyncServer.http1()) {
            PoolingAsyncClientConnectionManager cm = Managers.async(7, 1);
            HttpAsyncClientBuilder builder = HttpAsyncClients.custom().setConnectionManager(cm)
                    .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build());
            ConnPoolMetersAsync.bindTo(builder, registry);
            CloseableHttpAsyncClient client = builder.build();
            client.start();
            try {
                Future<SimpleHttpResponse> held = start(client, async.url("/gate"));
                Eventually.until("one at the gate", () -> async.gateArrived.get() == 1);
                Future<SimpleHttpResponse> waiting = start(client, async.url("/gate"));
                Eventually.until("one waiting", () -> cm.getTotalStats().getPending() == 1);

                assertThat(gauge("http.client.pool.leased")).isEqualTo(1);
                assertThat(gauge("http.client.pool.available")).isZero();
                assertThat(gauge("http.client.pool.pending")).isEqualTo(1);

                async.openGate();
                port(held);
                port(waiting);
                Eventually.until("the connection is back in the pool", () -> cm.getTotalStats().getLeased() == 0);
                assertThat(gauge("http.client.pool.leased")).isZero();
                assertThat(gauge("http.client.pool.available")).isEqualTo(1);
                assertThat(gauge("http.client.pool.pending")).isZero();
            } finally {
                client.close(CloseMode.GRACEFUL);
            }
        }
    }
}

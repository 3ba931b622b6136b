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
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The classic manager over TLS: HttpCore 5's classic server with a self-signed certificate for 127.0.0.1. */
@Timeout(60)
class ClassicHttpsIntegrationTest {

    private final Certificates5 certificates = Certificates5.get();
    private ClassicServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server = ClassicServer.start(certificates.server);
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

    @Test
    void sequentialRequestsReuseOneTlsConnection() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classicSpec().tls(certificates.client).build();
        CloseableHttpClient client = client(cm);

        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ports.add(get(client, server.url("/hello")));
        }

        assertThat(server.url("/hello")).startsWith("https://");
        assertThat(ports).hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).isEqualTo(5);
        assertThat(cm.getStats(server.route()).getAvailable()).isEqualTo(1);
        assertThat(cm.getTotalStats().getLeased()).isZero();
    }

    @Test
    void concurrentRequestsOpenAtMostMaxPerRouteTlsConnections() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classicSpec().tls(certificates.client)
                .maxTotal(10).maxPerRoute(2).build();
        CloseableHttpClient client = client(cm);

        List<Future<Integer>> exchanges = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        }
        Eventually.until("two at the gate, two waiting", () ->
                server.gate.arrived.get() == 2 && cm.getTotalStats().getPending() == 2);
        server.gate.open();
        Set<Integer> ports = new HashSet<>();
        for (Future<Integer> f : exchanges) {
            ports.add(f.get(10, TimeUnit.SECONDS));
        }

        assertThat(ports).hasSize(2);
        assertThat(server.accepted.get()).isEqualTo(2);
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(2);
        assertThat(cm.getTotalStats().getLeased()).isZero();
    }

    @Test
    void aTimeToLiveOfZeroMeansANewHandshakeForEveryRequest() throws IOException {
        PoolingHttpClientConnectionManager cm = Managers.classicSpec().tls(certificates.client)
                .connectionConfig(ConnectionConfig.custom().setTimeToLive(TimeValue.ZERO_MILLISECONDS).build())
                .build();
        CloseableHttpClient client = client(cm);

        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ports.add(get(client, server.url("/hello")));
        }

        assertThat(ports).hasSize(3);
        assertThat(server.accepted.get()).isEqualTo(3);
        Eventually.until("the replaced TLS connections are closed", () -> server.ended.get() >= 2);
    }
}

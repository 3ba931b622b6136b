package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * Spring's {@link RestClient} over {@link HttpComponentsClientHttpRequestFactory}, wired as Spring users wire it:
 * a {@code CloseableHttpClient} built on the manager. Every path through Spring must give the connection back:
 * a body read, an error status turned into an exception, a body never read, and a pool that is full.
 */
@Timeout(60)
class SpringRestClientTest {

    private ClassicServer server;
    private PoolingHttpClientConnectionManager cm;
    private CloseableHttpClient httpClient;
    private HttpComponentsClientHttpRequestFactory factory;
    private RestClient rest;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server = ClassicServer.start();
        cm = Managers.classic(10, 1);
        httpClient = HttpClients.custom().setConnectionManager(cm).build();
        factory = new HttpComponentsClientHttpRequestFactory(httpClient);
        rest = RestClient.builder().requestFactory(factory).baseUrl(server.url("")).build();
    }

    @AfterEach
    void stop() throws Exception {
        server.gate.open();
        threads.shutdownNow();
        factory.destroy();
        server.close();
    }

    private void assertOneIdleConnection() {
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getPending()).isZero();
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);
    }

    @Test
    void bodiesReadThroughRestClientReuseOneConnection() {
        for (int i = 0; i < 5; i++) {
            assertThat(rest.get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello");
        }

        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).isEqualTo(5);
        assertOneIdleConnection();
    }

    @Test
    void errorStatusesBecomeExceptionsAndStillReleaseTheConnection() {
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> rest.get().uri("/status/404").retrieve().body(String.class))
                    .isInstanceOf(HttpClientErrorException.NotFound.class);
            assertThatThrownBy(() -> rest.get().uri("/status/500").retrieve().toBodilessEntity())
                    .isInstanceOf(HttpServerErrorException.InternalServerError.class);
        }

        assertThat(server.served.get()).isEqualTo(10);
        assertThat(server.accepted.get()).as("each error response was read and its connection reused").isEqualTo(1);
        assertOneIdleConnection();
    }

    @Test
    void aBodyNeverReadStillGivesTheConnectionBack() {
        for (int i = 0; i < 3; i++) {
            ResponseEntity<Void> response = rest.get().uri("/big").retrieve().toBodilessEntity();
            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        }

        assertThat(server.served.get()).isEqualTo(3);
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getPending()).isZero();
        assertThat(rest.get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello");
    }

    @Test
    void aFullPoolFailsTheRequestAfterSpringsConnectionRequestTimeout() throws Exception {
        Future<String> holder = threads.submit(() -> rest.get().uri("/gate").retrieve().body(String.class));
        Eventually.until("the holder at the gate", () -> server.gate.arrived.get() == 1);
        factory.setConnectionRequestTimeout(Duration.ofMillis(200));

        try (CapturedLogs reports = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS)) {
            assertThatThrownBy(() -> rest.get().uri("/hello").retrieve().body(String.class))
                    .isInstanceOf(ResourceAccessException.class)
                    .hasCauseInstanceOf(ConnectionRequestTimeoutException.class);
            assertThat(reports.warnings()).isEmpty();
        }

        server.gate.open();
        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("gate");
        assertThat(rest.get().uri("/hello").retrieve().body(String.class)).isEqualTo("hello");
        assertThat(server.accepted.get()).isEqualTo(1);
        assertOneIdleConnection();
    }
}

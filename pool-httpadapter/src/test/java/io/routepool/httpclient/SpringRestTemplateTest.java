package io.routepool.httpclient;

import static io.routepool.httpclient.SuperclassPoolProbe.assertSuperclassPoolUntouched;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.web.client.RestTemplate;

/**
 * Spring's {@link RestTemplate} over {@link HttpComponentsClientHttpRequestFactory} (spring-web 5.3, the last line on
 * HttpClient 4.5), wired as a Spring configuration wires it, with the connection manager typed as HttpClient's
 * {@link PoolingHttpClientConnectionManager}; real requests to HttpCore's server on 127.0.0.1.
 */
@Timeout(60)
class SpringRestTemplateTest {

    /**
     * The shape of a {@code @Configuration} class: each method would carry {@code @Bean} (spring-context, which this
     * module does not need for the test), each bean's type is the one applications declare.
     */
    static final class HttpConfig {

        PoolingHttpClientConnectionManager connectionManager() {
            PoolingHttpClientConnectionManager cm = new RoutePoolConnectionManager(); // was: new PoolingHttpClientConnectionManager()
            cm.setMaxTotal(50);
            cm.setDefaultMaxPerRoute(10);
            return cm;
        }

        CloseableHttpClient httpClient(PoolingHttpClientConnectionManager connectionManager) {
            return HttpClients.custom().setConnectionManager(connectionManager).build();
        }

        HttpComponentsClientHttpRequestFactory requestFactory(CloseableHttpClient httpClient) {
            return new HttpComponentsClientHttpRequestFactory(httpClient);
        }

        RestTemplate restTemplate(HttpComponentsClientHttpRequestFactory requestFactory) {
            return new RestTemplate(requestFactory);
        }
    }

    private TestServer server;
    private PoolingHttpClientConnectionManager connectionManager;
    private HttpComponentsClientHttpRequestFactory requestFactory;
    private RestTemplate restTemplate;

    @BeforeEach
    void wire() throws IOException {
        server = TestServer.start();
        HttpConfig config = new HttpConfig();
        connectionManager = config.connectionManager();
        requestFactory = config.requestFactory(config.httpClient(connectionManager));
        restTemplate = config.restTemplate(requestFactory);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            requestFactory.destroy(); // what the Spring container does on close: closes the client, and its manager
        } finally {
            connectionManager.shutdown();
            server.close();
        }
    }

    @Test
    void restTemplateRequestsAreServedFromRoutepoolsPool() {
        Set<String> ports = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            ResponseEntity<String> response = restTemplate.getForEntity(server.url("/hello"), String.class);
            assertThat(response.getStatusCodeValue()).isEqualTo(200);
            assertThat(response.getBody()).isEqualTo("hello");
            ports.add(response.getHeaders().getFirst(TestServer.CLIENT_PORT));
        }
        assertThat(restTemplate.postForObject(server.url("/hello"), "a body", String.class)).isEqualTo("hello");

        assertThat(ports).as("one keep-alive connection").hasSize(1);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(server.served.get()).isEqualTo(11);
        assertThat(connectionManager.getTotalStats().toString())
                .isEqualTo("[leased: 0; pending: 0; available: 1; max: 50]");
        assertThat(connectionManager.getMaxPerRoute(server.route())).isEqualTo(10);
        RoutePoolConnectionManager ours = (RoutePoolConnectionManager) connectionManager;
        assertThat(ours.getCounters().created()).isEqualTo(1);
        assertThat(ours.getCounters().reused()).isEqualTo(10);
        assertThat(ours.getLeases()).isEmpty();
        assertSuperclassPoolUntouched(connectionManager);
    }

    @Test
    void closingTheRequestFactoryShutsRoutepoolsPoolDown() throws Exception {
        assertThat(restTemplate.getForObject(server.url("/hello"), String.class)).isEqualTo("hello");
        assertThat(connectionManager.getTotalStats().getAvailable()).isEqualTo(1);

        requestFactory.destroy();

        Await.until("the server saw the pooled connection closed", () -> server.ended.get() == 1);
        assertThat(connectionManager.getTotalStats().getAvailable()).isZero();
        assertThatThrownBy(() -> connectionManager.requestConnection(server.route(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("Connection pool shut down");
        assertSuperclassPoolUntouched(connectionManager);
    }
}

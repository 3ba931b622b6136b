package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.asyncClient;
import static io.routepool.httpclient5.Exchanges.asyncGet;
import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code setMaxUsesPerConnection} on both managers' builders, under real HttpClient 5 clients against HttpCore 5's
 * servers on 127.0.0.1: seven sequential requests with a limit of three uses take three connections, counted
 * server-side (the client port of each exchange), three, three and one.
 */
@Timeout(60)
class MaxUsesPerConnectionIntegrationTest {

    private static final int MAX_USES = 3;
    private static final int REQUESTS = 7;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void theClassicManagerClosesAConnectionOnTheReleaseOfItsThirdLease() throws Exception {
        ClassicServer server = ClassicServer.start();
        closeables.add(server);
        PoolingHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setMaxUsesPerConnection(MAX_USES)
                .build();
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);

        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            ports.add(get(client, server.url("/hello"))); // 200 expected, body consumed
        }

        assertThat(server.served.get()).isEqualTo(REQUESTS);
        assertThat(server.accepted.get()).as("connections the server accepted").isEqualTo(3);
        assertUsedInTurn(ports);
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getAvailable()).as("only the one that served one lease is kept").isEqualTo(1);
        Eventually.until("the server has seen the two used-up connections end", () -> server.open() == 1);
    }

    @Test
    void theAsyncManagerClosesAConnectionOnTheReleaseOfItsThirdLease() throws Exception {
        AsyncServer server = AsyncServer.http1();
        closeables.add(server);
        PoolingAsyncClientConnectionManager cm = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMaxUsesPerConnection(MAX_USES)
                .build();
        CloseableHttpAsyncClient client = asyncClient(cm);
        // GRACEFUL: an IMMEDIATE close races the reactor's own termination (ClosedSelectorException logged at ERROR)
        closeables.add(() -> client.close(CloseMode.GRACEFUL));

        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            ports.add(asyncGet(client, server.url("/hello"))); // 200 expected
            // the async client completes a response before it releases the connection: the next request must
            // not race the release (it would open a connection of its own, whatever the pool)
            Eventually.until("the connection is back in the pool", () -> cm.getTotalStats().getLeased() == 0);
        }

        assertThat(server.versions).containsExactly(HttpVersion.HTTP_1_1);
        assertThat(server.served.get()).isEqualTo(REQUESTS);
        assertThat(server.accepted.get()).as("connections the server accepted").isEqualTo(3);
        assertUsedInTurn(ports);
        assertThat(cm.getTotalStats().getAvailable()).as("only the one that served one lease is kept").isEqualTo(1);
        Eventually.until("the server has seen the two used-up connections end", () -> server.open() == 1);
    }

    /** Three distinct connections, in turn: the first three requests on one, the next three on another, then one. */
    private static void assertUsedInTurn(List<Integer> ports) {
        assertThat(ports).as("client port of each request").hasSize(REQUESTS);
        assertThat(ports.stream().distinct().count()).as("distinct client connections").isEqualTo(3);
        assertThat(ports.subList(0, 3)).containsOnly(ports.get(0));
        assertThat(ports.subList(3, 6)).containsOnly(ports.get(3));
        assertThat(ports.get(6)).isNotIn(ports.get(0), ports.get(3));
        assertThat(ports.get(3)).isNotEqualTo(ports.get(0));
    }
}

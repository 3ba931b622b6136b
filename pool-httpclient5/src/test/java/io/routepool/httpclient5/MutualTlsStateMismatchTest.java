package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.impl.bootstrap.HttpServer;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Field note 1 on HttpClient 5: with mutual TLS, HttpClient 5's {@code DefaultUserTokenHandler} stores the TLS session's
 * local principal as the connection's state, so a request whose context carries no user token never reuses it. The
 * pool must make that visible: a state-mismatch report naming the remedy, and the count; and setting the principal as
 * the user token up front must make reuse work again.
 */
class MutualTlsStateMismatchTest {

    private HttpServer server;
    private HttpHost target;
    private final CapturedLogs log = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS);

    @BeforeEach
    void start() throws Exception {
        server = ServerBootstrap.bootstrap().setLocalAddress(InetAddress.getLoopbackAddress()).setListenerPort(0)
                .setCanonicalHostName("127.0.0.1")
                .setSslContext(Certificates5.get().mutual)
                .setSslSetupHandler(params -> params.setNeedClientAuth(true)) // the client must present a certificate
                .register("*", (req, resp, ctx) -> resp.setEntity(new StringEntity("ok"))).create();
        server.start();
        target = new HttpHost("https", "127.0.0.1", server.getLocalPort());
    }

    @AfterEach
    void stop() {
        server.close(CloseMode.IMMEDIATE);
        log.close();
    }

    private static String get(CloseableHttpClient client, HttpHost target, HttpClientContext context) throws Exception {
        return client.execute(target, new HttpGet("/"), context, r -> EntityUtils.toString(r.getEntity()));
    }

    @Test
    void theTlsPrincipalAsStateDefeatsReuseAndIsReportedWithItsRemedy() throws Exception {
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(Certificates5.get().mutual))
                .build();
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            String first = get(client, target, HttpClientContext.create());
            String second = get(client, target, HttpClientContext.create()); // a fresh context: no user token
            assertThat(first + second).isEqualTo("okok");

            assertThat(cm.getRoutePool().getCounters().created()).as("no reuse: the first connection carries the principal")
                    .isEqualTo(2);
            HttpRoute route = cm.getRoutes().iterator().next();
            assertThat(cm.getRoutePool().getStateMismatches(route)).isEqualTo(1);
            String report = log.awaitWarning(w -> w.contains(": State mismatch on route "), Duration.ofSeconds(10));
            assertThat(report).contains("CN=127.0.0.1").contains("TLS principal").contains("HttpClientContext.setUserToken");
        }
    }

    @Test
    void settingThePrincipalAsTheUserTokenUpFrontMakesReuseWorkAgain() throws Exception {
        // no background maintenance: with both cores busy, its idle probe could hold the only idle connection at the
        // moment of a request, which then (by design) opens another; what is counted here is reuse by state
        RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(Certificates5.get().mutual))
                .setMaintenanceInterval(org.apache.hc.core5.util.TimeValue.ZERO_MILLISECONDS)
                .build();
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            HttpClientContext firstContext = HttpClientContext.create();
            get(client, target, firstContext);
            Object principal = firstContext.getUserToken();
            assertThat(principal).as("HttpClient stored the TLS principal as the user token").isNotNull();
            for (int i = 0; i < 3; i++) {
                HttpClientContext context = HttpClientContext.create();
                context.setUserToken(principal); // the remedy the report gives
                get(client, target, context);
            }
            assertThat(cm.getRoutePool().getCounters().created()).isEqualTo(1);
            assertThat(cm.getRoutePool().getCounters().reused()).isEqualTo(3);
            assertThat(log.warnings()).isEmpty();
        }
    }
}

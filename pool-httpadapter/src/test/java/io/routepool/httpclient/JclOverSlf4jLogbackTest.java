package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.routepool.core.PoolLogger;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An application that logs through logback, with commons-logging replaced by jcl-over-slf4j (the usual setup of a
 * Spring Boot 2 service on HttpClient 4.5): the pool's reports arrive in logback under their logger, at WARN, whole.
 * Runs in its own surefire execution, whose class path has jcl-over-slf4j and logback instead of commons-logging.
 */
class JclOverSlf4jLogbackTest {

    private LogbackCapture logs;
    private TestServer server;

    @BeforeEach
    void setUp() throws Exception {
        // only its own surefire execution has this class path (a -Dtest naming it in the default one skips it)
        assumeTrue(getClass().getClassLoader().getResource("ch/qos/logback/classic/Logger.class") != null,
                "run by the jcl-over-slf4j surefire execution");
        assertThat(org.apache.commons.logging.LogFactory.getFactory().getClass().getName())
                .as("commons-logging is jcl-over-slf4j here").startsWith("org.apache.commons.logging.impl.SLF4J");
        logs = new LogbackCapture(PoolLogger.DIAGNOSTICS); // the expected report stays off the console
        server = TestServer.start();
    }

    @AfterEach
    void tearDown() {
        if (logs != null) {
            logs.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theSelfDeadlockReportArrivesInLogbackWhole() throws Exception {
        RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder().poolName("app-pool").defaultMaxPerRoute(1).build();
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build()) {
            CloseableHttpResponse held = client.execute(new HttpGet(server.url("/big"))); // not consumed: holds the connection
            HttpGet second = new HttpGet(server.url("/hello"));
            second.setConfig(RequestConfig.custom().setConnectionRequestTimeout(200).build());
            assertThatThrownBy(() -> client.execute(second)).isInstanceOf(ConnectionPoolTimeoutException.class);
            held.close();
        }
        assertThat(logs.records()).singleElement().satisfies(e -> {
            assertThat(e.logger).isEqualTo(PoolLogger.DIAGNOSTICS);
            assertThat(e.level).isEqualTo("WARN");
            assertThat(e.message)
                    .startsWith("app-pool: Self-deadlock on route " + server.route() + ": thread \"")
                    .contains("\n  All 1 connection(s) it could get (maxPerRoute 1)", "\n  Remedy: ", "EntityUtils.consume");
            assertThat(e.thrown).as("no exception with the report").isFalse();
        });
    }
}

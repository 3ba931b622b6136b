package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.apache.http.NoHttpResponseException;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request that fails before any response on a reused connection makes the route's other idle connections suspect
 * (learnIdleClose; DESIGN.md, "Stale connections"): a server on a raw socket on 127.0.0.1 closes every connection at
 * once, as a restart does, while they idle for less time than the route has seen them survive, so no lease checks
 * them. The first request after it fails, as with any pool (retries are off); the second finds its connection closed
 * by the check that the first one's failure asked for, and succeeds on a new connection.
 */
@Timeout(60)
class StaleConnectionReleaseTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    /** Idle time the route first sees its connections survive: far longer than the steps after the restart take. */
    private static final long PROVEN_IDLE_MS = 1_000;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private static void keepAlive(Socket socket, int index) throws IOException {
        InputStream in = socket.getInputStream();
        while (RawServer.readRequestHead(in) != null) {
            RawServer.write(socket, OK);
        }
    }

    /** Two requests at once, so on two connections (the route's only two), both then idle in the pool. */
    private static void twoAtOnce(CloseableHttpClient client, String url) throws IOException {
        try (CloseableHttpResponse first = client.execute(new HttpGet(url));
             CloseableHttpResponse second = client.execute(new HttpGet(url))) {
            assertThat(EntityUtils.toString(first.getEntity())).isEqualTo("ok");
            assertThat(EntityUtils.toString(second.getEntity())).isEqualTo("ok");
        }
    }

    @Test
    void aRequestThatFailsBeforeAnyResponseMakesItsRoutesOtherIdleConnectionsBeCheckedFirst() throws Exception {
        RawServer server = new RawServer(StaleConnectionReleaseTest::keepAlive);
        resources.add(server);
        CapturedReports reports = CapturedReports.start();
        resources.add(reports);
        RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder()
                .defaultMaxPerRoute(2)
                .closeHalfClosedIdle(false) // so that maintenance's probe does not find them first
                .build();
        resources.add(cm::shutdown);
        CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).disableAutomaticRetries().build();
        resources.add(client);
        String url = server.url("/");

        twoAtOnce(client, url);
        Thread.sleep(PROVEN_IDLE_MS); // the scenario itself: both connections idle this long, then serve again
        twoAtOnce(client, url); // checked (idle longer than any seen), then served: 1 s is proven
        assertThat(server.accepted.get()).isEqualTo(2);

        server.closeAccepted(); // a restart: both idle connections closed within what the route has proven
        Await.until("the server closed both connections", () -> server.closed.get() == 2);

        assertThatThrownBy(() -> client.execute(new HttpGet(url)).close())
                .as("unchecked, as it idled less than proven: the first request fails")
                .isInstanceOf(NoHttpResponseException.class);
        try (CloseableHttpResponse response = client.execute(new HttpGet(url))) {
            assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("ok");
        }
        assertThat(server.accepted.get()).as("the second request on a new connection").isEqualTo(3);
        assertThat(cm.getCounters().staleFound()).as("the failed request's, and the one its check found")
                .isEqualTo(2);
        assertThat(reports.warnings()).as("closed within the proven idle time: nothing learned").isEmpty();
    }
}

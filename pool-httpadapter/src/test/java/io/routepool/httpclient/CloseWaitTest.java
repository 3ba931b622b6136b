package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.conn.HttpClientConnectionManager;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that closes idle keep-alive connections (as every real server's idle timeout does) leaves the
 * client's end of each pooled connection in CLOSE_WAIT until the client closes it. With its default settings
 * {@link RoutePoolConnectionManager}'s background maintenance finds and closes them; HttpClient's own pool
 * leaves them until the next lease of that very connection. Checked in the kernel's socket table
 * ({@code /proc/net/tcp}), narrowed to this process's sockets towards the server's port.
 */
@Timeout(30)
class CloseWaitTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    /** The server's idle timeout. */
    private static final int SERVER_IDLE_MS = 500;
    /** The bound: no idle pooled socket in CLOSE_WAIT for more than 5 s with the adapter's defaults. */
    private static final Duration CLOSE_WAIT_BOUND = Duration.ofSeconds(5);
    /** The default maintenance interval (1 s), plus slack for a loaded machine. */
    private static final long ONE_INTERVAL_WITH_SLACK_MS = 2_000;
    /** How long HttpClient's pool is watched keeping the sockets in CLOSE_WAIT. */
    private static final long PERSISTS_MS = 3_000;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void requireProcNetTcp() {
        assumeTrue(ProcNetTcp.readable(), "/proc/net/tcp and /proc/self/fd are not readable (not Linux?)");
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /**
     * A keep-alive HTTP/1.1 server that answers every request on a connection and closes the connection
     * politely (FIN: the socket is closed with nothing unread, so no RST) once it has been idle for
     * {@link #SERVER_IDLE_MS}. (HttpCore's ServerBootstrap would end it with SO_LINGER 0, a reset, which
     * leaves no CLOSE_WAIT behind.)
     */
    private static void keepAliveWithIdleTimeout(Socket socket, int index) throws IOException {
        InputStream in = socket.getInputStream();
        socket.setSoTimeout(SERVER_IDLE_MS);
        try {
            while (RawServer.readRequestHead(in) != null) {
                RawServer.write(socket, OK);
            }
        } catch (SocketTimeoutException idle) {
            // idle too long: returning lets RawServer close the socket
        }
    }

    private RawServer server() throws IOException {
        RawServer s = new RawServer(CloseWaitTest::keepAliveWithIdleTimeout);
        resources.add(s);
        return s;
    }

    private CloseableHttpClient client(HttpClientConnectionManager cm) {
        CloseableHttpClient c = HttpClients.custom().setConnectionManager(cm).disableAutomaticRetries().build();
        resources.add(c);
        return c;
    }

    /**
     * A few requests whose connections go back to the pool: two that overlap (so two connections), then one
     * that reuses one of them. Every entity is consumed.
     */
    private static void requests(CloseableHttpClient client, String url) throws IOException {
        try (CloseableHttpResponse first = client.execute(new HttpGet(url));
             CloseableHttpResponse second = client.execute(new HttpGet(url))) {
            assertThat(EntityUtils.toString(first.getEntity())).isEqualTo("ok");
            assertThat(EntityUtils.toString(second.getEntity())).isEqualTo("ok");
        }
        try (CloseableHttpResponse third = client.execute(new HttpGet(url))) {
            assertThat(EntityUtils.toString(third.getEntity())).isEqualTo("ok");
        }
    }

    /** Both of our connections exist, as the kernel sees them: the table and the process filter work. */
    private static void assertTwoOwnSocketsTowards(int port) {
        assertThat(ProcNetTcp.ownTowards(port))
                .as("this process's sockets towards port %d", port)
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.state()).isIn(ProcNetTcp.ESTABLISHED, ProcNetTcp.CLOSE_WAIT));
    }

    @Test
    void withDefaultSettingsNoPooledSocketStaysInCloseWait() throws Exception {
        RawServer server = server();
        int port = server.host().getPort();
        CapturedReports reports = CapturedReports.start();
        resources.add(reports);
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager(); // defaults only
        CloseableHttpClient client = client(cm);

        requests(client, server.url("/"));
        assertThat(server.accepted.get()).isEqualTo(2);
        assertThat(cm.getTotalStats().getAvailable()).as("both connections pooled").isEqualTo(2);
        assertTwoOwnSocketsTowards(port);
        long closedBefore = cm.getCounters().closed();

        Await.until("the server closed both idle connections", CLOSE_WAIT_BOUND, () -> server.closed.get() == 2);
        long serverClosed = System.nanoTime();
        awaitNoOwnSocketTowards(port);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - serverClosed);

        assertThat(ProcNetTcp.ownTowards(port, ProcNetTcp.CLOSE_WAIT)).isZero();
        assertThat(cm.getTotalStats().getAvailable()).as("maintenance dropped them from the pool").isZero();
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getCounters().closed()).as("closed by the pool").isEqualTo(closedBefore + 2);
        // the next maintenance pass probes every connection idle for 250 ms or more: one interval (1 s) at most,
        // plus slack for a loaded machine
        assertThat(tookMs).as("ms from the server's close to ours").isLessThan(ONE_INTERVAL_WITH_SLACK_MS);

        // the pool goes on working: the next request opens a fresh connection
        try (CloseableHttpResponse response = client.execute(new HttpGet(server.url("/")))) {
            assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("ok");
        }
        assertThat(server.accepted.get()).isEqualTo(3);
        // maintenance found them closed after idling 0.5 s or more: the route learned its server's idle close, and
        // said so once (learnIdleClose)
        assertThat(reports.warnings()).singleElement().asString()
                .contains(": Server idle close learned on route ")
                .contains("127.0.0.1:" + port);
        assertThat(cm.getCounters().staleFound()).isEqualTo(2);
    }

    /** The control: the same setup with HttpClient's pool, whose sockets stay in CLOSE_WAIT (so the check above can fail). */
    @Test
    void httpClientsOwnPoolLeavesTheSocketsInCloseWait() throws Exception {
        RawServer server = server();
        int port = server.host().getPort();
        PoolingHttpClientConnectionManager cm = new PoolingHttpClientConnectionManager();
        CloseableHttpClient client = client(cm);

        requests(client, server.url("/"));
        assertThat(server.accepted.get()).isEqualTo(2);
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(2);
        assertTwoOwnSocketsTowards(port);

        Await.until("the server closed both idle connections", CLOSE_WAIT_BOUND, () -> server.closed.get() == 2);
        Await.until("both of our sockets towards the server in CLOSE_WAIT", CLOSE_WAIT_BOUND,
                () -> ProcNetTcp.ownTowards(port, ProcNetTcp.CLOSE_WAIT) == 2);
        // the one wait that must not end: they stay in CLOSE_WAIT while HttpClient's pool idles
        long start = System.nanoTime();
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(PERSISTS_MS)) {
            assertThat(ProcNetTcp.ownTowards(port, ProcNetTcp.CLOSE_WAIT))
                    .as("sockets in CLOSE_WAIT after %d ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .isEqualTo(2);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        assertThat(cm.getTotalStats().getAvailable()).as("still pooled, as if usable").isEqualTo(2);

        client.close(); // closing the pool is what ends them
        awaitNoOwnSocketTowards(port);
    }

    /** Waits until this process has no socket towards {@code port} (in CLOSE_WAIT or otherwise); fails listing them. */
    private static void awaitNoOwnSocketTowards(int port) {
        try {
            Await.until("no socket of this process towards port " + port + " is left", CLOSE_WAIT_BOUND,
                    () -> ProcNetTcp.ownTowards(port).isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; left (08 = CLOSE_WAIT): " + ProcNetTcp.ownTowards(port), e);
        }
    }
}

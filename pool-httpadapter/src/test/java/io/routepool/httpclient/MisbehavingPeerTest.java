package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.http.ConnectionClosedException;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Peers on a raw server socket that break HTTP's promises: the pool must not hand their connections out again. */
@Timeout(30)
class MisbehavingPeerTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private RawServer server(RawServer.Peer peer) throws IOException {
        RawServer s = new RawServer(peer);
        resources.add(s);
        return s;
    }

    private CloseableHttpClient client(RoutePoolConnectionManager cm) {
        CloseableHttpClient c = HttpClients.custom().setConnectionManager(cm).disableAutomaticRetries().build();
        resources.add(c);
        return c;
    }

    private static String body(CloseableHttpClient client, String url) throws IOException {
        try (CloseableHttpResponse response = client.execute(new HttpGet(url))) {
            return EntityUtils.toString(response.getEntity());
        }
    }

    /** Answers one request as if keeping the connection alive (no Connection: close), then closes it. */
    private static void answerOnceThenClose(Socket socket, int index) throws IOException {
        InputStream in = socket.getInputStream();
        if (RawServer.readRequestHead(in) != null) {
            RawServer.write(socket, OK);
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsCaughtByTheStaleCheck() throws Exception {
        RawServer server = server(MisbehavingPeerTest::answerOnceThenClose);
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        cm.setValidateAfterInactivity(1);
        CloseableHttpClient client = client(cm);
        assertThat(body(client, server.url("/"))).isEqualTo("ok");
        long released = System.nanoTime();
        assertThat(cm.getTotalStats().getAvailable()).as("released as reusable").isEqualTo(1);
        Await.until("the server closed the connection", () -> server.closed.get() == 1);
        Await.elapsed(released, 5); // idle longer than validateAfterInactivity

        assertThat(body(client, server.url("/"))).as("no retry: the stale check replaced it").isEqualTo("ok");
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    @Test
    void withoutTheStaleCheckTheSameRequestFails() throws Exception {
        RawServer server = server(MisbehavingPeerTest::answerOnceThenClose);
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        cm.setValidateAfterInactivity(0); // disabled, as in HttpClient
        CloseableHttpClient client = client(cm);
        assertThat(body(client, server.url("/"))).isEqualTo("ok");
        Await.until("the server closed the connection", () -> server.closed.get() == 1);

        assertThatThrownBy(() -> body(client, server.url("/"))).isInstanceOf(IOException.class);
        assertThat(server.accepted.get()).as("the dead connection was used").isEqualTo(1);
        assertThat(cm.getTotalStats().toString()).as("and not put back")
                .isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
        assertThat(body(client, server.url("/"))).isEqualTo("ok");
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    @Test
    void aPeerThatNeverAnswersTimesOutAndItsConnectionIsDiscarded() throws Exception {
        RawServer server = server((socket, index) -> {
            InputStream in = socket.getInputStream();
            RawServer.readRequestHead(in);
            while (in.read() != -1) {
                // say nothing until the client gives up
            }
        });
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        CloseableHttpClient client = client(cm);
        HttpGet request = new HttpGet(server.url("/"));
        request.setConfig(RequestConfig.custom().setSocketTimeout(200).build());
        assertThatThrownBy(() -> client.execute(request)).isInstanceOf(SocketTimeoutException.class);
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
        Await.until("the client closed the connection", () -> server.closed.get() == 1);
    }

    @Test
    void aBodyCutShortAbortsTheConnectionInsteadOfReusingIt() throws Exception {
        RawServer server = server((socket, index) -> {
            if (RawServer.readRequestHead(socket.getInputStream()) != null) {
                RawServer.write(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part");
            }
        });
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        CloseableHttpClient client = client(cm);
        assertThatThrownBy(() -> body(client, server.url("/"))).isInstanceOf(ConnectionClosedException.class);
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
    }

    @Test
    void aPeerThatResetsTheConnectionLeavesNothingLeased() throws Exception {
        RawServer server = server((socket, index) -> {
            if (RawServer.readRequestHead(socket.getInputStream()) != null) {
                socket.setSoLinger(true, 0); // RST on close
            }
        });
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        CloseableHttpClient client = client(cm);
        assertThatThrownBy(() -> body(client, server.url("/"))).isInstanceOf(IOException.class);
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
    }

    @Test
    void shutdownClosesIdleConnectionsPolitelyAndResetsLeasedOnes() throws Exception {
        Map<Integer, String> howItEnded = new ConcurrentHashMap<>();
        RawServer server = server((socket, index) -> {
            try {
                while (RawServer.readRequestHead(socket.getInputStream()) != null) {
                    RawServer.write(socket, OK);
                }
                howItEnded.put(index, "end of stream");
            } catch (SocketException e) {
                howItEnded.put(index, "reset");
            }
        });
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        CloseableHttpClient client = client(cm);
        CloseableHttpResponse first = client.execute(new HttpGet(server.url("/")));
        CloseableHttpResponse second = client.execute(new HttpGet(server.url("/")));
        EntityUtils.consume(first.getEntity()); // connection 1 idle, connection 2 still leased
        assertThat(cm.getTotalStats().toString()).isEqualTo("[leased: 1; pending: 0; available: 1; max: 20]");

        cm.shutdown();
        Await.until("the peer saw both connections end", () -> howItEnded.size() == 2);
        assertThat(howItEnded).containsEntry(1, "end of stream").containsEntry(2, "reset");
        second.close();
    }
}

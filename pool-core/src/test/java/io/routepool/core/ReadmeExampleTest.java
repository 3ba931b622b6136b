package io.routepool.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The usage example of README.md, compiled and run so that the README stays true. */
class ReadmeExampleTest {

    // --- README example start ---
    /** A route: where the connections go. Any type with value equals/hashCode will do. */
    record Endpoint(String host, int port) { }

    /** How connections are made and closed; the pool calls it outside any lock. */
    static final class SocketFactory implements ConnectionFactory<Endpoint, Socket> {
        @Override
        public Socket create(Endpoint route) throws IOException {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(route.host(), route.port()), 2_000);
            return socket;
        }

        @Override
        public void close(Socket socket, CloseMode mode) {
            try {
                if (mode == CloseMode.IMMEDIATE) {
                    socket.setSoLinger(true, 0); // reset instead of an orderly close
                }
                socket.close();
            } catch (IOException ignored) {
                // closing is best effort
            }
        }

        @Override
        public boolean isOpen(Socket socket) {
            return !socket.isClosed();
        }
    }

    static String example(int port) throws Exception {
        try (KeyedPool<Endpoint, Socket> pool = KeyedPool.builder(new SocketFactory())
                .maxTotal(50)
                .defaultMaxPerRoute(10)
                .timeToLive(Duration.ofMinutes(5))
                .build()) {
            Endpoint api = new Endpoint("127.0.0.1", port);
            PoolEntry<Endpoint, Socket> entry = pool.lease(api, null, 2, TimeUnit.SECONDS);
            boolean reusable = false;
            try {
                Socket socket = entry.connection();
                // ... talk to the server ...
                reusable = socket.isConnected();
            } finally {
                pool.release(entry, reusable, 30, TimeUnit.SECONDS); // keep-alive: 30 s
            }
            return pool.getStats(api).toString(); // [leased: 0; pending: 0; available: 1; max: 10]
        }
    }
    // --- README example end ---

    @Test
    void theReadmeExampleRuns() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(example(server.getLocalPort())).isEqualTo("[leased: 0; pending: 0; available: 1; max: 10]");
        }
    }
}

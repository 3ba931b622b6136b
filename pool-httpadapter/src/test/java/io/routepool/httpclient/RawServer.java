package io.routepool.httpclient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.http.HttpHost;

/**
 * A misbehaving HTTP peer on a raw {@link ServerSocket} on 127.0.0.1: each accepted connection is given to
 * {@link Peer#serve}, on its own thread, and closed when it returns.
 */
final class RawServer implements AutoCloseable {

    /** What the peer does with one connection; {@code index} counts connections from 1. */
    interface Peer {
        void serve(Socket socket, int index) throws IOException;
    }

    final AtomicInteger accepted = new AtomicInteger();
    /** Connections whose {@link Peer#serve} has returned and whose socket the server has closed. */
    final AtomicInteger closed = new AtomicInteger();
    private final ServerSocket serverSocket;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    RawServer(Peer peer) throws IOException {
        serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            try {
                while (!serverSocket.isClosed()) {
                    Socket socket = serverSocket.accept();
                    sockets.add(socket);
                    int index = accepted.incrementAndGet();
                    Thread worker = new Thread(() -> {
                        try (socket) {
                            peer.serve(socket, index);
                        } catch (IOException ignored) {
                            // the client went away; that is what some tests do
                        } finally {
                            closed.incrementAndGet();
                        }
                    }, "raw-peer-" + index);
                    worker.setDaemon(true);
                    worker.start();
                }
            } catch (IOException ignored) {
                // server socket closed
            }
        }, "raw-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    HttpHost host() {
        return new HttpHost("127.0.0.1", serverSocket.getLocalPort(), "http");
    }

    String url(String path) {
        return host().toURI() + path;
    }

    /** Reads one request head (up to the blank line); returns it, or {@code null} at end of stream. */
    static String readRequestHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            // match \r\n\r\n
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1
                    : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Closes every connection accepted so far (a FIN to each client), as a restarting server does; it goes on accepting. */
    void closeAccepted() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}

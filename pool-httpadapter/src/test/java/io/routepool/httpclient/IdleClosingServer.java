package io.routepool.httpclient;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server on a raw {@link ServerSocket} on 127.0.0.1 that closes idle keep-alive connections as many
 * real servers do, and tells nobody in advance: every GET gets {@code 200 OK} with a {@code Content-Length}, a short
 * body and {@value #CLIENT_PORT} (the client port, so that a test tells connections apart), and no
 * {@code Keep-Alive} header; a connection that then sends no request for {@code idleClose} is closed by the server
 * (a FIN: nothing is left unread, so no reset). A connection that has not sent its first request within
 * {@code idleClose} is closed the same way.
 *
 * <p>A {@link #holdNext gate} holds requests (after they are read, before they are answered) until a given number
 * have arrived or the test {@link #openGate opens} it: that is how a test makes a client open that many connections
 * at once.
 *
 * <p>One thread per connection, all daemons; {@link #close()} closes the listening socket and every connection,
 * opens the gate and waits (bounded) for the threads to end. Server-side I/O errors end the connection and are not
 * printed: the client's outcome is what tests look at.
 */
final class IdleClosingServer implements AutoCloseable {

    static final String CLIENT_PORT = "X-Client-Port";
    private static final byte[] BODY = "hello".getBytes(StandardCharsets.ISO_8859_1);
    /** Longest request head accepted; HttpClient's GETs are a few hundred bytes. */
    private static final int MAX_HEAD = 64 * 1024;

    /** Connections accepted. */
    final AtomicInteger accepted = new AtomicInteger();
    /** Connections the server closed because no request came within {@code idleClose}. */
    final AtomicInteger idleClosed = new AtomicInteger();
    /** Responses written. */
    final AtomicInteger served = new AtomicInteger();

    private final int idleCloseMillis;
    private final ServerSocket serverSocket;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    /** Client ports of the connections closed for idleness; a port is forgotten when a new connection reuses it. */
    private final Set<Integer> idleClosedPorts = ConcurrentHashMap.newKeySet();
    /** Client ports of the connections that ended, closed by either side; forgotten as idleClosedPorts are. */
    private final Set<Integer> endedPorts = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    /** The gate requests wait at, or {@code null}; replaced by {@link #holdNext}, never reused. */
    private volatile Gate gate;

    IdleClosingServer(Duration idleClose) throws IOException {
        this.idleCloseMillis = Math.toIntExact(idleClose.toMillis());
        if (idleCloseMillis <= 0) {
            throw new IllegalArgumentException("idleClose must be at least 1 ms: " + idleClose);
        }
        serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "idle-closing-acceptor");
        acceptor.setDaemon(true);
        threads.add(acceptor);
        acceptor.start();
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Connections open on the server's side (accepted, not yet closed by either side as far as it knows). */
    int open() {
        return sockets.size();
    }

    /** Whether the server closed the connection from {@code clientPort} for idleness. */
    /** Whether the connection from {@code clientPort} has ended, closed by the server or by the client. */
    boolean ended(int clientPort) {
        return endedPorts.contains(clientPort);
    }

    boolean closedForIdleness(int clientPort) {
        return idleClosedPorts.contains(clientPort);
    }

    /**
     * Holds the next {@code parties} requests until all of them have arrived (or {@link #openGate} is called),
     * then answers them together. Requests that arrive after the gate opened are answered at once.
     */
    void holdNext(int parties) {
        Gate previous = gate;
        if (previous != null) {
            previous.open();
        }
        gate = new Gate(parties);
    }

    /** Requests that have arrived at the current gate (held, or let through when it opened); 0 without a gate. */
    int arrivedAtGate() {
        Gate g = gate;
        return g == null ? 0 : g.arrived();
    }

    /** Opens the gate, if any: the requests it holds are answered. */
    void openGate() {
        Gate g = gate;
        if (g != null) {
            g.open();
        }
    }

    private void acceptLoop() {
        try {
            while (!serverSocket.isClosed()) {
                Socket socket = serverSocket.accept();
                idleClosedPorts.remove(socket.getPort());
                endedPorts.remove(socket.getPort());
                sockets.add(socket);
                accepted.incrementAndGet();
                Thread worker = new Thread(() -> serve(socket), "idle-closing-" + socket.getPort());
                worker.setDaemon(true);
                threads.add(worker);
                worker.start();
            }
        } catch (IOException closed) {
            // the listening socket was closed: close() is under way
        } finally {
            threads.remove(Thread.currentThread());
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                socket.setSoTimeout(idleCloseMillis);
                RequestHead head;
                try {
                    head = RequestHead.read(in);
                } catch (SocketTimeoutException idle) {
                    // nothing left unread, so close() sends a FIN, as a server's idle close does; counted once sent
                    socket.close();
                    idleClosedPorts.add(socket.getPort());
                    idleClosed.incrementAndGet();
                    return;
                }
                if (head == null) {
                    return; // the client closed the connection
                }
                socket.setSoTimeout(0);
                discard(in, head.contentLength);
                Gate g = gate;
                if (g != null) {
                    g.arriveAndAwait();
                }
                byte[] response = ("HTTP/1.1 200 OK\r\n"
                        + "Content-Type: text/plain; charset=ISO-8859-1\r\n"
                        + "Content-Length: " + BODY.length + "\r\n"
                        + CLIENT_PORT + ": " + socket.getPort() + "\r\n"
                        + (head.close ? "Connection: close\r\n" : "")
                        + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                out.write(response);
                if (!head.method.equals("HEAD")) {
                    out.write(BODY);
                }
                out.flush();
                served.incrementAndGet();
                if (head.close) {
                    return;
                }
            }
        } catch (IOException | InterruptedException ended) {
            // the client reset the connection, or close() closed it: the client's side is what tests look at
        } finally {
            endedPorts.add(socket.getPort());
            sockets.remove(socket);
            threads.remove(Thread.currentThread());
        }
    }

    private static void discard(InputStream in, long length) throws IOException {
        for (long left = length; left > 0; ) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() == -1) {
                    throw new IOException("end of stream inside a request body");
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        openGate();
        for (Socket s : sockets) {
            s.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the threads are daemons: left to end on their own
        }
    }

    /** The parts of a request head the server acts on. */
    private static final class RequestHead {
        final String method;
        final long contentLength;
        final boolean close;

        private RequestHead(String method, long contentLength, boolean close) {
            this.method = method;
            this.contentLength = contentLength;
            this.close = close;
        }

        /** Reads header lines up to the blank line; {@code null} at end of stream before a request starts. */
        static RequestHead read(InputStream in) throws IOException {
            String requestLine;
            do {
                requestLine = line(in, true);
                if (requestLine == null) {
                    return null;
                }
            } while (requestLine.isEmpty()); // RFC 9112 2.2: ignore empty lines before the request line
            int space = requestLine.indexOf(' ');
            String method = space > 0 ? requestLine.substring(0, space) : requestLine;
            boolean http10 = requestLine.endsWith("HTTP/1.0");
            long contentLength = 0;
            Boolean close = null;
            int size = requestLine.length();
            for (String header = line(in, false); !header.isEmpty(); header = line(in, false)) {
                size += header.length();
                if (size > MAX_HEAD) {
                    throw new IOException("request head too long");
                }
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    contentLength = Long.parseLong(value);
                } else if (name.equals("transfer-encoding")) {
                    throw new IOException("request bodies are not supported: " + header);
                } else if (name.equals("connection")) {
                    String v = value.toLowerCase(Locale.ROOT);
                    close = v.contains("close") ? Boolean.TRUE : v.contains("keep-alive") ? Boolean.FALSE : close;
                }
            }
            return new RequestHead(method, contentLength, close != null ? close : http10);
        }

        /**
         * One line without its CRLF (a bare LF is accepted too); {@code null} at end of stream before the first
         * byte if {@code startOfRequest}, else end of stream is an error.
         */
        private static String line(InputStream in, boolean startOfRequest) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(64);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
                }
                line.write(b);
                if (line.size() > MAX_HEAD) {
                    throw new IOException("request line too long");
                }
            }
            if (startOfRequest && line.size() == 0) {
                return null;
            }
            throw new IOException("end of stream inside a request head");
        }
    }

    /** Holds arriving requests until {@code parties} have arrived or it is opened. */
    private static final class Gate {
        private final int parties;
        private int arrived;
        private boolean open;

        Gate(int parties) {
            this.parties = parties;
        }

        synchronized void arriveAndAwait() throws InterruptedException {
            if (open) {
                return;
            }
            arrived++;
            if (arrived >= parties) {
                open();
                return;
            }
            while (!open) {
                wait();
            }
        }

        synchronized int arrived() {
            return arrived;
        }

        synchronized void open() {
            open = true;
            notifyAll();
        }
    }
}

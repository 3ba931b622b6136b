package io.routepool.httpclient5;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.bootstrap.HttpServer;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.impl.io.DefaultBHttpServerConnection;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * HttpCore 5's classic {@link ServerBootstrap} (HTTP/1.1, or HTTPS with an {@link SSLContext}) on 127.0.0.1, with
 * books kept server-side: connections accepted and ended, responses sent, and the client port of each exchange
 * (sent back as {@value #CLIENT_PORT}, so a test sees which pooled connection served it). Standard handlers:
 * {@code /hello} (short body), {@code /big} (256 KiB body), {@code /close} ({@code Connection: close}),
 * {@code /ka1} ({@code Keep-Alive: timeout=1}), {@code /gate} (held until {@link Gate#open()}),
 * {@code /status/NNN} (that status, short body); tests add their own (a key ending in '/' is a prefix). Server-side errors are recorded in
 * {@link #errors}, never printed.
 */
final class ClassicServer implements AutoCloseable {

    static final String CLIENT_PORT = "X-Client-Port";
    static final String USER = "X-User";
    static final byte[] BIG = new byte[256 * 1024];

    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final AtomicInteger served = new AtomicInteger();
    /** Client port -> values of the {@value #USER} request header seen on that connection. */
    final Map<Integer, Set<String>> usersByPort = new ConcurrentHashMap<>();
    final List<Exception> errors = new CopyOnWriteArrayList<>();
    final Gate gate = new Gate();
    private final HttpServer server;
    private final String scheme;

    private ClassicServer(Map<String, HttpRequestHandler> extra, SSLContext ssl) throws IOException {
        this.scheme = ssl != null ? "https" : "http";
        Map<String, HttpRequestHandler> handlers = new java.util.HashMap<>();
        handlers.put("/hello", (request, response, context) ->
                response.setEntity(new StringEntity("hello", ContentType.TEXT_PLAIN)));
        handlers.put("/big", (request, response, context) ->
                response.setEntity(new ByteArrayEntity(BIG, ContentType.APPLICATION_OCTET_STREAM)));
        handlers.put("/close", (request, response, context) -> {
            response.setHeader("Connection", "close");
            response.setEntity(new StringEntity("bye", ContentType.TEXT_PLAIN));
        });
        handlers.put("/ka1", (request, response, context) -> {
            response.setHeader("Keep-Alive", "timeout=1");
            response.setEntity(new StringEntity("ka", ContentType.TEXT_PLAIN));
        });
        handlers.put("/gate", gate);
        handlers.put("/status/", (request, response, context) -> {
            String path = request.getPath();
            response.setCode(Integer.parseInt(path.substring(path.lastIndexOf('/') + 1)));
            response.setEntity(new StringEntity("status", ContentType.TEXT_PLAIN));
        });
        handlers.putAll(extra);
        ServerBootstrap bootstrap = ServerBootstrap.bootstrap()
                .setLocalAddress(InetAddress.getLoopbackAddress())
                .setListenerPort(0)
                .setSocketConfig(SocketConfig.custom().setSoTimeout(Timeout.ofSeconds(30)).setTcpNoDelay(true).build())
                .setConnectionFactory(new CountingConnectionFactory())
                .setExceptionListener(new org.apache.hc.core5.http.ExceptionListener() {
                    @Override
                    public void onError(Exception ex) {
                        errors.add(ex);
                    }

                    @Override
                    public void onError(HttpConnection connection, Exception ex) {
                        errors.add(ex);
                    }
                })
                // by path only, whatever the host: a.test, b.test, ... are names of this server (no 421)
                .setRequestRouter((request, context) -> route(handlers, request.getPath()));
        if (ssl != null) {
            bootstrap.setSslContext(ssl);
        }
        this.server = bootstrap.create();
        this.server.start();
    }

    static ClassicServer start() throws IOException {
        return new ClassicServer(Map.of(), null);
    }

    static ClassicServer start(SSLContext ssl) throws IOException {
        return new ClassicServer(Map.of(), ssl);
    }

    static ClassicServer start(Map<String, HttpRequestHandler> extra) throws IOException {
        return new ClassicServer(extra, null);
    }

    /** The handler for {@code path} (query ignored): an exact match, else the longest key ending in '/' that prefixes it. */
    static <H> H route(Map<String, H> handlers, String path) {
        String p = path.indexOf('?') >= 0 ? path.substring(0, path.indexOf('?')) : path;
        H exact = handlers.get(p);
        if (exact != null) {
            return exact;
        }
        String best = null;
        for (String key : handlers.keySet()) {
            if (key.endsWith("/") && p.startsWith(key) && (best == null || key.length() > best.length())) {
                best = key;
            }
        }
        return best != null ? handlers.get(best) : null;
    }

    int port() {
        return server.getLocalPort();
    }

    HttpHost host() {
        return new HttpHost(scheme, "127.0.0.1", port());
    }

    /** A host name that {@link Managers#LOOPBACK} maps to 127.0.0.1: a distinct route to this same server. */
    HttpHost host(String name) {
        return new HttpHost(scheme, name, port());
    }

    HttpRoute route() {
        return new HttpRoute(host(), null, "https".equals(scheme));
    }

    HttpRoute route(String name) {
        return new HttpRoute(host(name), null, "https".equals(scheme));
    }

    String url(String path) {
        return host().toURI() + path;
    }

    String url(String name, String path) {
        return host(name).toURI() + path;
    }

    /** Connections the server still has open (accepted and not yet ended). */
    int open() {
        return accepted.get() - ended.get();
    }

    @Override
    public void close() {
        gate.open();
        server.close(CloseMode.IMMEDIATE);
    }

    /**
     * {@code /gate}: every request that arrives is counted, then held until {@link #open()}; {@link #shut()} holds
     * the requests that arrive after it again.
     */
    static final class Gate implements HttpRequestHandler {
        final AtomicInteger arrived = new AtomicInteger();
        private volatile CountDownLatch latch = new CountDownLatch(1);

        @Override
        public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
                throws HttpException, IOException {
            CountDownLatch current = latch;
            arrived.incrementAndGet();
            try {
                if (!current.await(30, TimeUnit.SECONDS)) {
                    response.setCode(504);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                response.setCode(503);
            }
            response.setEntity(new StringEntity("gate", StandardCharsets.UTF_8));
        }

        void open() {
            latch.countDown();
        }

        void shut() {
            latch = new CountDownLatch(1);
        }
    }

    private final class CountingConnectionFactory implements HttpConnectionFactory<DefaultBHttpServerConnection> {
        @Override
        public DefaultBHttpServerConnection createConnection(Socket socket) throws IOException {
            CountingConnection conn = new CountingConnection();
            conn.bind(socket);
            accepted.incrementAndGet();
            return conn;
        }

        @Override
        public DefaultBHttpServerConnection createConnection(SSLSocket sslSocket, Socket socket) throws IOException {
            CountingConnection conn = new CountingConnection();
            conn.bind(sslSocket, socket);
            accepted.incrementAndGet();
            return conn;
        }
    }

    /** Counts its end once (client close, error or server shutdown) and stamps each response with the client port. */
    private final class CountingConnection extends DefaultBHttpServerConnection {
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile int clientPort = -1;

        CountingConnection() {
            super(scheme, Http1Config.DEFAULT);
        }

        @Override
        public void bind(Socket socket) throws IOException {
            clientPort = socket.getPort();
            super.bind(socket);
        }

        @Override
        public void bind(SSLSocket sslSocket, Socket socket) throws IOException {
            clientPort = socket.getPort();
            super.bind(sslSocket, socket);
        }

        @Override
        public ClassicHttpRequest receiveRequestHeader() throws HttpException, IOException {
            ClassicHttpRequest request = super.receiveRequestHeader();
            if (request != null) {
                Header user = request.getFirstHeader(USER);
                if (user != null) {
                    usersByPort.computeIfAbsent(clientPort, p -> ConcurrentHashMap.newKeySet()).add(user.getValue());
                }
            }
            return request;
        }

        @Override
        public void sendResponseHeader(ClassicHttpResponse response) throws HttpException, IOException {
            response.setHeader(CLIENT_PORT, Integer.toString(clientPort));
            served.incrementAndGet();
            super.sendResponseHeader(response);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                end();
            }
        }

        @Override
        public void close(CloseMode closeMode) {
            try {
                super.close(closeMode);
            } finally {
                end();
            }
        }

        private void end() {
            if (done.compareAndSet(false, true)) {
                ended.incrementAndGet();
            }
        }
    }
}

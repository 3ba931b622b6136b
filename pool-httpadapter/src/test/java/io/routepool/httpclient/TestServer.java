package io.routepool.httpclient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.http.HttpConnectionFactory;
import org.apache.http.HttpHost;
import org.apache.http.HttpInetConnection;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.DefaultBHttpServerConnection;
import org.apache.http.impl.bootstrap.HttpServer;
import org.apache.http.impl.bootstrap.ServerBootstrap;
import org.apache.http.protocol.HttpContext;
import org.apache.http.protocol.HttpCoreContext;
import org.apache.http.protocol.HttpRequestHandler;

/**
 * HttpCore 4.4's {@link ServerBootstrap} on 127.0.0.1 with books kept server-side: connections accepted
 * and ended, requests served, and the client port of each request (also sent back as {@code X-Client-Port}).
 * Standard handlers: {@code /hello} (short body), {@code /big} (1 MiB body), {@code /close}
 * ({@code Connection: close}); tests add their own.
 */
final class TestServer implements AutoCloseable {

    static final String CLIENT_PORT = "X-Client-Port";
    static final byte[] BIG = new byte[1 << 20];

    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final AtomicInteger served = new AtomicInteger();
    /** Client port -> values of the {@code X-User} request header seen on that connection. */
    final Map<Integer, Set<String>> usersByPort = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final String scheme;

    private TestServer(ServerBootstrap bootstrap, String scheme) throws IOException {
        this.scheme = scheme;
        bootstrap.setLocalAddress(InetAddress.getLoopbackAddress())
                .setListenerPort(0)
                .setSocketConfig(SocketConfig.custom().setSoTimeout(30_000).setTcpNoDelay(true).build())
                .setConnectionFactory(new CountingConnectionFactory())
                .addInterceptorLast((org.apache.http.HttpResponseInterceptor) (response, context) -> {
                    int port = clientPort(context);
                    response.setHeader(CLIENT_PORT, Integer.toString(port));
                    served.incrementAndGet();
                })
                .addInterceptorFirst((org.apache.http.HttpRequestInterceptor) (request, context) -> {
                    if (request.containsHeader("X-User")) {
                        usersByPort.computeIfAbsent(clientPort(context), p -> ConcurrentHashMap.newKeySet())
                                .add(request.getFirstHeader("X-User").getValue());
                    }
                })
                .registerHandler("/hello", (request, response, context) ->
                        response.setEntity(new StringEntity("hello", StandardCharsets.UTF_8)))
                .registerHandler("/big", (request, response, context) -> response.setEntity(new ByteArrayEntity(BIG)))
                .registerHandler("/close", (request, response, context) -> {
                    response.setHeader("Connection", "close");
                    response.setEntity(new StringEntity("bye", StandardCharsets.UTF_8));
                });
        this.server = bootstrap.create();
        this.server.start();
    }

    static TestServer start(Map<String, HttpRequestHandler> handlers) throws IOException {
        return start(handlers, null);
    }

    static TestServer start(Map<String, HttpRequestHandler> handlers, SSLContext ssl) throws IOException {
        ServerBootstrap bootstrap = ServerBootstrap.bootstrap();
        handlers.forEach(bootstrap::registerHandler);
        if (ssl != null) {
            bootstrap.setSslContext(ssl);
        }
        return new TestServer(bootstrap, ssl != null ? "https" : "http");
    }

    static TestServer start() throws IOException {
        return start(Map.of());
    }

    static int clientPort(HttpContext context) {
        return ((HttpInetConnection) HttpCoreContext.adapt(context).getConnection()).getRemotePort();
    }

    int port() {
        return server.getLocalPort();
    }

    HttpHost host() {
        return new HttpHost("127.0.0.1", port(), scheme);
    }

    /** A host name that the tests' DNS resolver maps to 127.0.0.1: a distinct route to the same server. */
    HttpHost host(String name) {
        return new HttpHost(name, port(), scheme);
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

    /** Connections the server still has open (accepted and not yet ended). */
    int open() {
        return accepted.get() - ended.get();
    }

    @Override
    public void close() {
        server.shutdown(0, TimeUnit.MILLISECONDS);
    }

    /** Counts connections as the server creates them and as they end (client close, error or server shutdown). */
    private final class CountingConnectionFactory implements HttpConnectionFactory<DefaultBHttpServerConnection> {
        @Override
        public DefaultBHttpServerConnection createConnection(Socket socket) throws IOException {
            CountingConnection conn = new CountingConnection();
            conn.bind(socket);
            accepted.incrementAndGet();
            return conn;
        }
    }

    private final class CountingConnection extends DefaultBHttpServerConnection {
        private final AtomicBoolean done = new AtomicBoolean();

        CountingConnection() {
            super(8 * 1024);
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
        public void shutdown() throws IOException {
            try {
                super.shutdown();
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

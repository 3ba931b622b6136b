package io.routepool.micrometer;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.http.impl.bootstrap.HttpServer;
import org.apache.hc.core5.http.impl.bootstrap.ServerBootstrap;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * HttpCore 5's classic {@link ServerBootstrap} (HTTP/1.1, keep-alive) on 127.0.0.1, for the clients of every
 * manager: {@code /hello} answers at once, {@code /gate} holds its request until {@link #openGate()} (counting
 * arrivals). Server-side errors (a client closing its connections at the end, say) are recorded, never printed.
 */
final class TestServer implements AutoCloseable {

    final AtomicInteger atGate = new AtomicInteger();
    final List<Exception> errors = new CopyOnWriteArrayList<>();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final HttpServer server;
    private final HttpRequestHandler hello = (request, response, context) ->
            response.setEntity(new StringEntity("hello", ContentType.TEXT_PLAIN));
    private final HttpRequestHandler gateHandler = (request, response, context) -> {
        atGate.incrementAndGet();
        try {
            gate.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        response.setEntity(new StringEntity("through", ContentType.TEXT_PLAIN));
    };

    private TestServer() throws IOException {
        server = ServerBootstrap.bootstrap()
                .setLocalAddress(InetAddress.getLoopbackAddress())
                .setListenerPort(0)
                .setSocketConfig(SocketConfig.custom().setSoTimeout(Timeout.ofSeconds(30)).setTcpNoDelay(true).build())
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
                // by path only, whatever the Host header (no 421 for 127.0.0.1)
                .setRequestRouter((request, context) -> request.getPath().startsWith("/gate") ? gateHandler : hello)
                .create();
        server.start();
    }

    static TestServer start() throws IOException {
        return new TestServer();
    }

    int port() {
        return server.getLocalPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** The default route name of this server's routes. */
    String routeName() {
        return "http://127.0.0.1:" + port();
    }

    void openGate() {
        gate.countDown();
    }

    @Override
    public void close() {
        openGate();
        server.close(CloseMode.IMMEDIATE);
    }
}

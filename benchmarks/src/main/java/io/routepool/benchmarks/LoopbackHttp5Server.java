package io.routepool.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.impl.bootstrap.AsyncServerBootstrap;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseProducer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.reactor.IOSessionListener;
import org.apache.hc.core5.reactor.ListenerEndpoint;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HttpClient 5 end-to-end benchmarks' server: one HttpCore 5.4 {@link HttpAsyncServer}
 * ({@link AsyncServerBootstrap}: HTTP/1.1 only, keep-alive) listening on {@code routes} ephemeral ports of
 * 127.0.0.1, one port per route, and answering every request with 200 and a 2-byte {@code text/plain} body
 * ({@code Content-Length: 2}). Its I/O reactor has HttpCore's default thread count (one per available
 * processor) however many connections there are, so the server's thread count does not grow with the
 * client's. Loopback only. It counts the connections it accepts and the requests it answers (two
 * {@link LongAdder}s), so that a benchmark can show that connections were reused, not churned.
 */
final class LoopbackHttp5Server implements AutoCloseable {

    static final String BODY = "ok";

    private static final String HOST = "127.0.0.1";

    private final HttpAsyncServer server;
    private final HttpHost[] targets;
    private final LongAdder connections;
    private final LongAdder requests;

    private LoopbackHttp5Server(HttpAsyncServer server, HttpHost[] targets, LongAdder connections, LongAdder requests) {
        this.server = server;
        this.targets = targets;
        this.connections = connections;
        this.requests = requests;
    }

    /** Starts the server on {@code routes} ports; the targets, one per port, are {@link #targets()}. */
    static LoopbackHttp5Server start(int routes) throws IOException {
        if (routes < 1) {
            throw new IllegalArgumentException("routes must be >= 1: " + routes);
        }
        LongAdder connections = new LongAdder();
        LongAdder requests = new LongAdder();
        HttpAsyncServer server = AsyncServerBootstrap.bootstrap()
                .setIOReactorConfig(IOReactorConfig.custom()
                        .setSoTimeout(Timeout.ofMinutes(5))
                        .setTcpNoDelay(true)
                        .build())
                .setCanonicalHostName(HOST) // the host the requests name; otherwise 421 Not authoritative
                .setExceptionCallback(e -> { })
                .setIOSessionListener(new CountingSessionListener(connections))
                .register("*", new FixedResponse(requests))
                .create();
        try {
            server.start();
            InetAddress loopback = InetAddress.getByName(HOST);
            HttpHost[] targets = new HttpHost[routes];
            for (int i = 0; i < routes; i++) {
                ListenerEndpoint endpoint = server.listen(new InetSocketAddress(loopback, 0), URIScheme.HTTP)
                        .get(10, TimeUnit.SECONDS);
                int port = ((InetSocketAddress) endpoint.getAddress()).getPort();
                targets[i] = new HttpHost(URIScheme.HTTP.id, HOST, port);
            }
            return new LoopbackHttp5Server(server, targets, connections, requests);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close(CloseMode.IMMEDIATE);
            throw new IOException(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            server.close(CloseMode.IMMEDIATE);
            throw new IOException("could not listen on 127.0.0.1", e);
        }
    }

    /** One target per route: 127.0.0.1 on distinct ports. */
    HttpHost[] targets() {
        return targets.clone();
    }

    /** For a teardown line: connections accepted and requests answered so far. */
    String counts() {
        return connections.sum() + " connections accepted, " + requests.sum() + " requests answered";
    }

    @Override
    public void close() {
        server.initiateShutdown();
        try {
            server.awaitShutdown(TimeValue.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close(CloseMode.IMMEDIATE);
        }
    }

    /** 200, "ok"; a request body, if any, is discarded. */
    private static final class FixedResponse implements AsyncServerRequestHandler<Message<HttpRequest, Void>> {

        private final LongAdder requests;

        FixedResponse(LongAdder requests) {
            this.requests = requests;
        }

        @Override
        public AsyncRequestConsumer<Message<HttpRequest, Void>> prepare(HttpRequest request, EntityDetails entityDetails,
                                                                        HttpContext context) {
            return new BasicRequestConsumer<>(DiscardingEntityConsumer::new);
        }

        @Override
        public void handle(Message<HttpRequest, Void> request, ResponseTrigger responseTrigger, HttpContext context)
                throws org.apache.hc.core5.http.HttpException, IOException {
            requests.increment();
            responseTrigger.submitResponse(new BasicResponseProducer(HttpStatus.SC_OK, BODY, ContentType.TEXT_PLAIN), context);
        }
    }

    /** Counts accepted connections; every other I/O event is a no-op. */
    private static final class CountingSessionListener implements IOSessionListener {

        private final LongAdder connections;

        CountingSessionListener(LongAdder connections) {
            this.connections = connections;
        }

        @Override
        public void connected(IOSession session) {
            connections.increment();
        }

        @Override
        public void startTls(IOSession session) {
        }

        @Override
        public void inputReady(IOSession session) {
        }

        @Override
        public void outputReady(IOSession session) {
        }

        @Override
        public void timeout(IOSession session) {
        }

        @Override
        public void exception(IOSession session, Exception ex) {
        }

        @Override
        public void disconnected(IOSession session) {
        }
    }
}

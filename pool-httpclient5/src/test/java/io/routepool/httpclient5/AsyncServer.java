package io.routepool.httpclient5;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.ProtocolVersion;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerExchangeHandler;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.AsyncEntityProducers;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.support.AsyncResponseBuilder;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.nio.support.BasicServerExchangeHandler;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.http2.impl.nio.bootstrap.H2ServerBootstrap;
import org.apache.hc.core5.http2.ssl.H2ServerTlsStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.IOSession;
import org.apache.hc.core5.reactor.IOSessionListener;
import org.apache.hc.core5.reactor.ListenerEndpoint;
import org.apache.hc.core5.util.Timeout;

/**
 * HttpCore 5's {@link H2ServerBootstrap} on 127.0.0.1: HTTP/1.1 ({@link #http1()}) or HTTP/2 with prior knowledge
 * ({@link #h2c()}) in clear text, or TLS with ALPN offering {@code h2} and {@code http/1.1} ({@link #tls}).
 * Books kept server-side: connections accepted and ended ({@link #ended()}), responses sent, the protocol
 * versions seen, and the client port of each exchange (sent back as {@value ClassicServer#CLIENT_PORT}). Handlers:
 * {@code /hello}, {@code /gate} (held until {@link #openGate()}), {@code /barrier} (held until {@link #barrier}
 * requests are in flight at once, or 10 s have passed). Server-side errors are recorded in {@link #errors}, never
 * printed.
 */
final class AsyncServer implements AutoCloseable {

    final AtomicInteger accepted = new AtomicInteger();
    /** Each session accepted, to whether the reactor reported it disconnected: see {@link #ended()}. */
    private final Map<IOSession, Boolean> sessions = new ConcurrentHashMap<>();
    final AtomicInteger served = new AtomicInteger();
    final AtomicInteger gateArrived = new AtomicInteger();
    final Set<ProtocolVersion> versions = ConcurrentHashMap.newKeySet();
    final List<Exception> errors = new CopyOnWriteArrayList<>();
    /** How many {@code /barrier} requests must be in flight together before any is answered. */
    volatile int barrier = 1;
    /** The most {@code /barrier} requests that were in flight together. */
    final AtomicInteger barrierPeak = new AtomicInteger();

    private final HttpAsyncServer server;
    private final String scheme;
    private final int port;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "async-server-timer");
        t.setDaemon(true);
        return t;
    });
    private final List<Runnable> held = new ArrayList<>();
    private boolean gateOpen;
    private final List<Runnable> atBarrier = new ArrayList<>();
    private final Map<String, Supplier<AsyncServerExchangeHandler>> handlers = new ConcurrentHashMap<>();

    private AsyncServer(HttpVersionPolicy policy, SSLContext ssl) throws IOException {
        this.scheme = ssl != null ? "https" : "http";
        H2ServerBootstrap bootstrap = H2ServerBootstrap.bootstrap()
                .setIOReactorConfig(IOReactorConfig.custom()
                        .setIoThreadCount(1)
                        .setSoTimeout(Timeout.ofSeconds(30))
                        .build())
                .setVersionPolicy(policy)
                .setExceptionCallback(errors::add)
                .setIOSessionListener(new Sessions())
                // by path only, whatever the host (no 421 for a name of this server)
                .setRequestRouter((request, context) -> ClassicServer.route(handlers, request.getPath()));
        handlers.put("/hello", exchange((request, respond) -> respond.run()));
        handlers.put("/gate", exchange((request, respond) -> {
                    gateArrived.incrementAndGet();
                    boolean now;
                    synchronized (held) {
                        now = gateOpen;
                        if (!now) {
                            held.add(respond);
                        }
                    }
                    if (now) {
                        respond.run();
                    }
                }));
        handlers.put("/barrier", exchange((request, respond) -> {
                    List<Runnable> release = null;
                    synchronized (atBarrier) {
                        atBarrier.add(respond);
                        barrierPeak.accumulateAndGet(atBarrier.size(), Math::max);
                        if (atBarrier.size() >= barrier) {
                            release = new ArrayList<>(atBarrier);
                            atBarrier.clear();
                        }
                    }
                    if (release != null) {
                        release.forEach(Runnable::run);
                    } else {
                        timer.schedule(this::releaseBarrier, 10, TimeUnit.SECONDS);
                    }
                }));
        if (ssl != null) {
            bootstrap.setTlsStrategy(new H2ServerTlsStrategy(ssl)); // offers h2 and http/1.1 by ALPN
        }
        server = bootstrap.create();
        server.start();
        try {
            ListenerEndpoint endpoint = server.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    ssl != null ? URIScheme.HTTPS : URIScheme.HTTP).get(10, TimeUnit.SECONDS);
            port = ((InetSocketAddress) endpoint.getAddress()).getPort();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException(ex);
        } catch (ExecutionException | TimeoutException ex) {
            throw new IOException(ex);
        }
    }

    /** HTTP/1.1 in clear text (HttpCore's negotiation has nothing to negotiate without TLS). */
    static AsyncServer http1() throws IOException {
        return new AsyncServer(HttpVersionPolicy.NEGOTIATE, null);
    }

    /** HTTP/2 in clear text, prior knowledge: the client must force HTTP/2. */
    static AsyncServer h2c() throws IOException {
        return new AsyncServer(HttpVersionPolicy.FORCE_HTTP_2, null);
    }

    /** TLS, offering h2 and http/1.1 by ALPN. */
    static AsyncServer tls(SSLContext ssl) throws IOException {
        return new AsyncServer(HttpVersionPolicy.NEGOTIATE, ssl);
    }

    HttpHost host() {
        return new HttpHost(scheme, "127.0.0.1", port);
    }

    HttpRoute route() {
        return new HttpRoute(host(), null, "https".equals(scheme));
    }

    String url(String path) {
        return host().toURI() + path;
    }

    /**
     * The connections that have ended: sessions the reactor reported disconnected, or whose channel is closed
     * whether reported or not. HttpCore before 5.3.6 (the httpclient5-5.4 profile runs on 5.3.4) never reports a
     * session closed {@code IMMEDIATE}: {@code InternalDataChannel.close(IMMEDIATE)} marks the channel closed
     * without queueing it for {@code disconnected} (fixed by "#disconnected method of protocol handlers is to be
     * called only once the underlying I/O session has been fully closed"). A server session is closed so after an
     * I/O error, as when a response goes to a client that has already closed the connection ("Broken pipe").
     */
    int ended() {
        int n = 0;
        for (Map.Entry<IOSession, Boolean> e : sessions.entrySet()) {
            if (e.getValue() || e.getKey().getStatus() == IOSession.Status.CLOSED) {
                n++;
            }
        }
        return n;
    }

    int open() {
        return accepted.get() - ended();
    }

    /** Answers the held {@code /gate} requests, and those that arrive later at once. */
    void openGate() {
        List<Runnable> release;
        synchronized (held) {
            gateOpen = true;
            release = new ArrayList<>(held);
            held.clear();
        }
        release.forEach(Runnable::run);
    }

    private void releaseBarrier() {
        List<Runnable> release;
        synchronized (atBarrier) {
            release = new ArrayList<>(atBarrier);
            atBarrier.clear();
        }
        release.forEach(Runnable::run);
    }

    @Override
    public void close() {
        openGate();
        releaseBarrier();
        timer.shutdownNow();
        server.close(CloseMode.IMMEDIATE);
    }

    /** What a handler does with a request: call {@code respond} (now or later, on any thread) to answer it. */
    private interface Exchange {
        void handle(HttpRequest request, Runnable respond);
    }

    private Supplier<AsyncServerExchangeHandler> exchange(Exchange exchange) {
        AsyncServerRequestHandler<Message<HttpRequest, String>> handler = handler(exchange);
        return () -> new BasicServerExchangeHandler<>(handler);
    }

    private AsyncServerRequestHandler<Message<HttpRequest, String>> handler(Exchange exchange) {
        return new AsyncServerRequestHandler<Message<HttpRequest, String>>() {
            @Override
            public AsyncRequestConsumer<Message<HttpRequest, String>> prepare(HttpRequest request,
                    EntityDetails entityDetails, HttpContext context) {
                return new BasicRequestConsumer<>(entityDetails != null ? new StringAsyncEntityConsumer() : null);
            }

            @Override
            public void handle(Message<HttpRequest, String> message, ResponseTrigger trigger, HttpContext context) {
                HttpCoreContext core = HttpCoreContext.cast(context);
                ProtocolVersion version = core.getProtocolVersion();
                if (version != null) {
                    versions.add(version);
                }
                SocketAddress remote = core.getEndpointDetails() != null
                        ? core.getEndpointDetails().getRemoteAddress() : null;
                String clientPort = remote instanceof InetSocketAddress
                        ? Integer.toString(((InetSocketAddress) remote).getPort()) : "-1";
                exchange.handle(message.getHead(), () -> {
                    try {
                        served.incrementAndGet();
                        trigger.submitResponse(AsyncResponseBuilder.create(200)
                                .setHeader(ClassicServer.CLIENT_PORT, clientPort)
                                .setEntity(AsyncEntityProducers.create("hello", ContentType.TEXT_PLAIN))
                                .build(), context);
                    } catch (HttpException | IOException ex) {
                        errors.add(ex);
                    }
                });
            }
        };
    }

    private final class Sessions implements IOSessionListener {
        @Override
        public void connected(IOSession session) {
            sessions.put(session, Boolean.FALSE);
            accepted.incrementAndGet();
        }

        @Override
        public void disconnected(IOSession session) {
            sessions.replace(session, Boolean.TRUE); // only sessions counted as accepted
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
            errors.add(ex);
        }
    }
}

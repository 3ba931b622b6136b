package io.routepool.httpclient5;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.nio.AsyncClientConnectionOperator;
import org.apache.hc.client5.http.nio.AsyncConnectionEndpoint;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.reactor.ConnectionInitiator;
import org.apache.hc.core5.reactor.IOReactor;
import org.apache.hc.core5.reactor.IOReactorStatus;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * HttpClient 5's {@link PoolingAsyncClientConnectionManager}, on routepool's pool: a drop-in, so code typed to
 * HttpClient's class compiles unchanged. Leases never block the caller (an I/O reactor thread, often): a lease served
 * from an idle connection completes on the calling thread, one that waits completes on the thread that releases the
 * connection it gets, or on routepool's timer thread when its request timeout passes. The superclass's pool-taking
 * constructor receives a {@link RoutePoolConnPool} (wrapped in HttpClient's {@code H2SharingConnPool} when HTTP/2
 * message multiplexing is on, as the superclass's own constructors do). The per-route {@link ConnectionConfig} time
 * to live and idle timeout are enforced by the pool as well.
 *
 * <p>Diagnostics as for the classic manager, but for what needs a waiting thread: an async lease has no thread
 * waiting, so there is no self-deadlock to name. A peer's close of an idle connection is detected without reading
 * from it (the reactor owns its channel and reads it already): the reactor closes a session whose peer closed it,
 * which makes the connection report {@code isOpen() == false}; maintenance drops such idle connections every pass,
 * and a lease never takes one. Build one with options through {@link RoutePoolAsyncClientConnectionManagerBuilder}.
 */
public class RoutePoolAsyncClientConnectionManager extends PoolingAsyncClientConnectionManager {

    private final RoutePoolConnPool<HttpRoute, ManagedAsyncClientConnection> routePool;
    private final ConnectionConfigExpiry expiry;
    /** Non-null when the pool pre-warms (minIdlePerRoute): how {@link #connectWarm} reaches the superclass's connect. */
    private final WarmEndpoints warmEndpoints;
    /** The reactor of the client's latest connect through this manager, for warm connects; null until then. */
    private volatile ClientReactor clientReactor;

    /** HttpClient 5's defaults: plain and TLS (the JVM's default TLS), 25 connections, 5 per route, no multiplexing. */
    public RoutePoolAsyncClientConnectionManager() {
        this(AsyncOperators.defaultOperator(RegistryBuilder.<TlsStrategy>create()
                        .register(URIScheme.HTTPS.getId(), DefaultClientTlsStrategy.createDefault())
                        .build(), null, null),
                PoolReusePolicy.LIFO, TimeValue.NEG_ONE_MILLISECOND, false, new PoolOptions<>());
    }

    RoutePoolAsyncClientConnectionManager(
            final AsyncClientConnectionOperator operator,
            final PoolReusePolicy reusePolicy,
            final TimeValue timeToLive,
            final boolean messageMultiplexing,
            final PoolOptions<HttpRoute, ManagedAsyncClientConnection> options) {
        this(operator, new RoutePoolConnPool<>(DEFAULT_MAX_CONNECTIONS_PER_ROUTE, DEFAULT_MAX_TOTAL_CONNECTIONS,
                timeToLive, reusePolicy, null, null, options, false), messageMultiplexing, options.timeToLiveJitter,
                options.warms() ? WarmEndpoints.async() : null);
    }

    private RoutePoolAsyncClientConnectionManager(
            final AsyncClientConnectionOperator operator,
            final RoutePoolConnPool<HttpRoute, ManagedAsyncClientConnection> pool,
            final boolean messageMultiplexing,
            final double timeToLiveJitter,
            final WarmEndpoints warmEndpoints) {
        super(served(pool, messageMultiplexing), operator);
        this.routePool = pool;
        this.expiry = new ConnectionConfigExpiry(timeToLiveJitter);
        this.warmEndpoints = warmEndpoints;
        if (warmEndpoints != null) {
            pool.setWarmConnector(this::connectWarm); // last: maintenance may call it from now on
        }
    }

    /**
     * As the superclass's; when the pool pre-warms, it also remembers the I/O reactor (and TLS attachment) the client
     * connects through, for {@link #connectWarm}.
     */
    @Override
    public Future<AsyncConnectionEndpoint> connect(
            final AsyncConnectionEndpoint endpoint,
            final ConnectionInitiator connectionInitiator,
            final Timeout timeout,
            final Object attachment,
            final HttpContext context,
            final FutureCallback<AsyncConnectionEndpoint> callback) {
        if (warmEndpoints != null && connectionInitiator != null) {
            final Object tls = attachment instanceof TlsConfig ? attachment : null; // what the superclass heeds
            final ClientReactor last = clientReactor;
            if (last == null || last.initiator != connectionInitiator || last.attachment != tls) {
                clientReactor = new ClientReactor(connectionInitiator, tls);
            }
        }
        return super.connect(endpoint, connectionInitiator, timeout, attachment, context, callback);
    }

    /**
     * Pre-warming (minIdlePerRoute): connects a new entry through the superclass's {@code connect}, as a request's
     * endpoint is connected (the route's connect timeout and {@code TlsConfig}, TLS upgrade and ALPN by the TLS
     * strategy, the socket timeout), through the I/O reactor of the client's latest connect, and waits for it here,
     * on pool-core's warming thread. Until a client has connected through this manager there is no reactor to
     * connect with (the client owns it, and hands it over only in {@code connect}): the route is not warmed yet, and
     * no failure counted. Nor is it once that reactor has shut down, until a client connects again. A tunnelled
     * route (CONNECT through a proxy) is never warmed: its tunnel is the exec chain's to make.
     */
    private boolean connectWarm(final PoolEntry<HttpRoute, ManagedAsyncClientConnection> entry) throws IOException {
        final HttpRoute route = entry.getRoute();
        final ClientReactor via = clientReactor;
        if (route.isTunnelled() || via == null) {
            return false;
        }
        if (!via.active()) {
            return false;
        }
        final WarmConnect warm = new WarmConnect(entry);
        try {
            super.connect(warmEndpoints.async(entry), via.initiator, null, via.attachment, HttpClientContext.create(),
                    warm); // null: the route's connect timeout
            warm.await(waitMillis(expiry.config(route).getConnectTimeout()), route);
        } catch (final IOException | RuntimeException ex) { // a reactor shutting down may throw from connect itself
            if (!via.active()) {
                return false; // the client shut its reactor down meanwhile: not the route's failure
            }
            throw ex;
        }
        return true;
    }

    /** The longest a warm connect as made by the reactor may take: TCP, then TLS (whose handshake defaults to the same). */
    static long waitMillis(final Timeout connectTimeout) {
        if (connectTimeout == null || connectTimeout.isDisabled()) {
            return WARM_WAIT_WITHOUT_TIMEOUT_MILLIS;
        }
        final long ms = connectTimeout.toMilliseconds();
        return ms >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE : 2 * ms + 1000;
    }

    /** How long a warm connect is waited for when the route's connect timeout is disabled: HttpClient's default. */
    static final long WARM_WAIT_WITHOUT_TIMEOUT_MILLIS = TimeUnit.MINUTES.toMillis(3);

    /** The I/O reactor a client connected through, with the TLS attachment it passed (null: the manager's resolver). */
    private static final class ClientReactor {
        final ConnectionInitiator initiator;
        final Object attachment;

        ClientReactor(final ConnectionInitiator initiator, final Object attachment) {
            this.initiator = initiator;
            this.attachment = attachment;
        }

        /** An initiator that is not an IOReactor (a user's own) is taken to be usable. */
        boolean active() {
            return !(initiator instanceof IOReactor) || ((IOReactor) initiator).getStatus() == IOReactorStatus.ACTIVE;
        }
    }

    /**
     * One warm connect, waited for on the warming thread. Completed, failed or abandoned once (a CAS on
     * {@link #state}): a connection that arrives after the wait gave up is closed by the callback, not pooled.
     */
    private static final class WarmConnect implements FutureCallback<AsyncConnectionEndpoint> {

        private static final int PENDING = 0;
        private static final int DONE = 1;
        private static final int ABANDONED = 2;

        private final PoolEntry<HttpRoute, ManagedAsyncClientConnection> entry;
        private final AtomicInteger state = new AtomicInteger(PENDING);
        private final CountDownLatch done = new CountDownLatch(1);
        /** Written before {@link #done} counts down, read after it did. */
        private volatile Exception failure;

        WarmConnect(final PoolEntry<HttpRoute, ManagedAsyncClientConnection> entry) {
            this.entry = entry;
        }

        @Override
        public void completed(final AsyncConnectionEndpoint endpoint) {
            if (state.compareAndSet(PENDING, DONE)) {
                done.countDown();
            } else {
                entry.discardConnection(org.apache.hc.core5.io.CloseMode.IMMEDIATE); // the warming thread gave up on it
            }
        }

        @Override
        public void failed(final Exception ex) {
            end(ex);
        }

        @Override
        public void cancelled() {
            end(new InterruptedIOException("Warm connect cancelled"));
        }

        private void end(final Exception ex) {
            failure = ex;
            if (state.compareAndSet(PENDING, DONE)) {
                done.countDown();
            }
        }

        void await(final long millis, final HttpRoute route) throws IOException {
            boolean finished;
            try {
                finished = done.await(millis, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
                if (abandon()) {
                    throw new InterruptedIOException("Interrupted while connecting " + route + " ahead of a lease");
                }
                finished = true; // it completed meanwhile
                awaitUninterruptibly();
            }
            if (!finished) {
                if (abandon()) {
                    throw new ConnectTimeoutException("Connecting " + route + " ahead of a lease took longer than "
                            + millis + " ms");
                }
                awaitUninterruptibly();
            }
            final Exception ex = failure;
            if (ex instanceof IOException) {
                throw (IOException) ex;
            }
            if (ex instanceof RuntimeException) {
                throw (RuntimeException) ex;
            }
            if (ex != null) {
                throw new IOException(ex);
            }
        }

        /**
         * Gives up on the connect unless it ended first; true if given up. The connect is not cancelled: HttpClient's
         * future ignores a completion after a cancel, so a connection it made then would never be closed. It runs on
         * (bounded by the reactor's connect and handshake timeouts), and {@link #completed} closes what it makes.
         */
        private boolean abandon() {
            return state.compareAndSet(PENDING, ABANDONED);
        }

        /** After a lost {@link #abandon}: the callback that won is counting down right now. */
        private void awaitUninterruptibly() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (final InterruptedException ex) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static ManagedConnPool<HttpRoute, ManagedAsyncClientConnection> served(
            final RoutePoolConnPool<HttpRoute, ManagedAsyncClientConnection> pool, final boolean messageMultiplexing) {
        return messageMultiplexing ? AsyncOperators.sharing(pool) : pool;
    }

    /** The pool behind this manager: who holds what, counters, state mismatches, maintenance on demand. */
    public RoutePoolConnPool<HttpRoute, ManagedAsyncClientConnection> getRoutePool() {
        return routePool;
    }

    /**
     * A graceful drain (Reactor Netty's {@code disposeTimeout}): later requests are refused and waiting ones fail at
     * once, idle connections are closed, and requests in flight may finish for up to {@code grace}, each connection
     * closed as its request is done; connections still leased then are closed as {@code close(CloseMode.IMMEDIATE)}
     * would (their requests fail). Then the manager is closed. Blocks the caller until drained or the grace has passed
     * (in real time; an interrupt ends the wait early and is kept).
     *
     * @param grace how long requests in flight may take; zero: no wait
     * @return true if every connection came back within the grace
     * @throws IllegalArgumentException {@code grace} is null or negative; nothing is closed
     */
    public boolean close(final TimeValue grace) {
        final boolean drained = routePool.close(grace);
        close(CloseMode.IMMEDIATE); // the manager's own closed flag; its pool is closed already, with nothing left out
        return drained;
    }

    @Override
    public void setDefaultConnectionConfig(final ConnectionConfig config) {
        super.setDefaultConnectionConfig(config);
        expiry.setResolver(route -> config);
        routePool.setRouteExpiry(config != null ? expiry : null);
    }

    @Override
    public void setConnectionConfigResolver(final Resolver<HttpRoute, ConnectionConfig> connectionConfigResolver) {
        super.setConnectionConfigResolver(connectionConfigResolver);
        expiry.setResolver(connectionConfigResolver);
        routePool.setRouteExpiry(connectionConfigResolver != null ? expiry : null); // none set: no clock read on release
    }

    @Override
    public String toString() {
        return "RoutePoolAsyncClientConnectionManager" + routePool;
    }
}

package io.routepool.httpclient5;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.nio.AsyncClientConnectionOperator;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;

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
                timeToLive, reusePolicy, null, null, options, false), messageMultiplexing, options.timeToLiveJitter);
    }

    private RoutePoolAsyncClientConnectionManager(
            final AsyncClientConnectionOperator operator,
            final RoutePoolConnPool<HttpRoute, ManagedAsyncClientConnection> pool,
            final boolean messageMultiplexing,
            final double timeToLiveJitter) {
        super(served(pool, messageMultiplexing), operator);
        this.routePool = pool;
        this.expiry = new ConnectionConfigExpiry(timeToLiveJitter);
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

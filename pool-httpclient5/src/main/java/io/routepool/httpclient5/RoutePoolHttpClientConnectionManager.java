package io.routepool.httpclient5;

import java.io.IOException;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.io.HttpClientConnectionOperator;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;

/**
 * HttpClient 5's classic {@link PoolingHttpClientConnectionManager}, on routepool's pool: a drop-in, so code typed
 * to HttpClient's class compiles unchanged ({@code PoolingHttpClientConnectionManager cm = new
 * RoutePoolHttpClientConnectionManager();}). Everything the superclass does (connect, TLS, socket and connection
 * configuration, validation after inactivity, time to live at lease) it still does; the pool behind it is a
 * {@link RoutePoolConnPool} instead of {@code StrictConnPool}, handed over through the superclass's pool-taking
 * constructor. What that constructor would drop, this class keeps: the per-route {@link ConnectionConfig} time to
 * live and idle timeout are enforced by the pool as well (on lease, by {@code closeExpired()} and by maintenance).
 *
 * <p>Added on top: who holds what ({@link #getRoutePool()}{@code .leases()}), leak and stuck-waiter reports, a
 * self-deadlock (a thread that holds every connection of a route and asks for another) named at once, state-mismatch
 * reports (HttpClient 5 stores the TLS principal as the user token), a timeout message that says who holds what, and
 * a background check of idle connections for a peer's close ({@code isStale()}, off the request path). Reports go
 * to SLF4J, logger {@code io.routepool.core.PoolDiagnostics}. Defaults are HttpClient 5's: 25 in total, 5 per route.
 * Build one with options through {@link RoutePoolHttpClientConnectionManagerBuilder}.
 */
public class RoutePoolHttpClientConnectionManager extends PoolingHttpClientConnectionManager {

    private final RoutePoolConnPool<HttpRoute, ManagedHttpClientConnection> routePool;
    private final ConnectionConfigExpiry expiry;
    /** Non-null when the pool pre-warms (minIdlePerRoute): how {@link #connectWarm} reaches this manager's connect. */
    private final WarmEndpoints warmEndpoints;

    /** HttpClient 5's defaults: plain and TLS sockets (the JVM's default TLS), 25 connections, 5 per route. */
    public RoutePoolHttpClientConnectionManager() {
        this(new DefaultHttpClientConnectionOperator(null, null, RegistryBuilder.<TlsSocketStrategy>create()
                        .register(URIScheme.HTTPS.id, DefaultClientTlsStrategy.createDefault())
                        .build()),
                null, PoolReusePolicy.LIFO, TimeValue.NEG_ONE_MILLISECOND, new PoolOptions<>());
    }

    RoutePoolHttpClientConnectionManager(
            final HttpClientConnectionOperator operator,
            final HttpConnectionFactory<ManagedHttpClientConnection> connFactory,
            final PoolReusePolicy reusePolicy,
            final TimeValue timeToLive,
            final PoolOptions<HttpRoute, ManagedHttpClientConnection> options) {
        this(operator, connFactory, reusePolicy, timeToLive, options, new ConnectionConfigExpiry(options.timeToLiveJitter));
    }

    private RoutePoolHttpClientConnectionManager(
            final HttpClientConnectionOperator operator,
            final HttpConnectionFactory<ManagedHttpClientConnection> connFactory,
            final PoolReusePolicy reusePolicy,
            final TimeValue timeToLive,
            final PoolOptions<HttpRoute, ManagedHttpClientConnection> options,
            final ConnectionConfigExpiry expiry) {
        this(operator, connFactory, newPool(reusePolicy, timeToLive, withStaleProbe(options, expiry)), expiry,
                options.warms() ? WarmEndpoints.classic() : null);
    }

    private RoutePoolHttpClientConnectionManager(
            final HttpClientConnectionOperator operator,
            final HttpConnectionFactory<ManagedHttpClientConnection> connFactory,
            final RoutePoolConnPool<HttpRoute, ManagedHttpClientConnection> pool,
            final ConnectionConfigExpiry expiry,
            final WarmEndpoints warmEndpoints) {
        super(operator, pool, connFactory);
        this.routePool = pool;
        this.expiry = expiry;
        this.warmEndpoints = warmEndpoints;
        if (warmEndpoints != null) {
            pool.setWarmConnector(this::connectWarm); // last: maintenance may call it from now on
        }
    }

    /**
     * Pre-warming (minIdlePerRoute): connects a new entry through this manager's own {@code connect}, as a request's
     * endpoint is connected (the route's connect timeout, {@code SocketConfig}, {@code TlsConfig}, socket timeout),
     * so that the exec chain finds the endpoint connected and sends its request at once. Runs on pool-core's warming
     * executor. A tunnelled route (CONNECT through a proxy) is not warmed: its tunnel and the TLS layered on it are
     * the exec chain's to make.
     */
    private boolean connectWarm(final PoolEntry<HttpRoute, ManagedHttpClientConnection> entry) throws IOException {
        if (entry.getRoute().isTunnelled()) {
            return false;
        }
        connect(warmEndpoints.classic(entry), (TimeValue) null, HttpClientContext.create()); // null: the route's connect timeout
        return true;
    }

    private static RoutePoolConnPool<HttpRoute, ManagedHttpClientConnection> newPool(
            final PoolReusePolicy reusePolicy, final TimeValue timeToLive,
            final PoolOptions<HttpRoute, ManagedHttpClientConnection> options) {
        return new RoutePoolConnPool<>(DEFAULT_MAX_CONNECTIONS_PER_ROUTE, DEFAULT_MAX_TOTAL_CONNECTIONS, timeToLive,
                reusePolicy, null, null, options, true);
    }

    /**
     * The classic connection's stale check ({@code isStale()}: a 1 ms read; no I/O can race it, the pool has taken the
     * connection out while it runs) run by maintenance on idle connections. A connection found healthy has its
     * {@code updated} time refreshed (its expiry is kept), so the manager's own validate-after-inactivity check, on
     * the request path, does not run again for it until that much time has passed since the probe.
     */
    private static PoolOptions<HttpRoute, ManagedHttpClientConnection> withStaleProbe(
            final PoolOptions<HttpRoute, ManagedHttpClientConnection> options, final ConnectionConfigExpiry expiry) {
        if (options.idleProbe == null) {
            options.idleProbe = RoutePoolHttpClientConnectionManager::probe;
        }
        if (options.leaseCheck == null) {
            // the same read on a lease, where learnIdleClose asks for it (the lease holds the connection meanwhile),
            // unless the route's ConnectionConfig turns validation off
            options.leaseCheck = entry -> expiry.validationOff(entry.getRoute()) || probe(entry);
        }
        return options;
    }

    static boolean probe(final PoolEntry<HttpRoute, ManagedHttpClientConnection> entry) {
        final ManagedHttpClientConnection conn = entry.getConnection();
        if (conn == null) {
            return false;
        }
        try {
            if (conn.isStale()) {
                return false;
            }
        } catch (final IOException ex) {
            return false;
        }
        final long deadline = entry.getExpiryDeadline().getValue();
        if (deadline == Long.MAX_VALUE) {
            entry.updateExpiry(TimeValue.NEG_ONE_MILLISECOND);
        } else {
            final long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            entry.updateExpiry(TimeValue.ofMilliseconds(left));
        }
        return true;
    }

    /** The pool behind this manager: who holds what, counters, state mismatches, maintenance on demand. */
    public RoutePoolConnPool<HttpRoute, ManagedHttpClientConnection> getRoutePool() {
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
        return "RoutePoolHttpClientConnectionManager" + routePool;
    }
}

package io.routepool.httpclient5;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLSocket;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.SchemePortResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;

import io.routepool.core.PoolListener;
import io.routepool.core.PoolLogger;

/**
 * Builds a {@link RoutePoolHttpClientConnectionManager}: every option of HttpClient 5's
 * {@code PoolingHttpClientConnectionManagerBuilder}, with the same meaning and defaults, so replacing one with the
 * other is a change of class name; plus routepool's own diagnostics options. Components not set get HttpClient's
 * defaults; {@link #useSystemProperties()} makes the default TLS strategy read the JSSE system properties
 * ({@code javax.net.ssl.*}, {@code https.protocols}, {@code https.cipherSuites}), as HttpClient's builder does.
 *
 * <pre>{@code
 * PoolingHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
 *         .setMaxConnTotal(200)
 *         .setMaxConnPerRoute(50)
 *         .setDefaultConnectionConfig(ConnectionConfig.custom().setTimeToLive(TimeValue.ofMinutes(5)).build())
 *         .setLeakThreshold(TimeValue.ofMinutes(1))
 *         .build();
 * }</pre>
 */
public final class RoutePoolHttpClientConnectionManagerBuilder {

    private HttpConnectionFactory<ManagedHttpClientConnection> connectionFactory;
    private TlsSocketStrategy tlsSocketStrategy;
    private SchemePortResolver schemePortResolver;
    private DnsResolver dnsResolver;
    private PoolReusePolicy poolReusePolicy;
    private Resolver<HttpRoute, SocketConfig> socketConfigResolver;
    private Resolver<HttpRoute, ConnectionConfig> connectionConfigResolver;
    private Resolver<HttpHost, TlsConfig> tlsConfigResolver;
    private boolean systemProperties;
    private int maxConnTotal;
    private int maxConnPerRoute;

    private Duration maintenanceInterval;
    private Duration leakThreshold;
    private Boolean captureLeaseStacks;
    private Duration reclaimAbandonedAfter;
    private Duration stuckWaiterThreshold;
    private String poolName;
    private Duration maxLeaseWait;
    private Boolean failOnSelfDeadlock;
    private Duration maxIdleTime;
    private Integer maxUsesPerConnection;
    private Boolean learnIdleClose;
    private Integer maxPendingPerRoute;
    private Integer maxPending;
    private Integer minIdlePerRoute;
    private List<HttpRoute> warmRoutes;
    private java.util.concurrent.Executor warmingExecutor;
    private double timeToLiveJitter;
    private PoolLogger poolLogger;
    private PoolListener<HttpRoute> poolListener;

    private RoutePoolHttpClientConnectionManagerBuilder() {
    }

    /** A builder with HttpClient's defaults (25 connections, 5 per route) and routepool's. */
    public static RoutePoolHttpClientConnectionManagerBuilder create() {
        return new RoutePoolHttpClientConnectionManagerBuilder();
    }

    // ------------------------------------------------------------------------------------ HttpClient's options

    /** The factory of connection objects, as HttpClient's; null: HttpClient's default. */
    public RoutePoolHttpClientConnectionManagerBuilder setConnectionFactory(
            final HttpConnectionFactory<ManagedHttpClientConnection> connectionFactory) {
        this.connectionFactory = connectionFactory;
        return this;
    }

    /**
     * TLS for {@code https} routes through an old-style socket factory, as HttpClient's.
     *
     * @deprecated as in HttpClient: use {@link #setTlsSocketStrategy(TlsSocketStrategy)}
     */
    @Deprecated
    public RoutePoolHttpClientConnectionManagerBuilder setSSLSocketFactory(
            final org.apache.hc.client5.http.socket.LayeredConnectionSocketFactory sslSocketFactory) {
        if (sslSocketFactory == null) {
            this.tlsSocketStrategy = null;
        } else {
            this.tlsSocketStrategy = (socket, target, port, attachment, context) ->
                    (SSLSocket) sslSocketFactory.createLayeredSocket(socket, target, port, attachment, context);
        }
        return this;
    }

    /** TLS for {@code https} routes, as HttpClient's; null: HttpClient's default. */
    public RoutePoolHttpClientConnectionManagerBuilder setTlsSocketStrategy(final TlsSocketStrategy tlsSocketStrategy) {
        this.tlsSocketStrategy = tlsSocketStrategy;
        return this;
    }

    /** Resolves host names, as HttpClient's; null: the system resolver. */
    public RoutePoolHttpClientConnectionManagerBuilder setDnsResolver(final DnsResolver dnsResolver) {
        this.dnsResolver = dnsResolver;
        return this;
    }

    /** Resolves the default port of a scheme, as HttpClient's; null: HttpClient's default. */
    public RoutePoolHttpClientConnectionManagerBuilder setSchemePortResolver(
            final SchemePortResolver schemePortResolver) {
        this.schemePortResolver = schemePortResolver;
        return this;
    }

    /**
     * Accepted for compatibility and ignored. routepool's pool is the concurrency policy: it enforces both limits
     * strictly (as {@code STRICT}) while taking a lock per route, not one for the whole pool, and it never closes
     * a connection while holding a lock, so what {@code LAX} and {@code OFFLOCK} trade for does not arise.
     */
    public RoutePoolHttpClientConnectionManagerBuilder setPoolConcurrencyPolicy(
            final PoolConcurrencyPolicy poolConcurrencyPolicy) {
        return this;
    }

    /**
     * Which idle connection a lease takes, as HttpClient's: {@code LIFO} (the default, also for null) the most
     * recently released, {@code FIFO} the least recently released.
     */
    public RoutePoolHttpClientConnectionManagerBuilder setConnPoolPolicy(final PoolReusePolicy poolReusePolicy) {
        this.poolReusePolicy = poolReusePolicy;
        return this;
    }

    /** The most connections in total, as HttpClient's; zero or negative: the default, 25. */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxConnTotal(final int maxConnTotal) {
        this.maxConnTotal = maxConnTotal;
        return this;
    }

    /** The most connections per route, as HttpClient's; zero or negative: the default, 5. */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxConnPerRoute(final int maxConnPerRoute) {
        this.maxConnPerRoute = maxConnPerRoute;
        return this;
    }

    /** The same {@link SocketConfig} for all routes, as HttpClient's (replaces a resolver set before). */
    public RoutePoolHttpClientConnectionManagerBuilder setDefaultSocketConfig(final SocketConfig config) {
        this.socketConfigResolver = route -> config;
        return this;
    }

    /** The {@link SocketConfig} of each route, as HttpClient's. */
    public RoutePoolHttpClientConnectionManagerBuilder setSocketConfigResolver(
            final Resolver<HttpRoute, SocketConfig> socketConfigResolver) {
        this.socketConfigResolver = socketConfigResolver;
        return this;
    }

    /**
     * The same {@link ConnectionConfig} for all routes, as HttpClient's (replaces a resolver set before). Its time
     * to live and idle timeout are enforced by the pool as well.
     */
    public RoutePoolHttpClientConnectionManagerBuilder setDefaultConnectionConfig(final ConnectionConfig config) {
        this.connectionConfigResolver = route -> config;
        return this;
    }

    /** The {@link ConnectionConfig} of each route, as HttpClient's. */
    public RoutePoolHttpClientConnectionManagerBuilder setConnectionConfigResolver(
            final Resolver<HttpRoute, ConnectionConfig> connectionConfigResolver) {
        this.connectionConfigResolver = connectionConfigResolver;
        return this;
    }

    /** The same {@link TlsConfig} for all hosts, as HttpClient's (replaces a resolver set before). */
    public RoutePoolHttpClientConnectionManagerBuilder setDefaultTlsConfig(final TlsConfig config) {
        this.tlsConfigResolver = host -> config;
        return this;
    }

    /** The {@link TlsConfig} of each host, as HttpClient's. */
    public RoutePoolHttpClientConnectionManagerBuilder setTlsConfigResolver(
            final Resolver<HttpHost, TlsConfig> tlsConfigResolver) {
        this.tlsConfigResolver = tlsConfigResolver;
        return this;
    }

    /**
     * As HttpClient's: the default connection config becomes one with only this time to live (replacing any set
     * before).
     *
     * @deprecated as in HttpClient: use {@link #setDefaultConnectionConfig(ConnectionConfig)}
     */
    @Deprecated
    public RoutePoolHttpClientConnectionManagerBuilder setConnectionTimeToLive(final TimeValue timeToLive) {
        return setDefaultConnectionConfig(ConnectionConfig.custom().setTimeToLive(timeToLive).build());
    }

    /**
     * As HttpClient's: the default connection config becomes one with only this validate-after-inactivity period
     * (replacing any set before).
     *
     * @deprecated as in HttpClient: use {@link #setDefaultConnectionConfig(ConnectionConfig)}
     */
    @Deprecated
    public RoutePoolHttpClientConnectionManagerBuilder setValidateAfterInactivity(
            final TimeValue validateAfterInactivity) {
        return setDefaultConnectionConfig(ConnectionConfig.custom()
                .setValidateAfterInactivity(validateAfterInactivity).build());
    }

    /** The default TLS strategy (when none is set) reads the JSSE system properties, as HttpClient's. */
    public RoutePoolHttpClientConnectionManagerBuilder useSystemProperties() {
        this.systemProperties = true;
        return this;
    }

    /**
     * Accepted for compatibility and ignored (HttpClient 5.6 closes connections outside the pool's lock when this is
     * on): routepool's pool always closes connections outside its locks.
     */
    public RoutePoolHttpClientConnectionManagerBuilder setOffLockDisposalEnabled(final boolean enabled) {
        return this;
    }

    // ------------------------------------------------------------------------------------ routepool's options

    /**
     * How often background maintenance runs (default 1 s): it closes expired and over-long idle connections and
     * idle ones found stale, and reports leaks and stuck waiters. Zero turns it off.
     *
     * @throws IllegalArgumentException null or negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMaintenanceInterval(final TimeValue interval) {
        this.maintenanceInterval = OptionValues.duration("maintenanceInterval", interval, "no background maintenance");
        return this;
    }

    /**
     * A lease held longer than this is reported once as a suspected leak, with its route, age and holder (default
     * 5 minutes). Zero turns leak reports off.
     *
     * @throws IllegalArgumentException null or negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setLeakThreshold(final TimeValue threshold) {
        this.leakThreshold = OptionValues.duration("leakThreshold", threshold, "no leak reports");
        return this;
    }

    /**
     * Records where each lease was taken, for leak and self-deadlock reports; costs a stack walk per lease (default
     * off).
     */
    public RoutePoolHttpClientConnectionManagerBuilder setCaptureLeaseStacks(final boolean capture) {
        this.captureLeaseStacks = capture;
        return this;
    }

    /**
     * A lease held longer than this is taken back: its connection is closed and its capacity freed (default 0: never).
     * Must not be shorter than the leak threshold ({@link #build()} refuses it).
     *
     * @throws IllegalArgumentException null or negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setReclaimAbandonedAfter(final TimeValue after) {
        this.reclaimAbandonedAfter = OptionValues.duration("reclaimAbandonedAfter", after, "never");
        return this;
    }

    /**
     * A lease that has waited longer than this is reported once, with who holds its route's connections (default
     * 30 s). Zero turns it off.
     *
     * @throws IllegalArgumentException null or negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setStuckWaiterThreshold(final TimeValue threshold) {
        this.stuckWaiterThreshold = OptionValues.duration("stuckWaiterThreshold", threshold, "no stuck-waiter reports");
        return this;
    }

    /**
     * The name the pool's reports and timeout messages start with, so that a service with several clients knows
     * which pool speaks (default {@code routepool-N}).
     *
     * @throws IllegalArgumentException null, blank, or more than one line
     */
    public RoutePoolHttpClientConnectionManagerBuilder setPoolName(final String name) {
        this.poolName = OptionValues.poolName(name);
        return this;
    }

    /**
     * The longest a lease waits when its connection request timeout is disabled (which HttpClient 5 takes as
     * forever): default 3 minutes, HttpClient 5's default connection request timeout, so that a pool that never
     * gets its connections back fails requests instead of parking them for good; the timeout's message says the
     * cap applied. Zero waits forever, as HttpClient 5 does. A timeout set on the request is never changed.
     *
     * @throws IllegalArgumentException null or negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxLeaseWait(final TimeValue maxWait) {
        this.maxLeaseWait = OptionValues.duration("maxLeaseWait", maxWait, "wait forever");
        return this;
    }

    /**
     * A thread that would wait for a connection of a route whose connections it holds all itself fails at once
     * with {@link io.routepool.core.SelfDeadlockException} instead of being reported and waiting (default off).
     */
    public RoutePoolHttpClientConnectionManagerBuilder setFailOnSelfDeadlock(final boolean fail) {
        this.failOnSelfDeadlock = fail;
        return this;
    }

    /**
     * Maintenance closes connections idle longer than this (default 0: no limit). Unlike
     * {@code ConnectionConfig}'s idle timeout, it is checked in the background, not only at lease.
     *
     * @throws IllegalArgumentException null or negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxIdleTime(final TimeValue maxIdle) {
        this.maxIdleTime = OptionValues.duration("maxIdleTime", maxIdle, "no limit");
        return this;
    }

    /**
     * Stale connections after a server's idle close (default on; pool-core's {@code learnIdleClose}). Each route
     * learns how long its server lets a connection idle. A lease checks a reused connection ({@code isStale()}, HttpClient's stale check) that idled longer
     * than any that survived on its route, or that was released before a stale one was found there, even within
     * {@code ConnectionConfig}'s validateAfterInactivity; idle connections expire a margin before the
     * learned close, said once in the log. Off: HttpClient's rules only.
     */
    public RoutePoolHttpClientConnectionManagerBuilder setLearnIdleClose(final boolean learn) {
        this.learnIdleClose = learn;
        return this;
    }

    /**
     * A connection that has served this many leases is closed when the last of them is released, instead of being
     * kept for reuse (Jetty's {@code maxUsage}); default 0: no limit.
     *
     * @throws IllegalArgumentException negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxUsesPerConnection(final int maxUses) {
        this.maxUsesPerConnection = OptionValues.count("maxUsesPerConnection", maxUses, "no limit");
        return this;
    }

    /**
     * The most leases that may wait for a connection of one route at a time: a lease that would have to wait while
     * this many already wait on its route is refused at once instead of queueing behind them, so that a slow or
     * unreachable service fails fast instead of piling up requests. The request fails as on a lease timeout, with
     * HttpClient's {@code ConnectionRequestTimeoutException}, whose message is that of pool-core's
     * {@link io.routepool.core.PendingLimitException}: it names the cap and gives the route's and the pool's counts.
     * A lease that can be served without waiting (an idle connection, or room for a new one) is never refused.
     * Jetty's {@code maxRequestsQueuedPerDestination}, Reactor Netty's {@code pendingAcquireMaxCount}; default 0:
     * no limit.
     *
     * @throws IllegalArgumentException negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxPendingPerRoute(final int maxPending) {
        this.maxPendingPerRoute = OptionValues.count("maxPendingPerRoute", maxPending, "no limit");
        return this;
    }

    /**
     * As {@link #setMaxPendingPerRoute(int)}, for the whole pool: a lease that would have to wait while this many
     * leases already wait, on any routes, is refused at once, in the same way. Default 0: no limit.
     *
     * @throws IllegalArgumentException negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMaxPending(final int maxPending) {
        this.maxPending = OptionValues.count("maxPending", maxPending, "no limit");
        return this;
    }

    /**
     * Keeps this many idle connections ready on each route used in the last 10 minutes, and on the routes named by
     * {@link #setWarmRoutes}, so that a request after a quiet spell, or a burst, finds them connected (HikariCP's
     * {@code minimumIdle}, Jetty's {@code preCreateConnections}; HttpClient declined it, HTTPCLIENT-2180). Background
     * maintenance (see {@link #setMaintenanceInterval}) makes the missing ones off the request path, on routepool's
     * warming threads, exactly as a request's are connected (the route's connect timeout, socket and TLS
     * configuration), and never above the route's limit or the pool's, nor while a request waits for a connection:
     * capacity that frees goes to the waiting request first. A warm connection is an idle one like any other (it
     * expires, is validated and is closed by the same rules) and is replaced when it goes. A route whose connects fail
     * is tried again after one maintenance interval, then after twice as long, up to a minute; the first failure is
     * logged once (WARNING, {@code io.routepool.core.PoolDiagnostics}), until a connect succeeds. Routes through a
     * proxy tunnel (CONNECT) are not warmed: their tunnel is made by the request. Default 0: off.
     *
     * @throws IllegalArgumentException negative
     */
    public RoutePoolHttpClientConnectionManagerBuilder setMinIdlePerRoute(final int minIdle) {
        this.minIdlePerRoute = OptionValues.count("minIdlePerRoute", minIdle, "off");
        return this;
    }

    /**
     * Routes to keep {@link #setMinIdlePerRoute minIdlePerRoute} idle connections on before their first request (and
     * for as long as the manager is open, whether or not they are used); replaces those named before. A route must be
     * the one HttpClient plans for the requests: for {@code https://api.example.com},
     * {@code new HttpRoute(new HttpHost("https", "api.example.com", 443), null, true)} (secure; the port given). Needs
     * a {@code minIdlePerRoute} of at least 1 ({@link #build()} refuses routes without it).
     *
     * @throws IllegalArgumentException null, or a route is null, tunnelled, without a target port, or insecure with an https
     *                                  target
     */
    public RoutePoolHttpClientConnectionManagerBuilder setWarmRoutes(final HttpRoute... routes) {
        this.warmRoutes = OptionValues.warmRoutes(routes != null ? Arrays.asList(routes) : null);
        return this;
    }

    /**
     * As {@link #setWarmRoutes(HttpRoute...)}.
     *
     * @throws IllegalArgumentException null, or a route is null, tunnelled, without a target port, or insecure with an https
     *                                  target
     */
    public RoutePoolHttpClientConnectionManagerBuilder setWarmRoutes(final Collection<HttpRoute> routes) {
        this.warmRoutes = OptionValues.warmRoutes(routes);
        return this;
    }

    /**
     * Where {@link #setMinIdlePerRoute minIdlePerRoute}'s connections are made (each connect blocks a thread of it
     * until it is done or times out); default: routepool's shared daemon threads {@code routepool-warming}, at most 4,
     * each ended after a minute idle.
     *
     * @throws IllegalArgumentException null
     */
    public RoutePoolHttpClientConnectionManagerBuilder setWarmingExecutor(final java.util.concurrent.Executor executor) {
        if (executor == null) {
            throw new IllegalArgumentException("warmingExecutor must not be null (default: routepool's shared threads)");
        }
        this.warmingExecutor = executor;
        return this;
    }

    /**
     * Shortens each connection's {@link ConnectionConfig} time to live by a random part of it, up to this fraction
     * (0.1: each connection lives between 90 % and 100 % of its route's time to live), drawn once per connection and
     * the same on every release of it, so that connections made together do not all expire together (Reactor Netty's
     * {@code maxLifeTimeVariance}; HikariCP shortens its {@code maxLifetime} by up to 2.5 %). With a time to live, that
     * is also how traffic moves over to new DNS answers: connections are replaced a few at a time, each by a new
     * resolution, rather than all at once. No effect without a time to live; one of 0 still expires at once, a negative
     * or null one never. At least 0 and below 1; default 0: every connection lives its whole time to live.
     *
     * @throws IllegalArgumentException negative, 1 or more, or NaN
     */
    public RoutePoolHttpClientConnectionManagerBuilder setTimeToLiveJitter(final double fraction) {
        this.timeToLiveJitter = OptionValues.timeToLiveJitter(fraction);
        return this;
    }

    /**
     * Where the pool writes its reports (default: SLF4J, as HttpClient logs).
     *
     * @throws IllegalArgumentException null
     */
    public RoutePoolHttpClientConnectionManagerBuilder setPoolLogger(final PoolLogger logger) {
        this.poolLogger = OptionValues.notNull("poolLogger", logger);
        return this;
    }

    /**
     * Receives the pool's reports and connection events (default: none).
     *
     * @throws IllegalArgumentException null
     */
    public RoutePoolHttpClientConnectionManagerBuilder setPoolListener(final PoolListener<HttpRoute> listener) {
        this.poolListener = OptionValues.notNull("poolListener", listener);
        return this;
    }

    // ------------------------------------------------------------------------------------ build

    /**
     * A new manager with these options; the builder can be used again.
     *
     * @throws IllegalArgumentException the reclaim period is shorter than the leak threshold, or warm routes are
     *                                  named without a minIdlePerRoute
     */
    public RoutePoolHttpClientConnectionManager build() {
        final TlsSocketStrategy tls;
        if (tlsSocketStrategy != null) {
            tls = tlsSocketStrategy;
        } else {
            tls = systemProperties
                    ? DefaultClientTlsStrategy.createSystemDefault()
                    : DefaultClientTlsStrategy.createDefault();
        }
        final DefaultHttpClientConnectionOperator operator = new DefaultHttpClientConnectionOperator(
                schemePortResolver, dnsResolver,
                RegistryBuilder.<TlsSocketStrategy>create().register(URIScheme.HTTPS.id, tls).build());
        final RoutePoolHttpClientConnectionManager manager = new RoutePoolHttpClientConnectionManager(
                operator, connectionFactory, poolReusePolicy, TimeValue.NEG_ONE_MILLISECOND, poolOptions());
        manager.setSocketConfigResolver(socketConfigResolver);
        manager.setConnectionConfigResolver(connectionConfigResolver);
        manager.setTlsConfigResolver(tlsConfigResolver);
        if (maxConnTotal > 0) {
            manager.setMaxTotal(maxConnTotal);
        }
        if (maxConnPerRoute > 0) {
            manager.setDefaultMaxPerRoute(maxConnPerRoute);
        }
        return manager;
    }

    private PoolOptions<HttpRoute, ManagedHttpClientConnection> poolOptions() {
        final PoolOptions<HttpRoute, ManagedHttpClientConnection> o = new PoolOptions<>();
        o.maintenanceInterval = maintenanceInterval;
        o.leakThreshold = leakThreshold;
        o.captureLeaseStacks = captureLeaseStacks;
        o.reclaimAbandonedAfter = reclaimAbandonedAfter;
        o.stuckWaiterThreshold = stuckWaiterThreshold;
        o.poolName = poolName;
        o.maxLeaseWait = maxLeaseWait;
        o.failOnSelfDeadlock = failOnSelfDeadlock;
        o.maxIdleTime = maxIdleTime;
        o.maxUsesPerConnection = maxUsesPerConnection;
        o.learnIdleClose = learnIdleClose;
        o.maxPendingPerRoute = maxPendingPerRoute;
        o.maxPending = maxPending;
        o.minIdlePerRoute = minIdlePerRoute;
        o.warmRoutes = warmRoutes;
        o.warmingExecutor = warmingExecutor;
        o.timeToLiveJitter = timeToLiveJitter;
        o.logger = poolLogger;
        o.listener = poolListener;
        return o;
    }
}

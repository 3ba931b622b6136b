package io.routepool.httpclient;

import io.routepool.core.Diagnostic;
import io.routepool.core.KeyedPool;
import io.routepool.core.LeaseInfo;
import io.routepool.core.PoolClosedException;
import io.routepool.core.PoolCounters;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolBuilder;
import io.routepool.core.PoolListener;
import io.routepool.core.RemedyHint;
import io.routepool.core.SelfDeadlockException;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.http.HttpClientConnection;
import org.apache.http.HttpHost;
import org.apache.http.config.ConnectionConfig;
import org.apache.http.config.Lookup;
import org.apache.http.config.Registry;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.conn.ConnectionRequest;
import org.apache.http.conn.DnsResolver;
import org.apache.http.conn.HttpClientConnectionManager;
import org.apache.http.conn.HttpClientConnectionOperator;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.SchemePortResolver;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.conn.ConnectionShutdownException;
import org.apache.http.impl.conn.DefaultHttpClientConnectionOperator;
import org.apache.http.impl.conn.ManagedHttpClientConnectionFactory;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.pool.ConnPoolControl;
import org.apache.http.pool.PoolEntryCallback;
import org.apache.http.pool.PoolStats;
import org.apache.http.protocol.HttpContext;
import org.apache.http.util.Args;

/**
 * A drop-in replacement for HttpClient 4.5's {@link PoolingHttpClientConnectionManager}, backed by
 * routepool's lock-light {@link KeyedPool}. It is a subclass of it, with the same public constructors, and
 * overrides every public and protected method, so changing the class name is the whole migration, code typed to
 * {@code PoolingHttpClientConnectionManager} (fields, Spring {@code @Bean} methods) included:
 *
 * <pre>{@code
 * PoolingHttpClientConnectionManager cm = new RoutePoolConnectionManager(); // was: new PoolingHttpClientConnectionManager()
 * CloseableHttpClient client = HttpClients.custom().setConnectionManager(cm).build();
 * }</pre>
 *
 * Options HttpClient's class cannot express are set with {@link #builder()}. The superclass's own pool is never
 * used: it is built empty, over a connection factory that creates nothing ({@code SuperclassPool} says why that is
 * safe), and none of the superclass's methods is called.
 *
 * <h2>Same as HttpClient 4.5</h2>
 * <ul>
 *   <li>Defaults: maxTotal 20, maxPerRoute 2, validateAfterInactivity 2000 ms, time to live unbounded
 *       unless given; the default registry maps {@code http} and {@code https}.</li>
 *   <li>Per-route pools with state-matched, most-recently-released-first reuse; a request with a
 *       {@code null} state (user token) takes only connections without state.</li>
 *   <li>Connections are created unconnected (with the host's {@link ConnectionConfig}); {@link #connect},
 *       {@link #upgrade} and {@link #routeComplete} go through the {@link HttpClientConnectionOperator}
 *       with the host's {@link SocketConfig}, outside any pool lock.</li>
 *   <li>{@link ConnectionRequest#get}: a timeout {@code <= 0} waits forever; a timeout throws
 *       {@link ConnectionPoolTimeoutException} ("Timeout waiting for connection from pool"); a cancelled
 *       request throws {@link ExecutionException} caused by a {@link CancellationException}; an interrupted
 *       waiter gets {@link InterruptedException}; a reused connection gets its socket timeout reset from the
 *       socket config.</li>
 *   <li>{@link #releaseConnection}: at most once per lease (later calls do nothing); reusable only if the
 *       connection is open and its route was completed; state and keep-alive are stored only then
 *       (keep-alive {@code <= 0}: see below); the handle is detached and any later use
 *       of it throws {@link ConnectionShutdownException}.</li>
 *   <li>An idle connection unused for longer than validateAfterInactivity is stale-checked before reuse.</li>
 *   <li>{@link #shutdown()} (and {@link #close()}) shuts leased connections down abruptly, closes idle
 *       ones, fails waiters; it is idempotent, and later requests get an {@link IllegalStateException}.
 *       A manager that becomes unreachable without being shut down is shut down by {@link #finalize()}, as
 *       HttpClient's, and where finalization is off ({@code --finalization=disabled}) from a daemon thread once
 *       the garbage collector finds it unreachable (a phantom reference).</li>
 *   <li>{@code setMaxPerRoute(route, max)}: {@code max >= 0} sets the route's limit (0 blocks the route),
 *       {@code max < 0} removes it. {@code getStats(route)} registers the route in {@link #getRoutes()}
 *       until the next {@code closeIdle}/{@code closeExpired} sweep.</li>
 * </ul>
 *
 * <h2>Deliberately different from HttpClient 4.5</h2>
 * <ul>
 *   <li><b>Waiters are served first come, first served</b>: a freed connection is handed to the oldest
 *       waiter that can use it before a newcomer can take it (HttpClient's pool lets newcomers barge).</li>
 *   <li><b>Lowering a limit</b> ({@link #setMaxTotal}, {@link #setDefaultMaxPerRoute},
 *       {@link #setMaxPerRoute}) closes surplus idle connections at once, and a connection released while
 *       its route or the pool is over the limit is closed (HttpClient shrinks lazily, on later leases).
 *       Leased connections are never touched.</li>
 *   <li><b>Timeout message</b>: the {@link ConnectionPoolTimeoutException} message starts with HttpClient's
 *       "Timeout waiting for connection from pool" and goes on to name the route, its limit and the route's
 *       and pool's counts; the pool's {@link TimeoutException} is its cause.</li>
 *   <li><b>Validation within the deadline</b>: when a stale check fails, the request goes on within the same
 *       connection request timeout (HttpClient starts the timeout again).</li>
 *   <li><b>One handle per request</b>: calling {@code get} again on a {@link ConnectionRequest} that already
 *       succeeded returns the same handle (HttpClient wraps the same connection in a second handle).</li>
 *   <li><b>Foreign handles</b>: releasing (or connecting) a handle leased from another manager throws
 *       {@link IllegalStateException} and changes nothing (HttpClient detaches it and ignores it, so the
 *       other pool never gets it back).</li>
 *   <li><b>Shutdown while waiting</b>: the waiter's {@link ExecutionException} is caused by a
 *       {@link CancellationException} whose cause is the pool's {@link PoolClosedException};
 *       {@code requestConnection} after shutdown throws a {@link PoolClosedException} (an
 *       {@link IllegalStateException}, as in HttpClient) whose message starts with "Connection pool shut down".</li>
 *   <li><b>Statistics</b>: {@link #getTotalStats()} is summed route by route, not an atomic snapshot
 *       under a global lock (each route's counts are exact); {@code pending} counts exactly the requests
 *       waiting.</li>
 *   <li><b>Time unit</b>: a {@code null} time unit for the time to live is refused by the constructor
 *       (HttpClient fails on every later lease instead). {@code ConnectionRequest.get} with a {@code null}
 *       unit and a positive timeout reads it as milliseconds.</li>
 *   <li><b>Idle connections do not idle forever</b>: a keep-alive {@code <= 0} on release (the response had no
 *       {@code Keep-Alive: timeout=N}) means {@link Builder#defaultKeepAlive} (30 s), not "no limit"; and
 *       background maintenance (every second, on a shared daemon thread) closes expired idle connections and
 *       those the server has closed (CLOSE_WAIT), with HttpClient's stale check run on a connection no request
 *       is using.</li>
 *   <li><b>Pre-warming</b> (off unless {@link Builder#minIdlePerRoute} is set): routes keep idle connections,
 *       connected ahead of any request on background threads as a request's would be, so that a request after a
 *       quiet spell sends at once (HttpClient declined it, HTTPCLIENT-2180).</li>
 *   <li><b>Diagnostics</b>: leases record their borrower; self-deadlocks, leaked leases, stuck waiters and
 *       state mismatches are reported (README "Diagnostics"); see {@link #getLeases()}, {@link #getCounters()}.</li>
 *   <li>The protected {@link #enumAvailable}/{@link #enumLeased} hooks run their callback on a snapshot of
 *       routepool's entries, outside any lock (HttpClient's run it under the pool lock): an available entry may be
 *       leased by a request while the callback runs. The protected {@link #leaseConnection} (which takes a future of
 *       HttpClient's internal {@code CPoolEntry}) is not used and throws {@link UnsupportedOperationException}.</li>
 * </ul>
 *
 * <p>All methods are thread-safe.
 */
public class RoutePoolConnectionManager extends PoolingHttpClientConnectionManager
        implements HttpClientConnectionManager, ConnPoolControl<HttpRoute>, Closeable {

    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);

    private final ConfigData configData;
    private final KeyedPool<HttpRoute, PooledConnection> pool;
    /** Connects and upgrades through the manager's {@link HttpClientConnectionOperator}; shared with warming. */
    private final RouteConnector connector;
    private final AtomicBoolean isShutDown;
    private final UnreachableCleanup.Registration cleanup;
    /** Holds the pool and the flag, never the manager (see UnreachableCleanup). */
    private final ManagerShutdown shutdown;
    /** As last set, for {@link #getValidateAfterInactivity()} (HttpClient returns what was set, even &lt;= 0). */
    private volatile int validateAfterInactivityMs;
    /** How long a connection may idle when the server sent no {@code Keep-Alive: timeout}; {@code <= 0}: no limit. */
    private final long defaultKeepAliveMs;

    private static Registry<ConnectionSocketFactory> getDefaultRegistry() {
        return RegistryBuilder.<ConnectionSocketFactory>create()
                .register("http", PlainConnectionSocketFactory.getSocketFactory())
                .register("https", SSLConnectionSocketFactory.getSocketFactory())
                .build();
    }

    public RoutePoolConnectionManager() {
        this(getDefaultRegistry());
    }

    public RoutePoolConnectionManager(final long timeToLive, final TimeUnit timeUnit) {
        this(getDefaultRegistry(), null, null, null, timeToLive, timeUnit);
    }

    public RoutePoolConnectionManager(final Registry<ConnectionSocketFactory> socketFactoryRegistry) {
        this(socketFactoryRegistry, null, null);
    }

    public RoutePoolConnectionManager(
            final Registry<ConnectionSocketFactory> socketFactoryRegistry,
            final DnsResolver dnsResolver) {
        this(socketFactoryRegistry, null, dnsResolver);
    }

    public RoutePoolConnectionManager(
            final Registry<ConnectionSocketFactory> socketFactoryRegistry,
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory) {
        this(socketFactoryRegistry, connFactory, null);
    }

    public RoutePoolConnectionManager(
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory) {
        this(getDefaultRegistry(), connFactory, null);
    }

    public RoutePoolConnectionManager(
            final Registry<ConnectionSocketFactory> socketFactoryRegistry,
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory,
            final DnsResolver dnsResolver) {
        this(socketFactoryRegistry, connFactory, null, dnsResolver, -1, TimeUnit.MILLISECONDS);
    }

    public RoutePoolConnectionManager(
            final Registry<ConnectionSocketFactory> socketFactoryRegistry,
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory,
            final SchemePortResolver schemePortResolver,
            final DnsResolver dnsResolver,
            final long timeToLive, final TimeUnit timeUnit) {
        this(new DefaultHttpClientConnectionOperator(socketFactoryRegistry, schemePortResolver, dnsResolver),
                connFactory, timeToLive, timeUnit);
    }

    public RoutePoolConnectionManager(
            final HttpClientConnectionOperator httpClientConnectionOperator,
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory,
            final long timeToLive, final TimeUnit timeUnit) {
        this(builder()
                .connectionOperator(Args.notNull(httpClientConnectionOperator, "HttpClientConnectionOperator"))
                .connectionFactory(connFactory)
                .timeToLive(timeToLive, timeUnit));
    }

    /**
     * The constructor every other one ends in. The superclass is built with its least constructor, over a
     * connection factory that creates nothing and an operator that connects nothing ({@code SuperclassPool}).
     */
    @SuppressWarnings("this-escape") // the clean-up action holds the pool and the flag, never this
    protected RoutePoolConnectionManager(final Builder b) {
        super(SuperclassPool.OPERATOR, SuperclassPool.CONNECTIONS, SuperclassPool.TIME_TO_LIVE, SuperclassPool.TIME_UNIT);
        Objects.requireNonNull(b, "builder");
        this.configData = new ConfigData();
        this.configData.setDefaultSocketConfig(b.defaultSocketConfig);
        this.configData.setDefaultConnectionConfig(b.defaultConnectionConfig);
        this.connector = new RouteConnector(b.connectionOperator != null
                ? b.connectionOperator
                : new DefaultHttpClientConnectionOperator(
                        b.socketFactoryRegistry != null ? b.socketFactoryRegistry : getDefaultRegistry(),
                        b.schemePortResolver, b.dnsResolver),
                this.configData);
        this.validateAfterInactivityMs = b.validateAfterInactivityMs;
        this.defaultKeepAliveMs = b.defaultKeepAlive.isNegative() || b.defaultKeepAlive.isZero() ? 0
                : Math.max(1, Math.min(b.defaultKeepAlive.toMillis(), Long.MAX_VALUE / 2));
        this.pool = b.buildPool(new InternalConnectionFactory(
                this.configData, b.connectionFactory, this.connector, b.warmConnectTimeoutMillis()));
        this.isShutDown = new AtomicBoolean(false);
        this.shutdown = new ManagerShutdown(this.pool, this.isShutDown);
        this.cleanup = UnreachableCleanup.register(this, this.shutdown);
    }

    /** A builder for the options HttpClient's constructors cannot express. */
    public static Builder builder() {
        return new Builder();
    }

    // ================================================================== leasing

    /**
     * Asks for a connection for {@code route} whose state (user token) matches {@code state}. Nothing is
     * reserved until {@link ConnectionRequest#get} is called, as in HttpClient.
     *
     * @throws IllegalArgumentException {@code route} is {@code null}
     * @throws IllegalStateException    the manager was shut down ({@link PoolClosedException})
     */
    @Override
    public ConnectionRequest requestConnection(final HttpRoute route, final Object state) {
        Args.notNull(route, "HTTP route");
        if (this.isShutDown.get()) {
            throw LeaseExceptions.refused(null);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug(DebugMessages.request(route, state) + DebugMessages.stats(this.pool, route));
        }
        final KeyedPool.LeaseRequest<HttpRoute, PooledConnection> lease;
        try {
            lease = this.pool.newRequest(route, state);
        } catch (final PoolClosedException ex) {
            throw LeaseExceptions.refused(ex);
        }
        return new PoolConnectionRequest(this, this.pool, this.configData, this.isShutDown, route, lease);
    }

    /**
     * Not used: this manager leases through {@link #requestConnection}, whose request waits in routepool's pool.
     * HttpClient's {@code requestConnection} passes this method a future of its own pool's internal
     * {@code CPoolEntry}, which no routepool manager ever makes (the raw {@link Future} is that method's erasure:
     * {@code CPoolEntry} is package-private to HttpClient).
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    @SuppressWarnings("rawtypes")
    protected HttpClientConnection leaseConnection(final Future future, final long timeout, final TimeUnit timeUnit) {
        throw new UnsupportedOperationException("RoutePoolConnectionManager leases through requestConnection(route, state)"
                + ".get(timeout, unit); it has no future of HttpClient's CPoolEntry to lease from");
    }

    private ConnectionProxy proxyOf(final HttpClientConnection conn) {
        if (!(conn instanceof ConnectionProxy)) {
            throw new IllegalStateException("Unexpected connection proxy class: " + conn.getClass());
        }
        ConnectionProxy proxy = (ConnectionProxy) conn;
        if (proxy.pool != this.pool) {
            throw new IllegalStateException("Connection " + proxy + " was not leased from this connection manager");
        }
        return proxy;
    }

    /**
     * Ends the lease of {@code managedConn}. The connection goes back to the pool for reuse if it is open
     * and its route was completed ({@link #routeComplete}), with {@code state} and an idle lifetime of
     * {@code keepalive} ({@code <= 0}: {@link Builder#defaultKeepAlive}, 30 s unless set; always capped by the time
     * to live); otherwise it is closed. Only the
     * first call for a lease counts; later ones do nothing.
     *
     * @throws IllegalStateException {@code managedConn} was not leased from this manager
     */
    @Override
    public void releaseConnection(
            final HttpClientConnection managedConn,
            final Object state,
            final long keepalive, final TimeUnit timeUnit) {
        Args.notNull(managedConn, "Managed connection");
        final ConnectionProxy proxy = proxyOf(managedConn);
        synchronized (proxy) {
            final PoolEntry<HttpRoute, PooledConnection> entry = proxy.detach();
            if (entry == null) {
                return;
            }
            ReleaseDecision decision = ReleaseDecision.CLOSE;
            try {
                decision = ReleaseDecision.prepare(entry, state, keepalive, timeUnit, this.defaultKeepAliveMs);
            } finally {
                release(entry, decision, proxy.failedBeforeResponse());
            }
        }
    }

    /**
     * Gives {@code entry} back as decided (whatever preparing it threw), then logs it. A lease whose request failed
     * before any response ({@code stale}: a connection its server had closed, say) is released as such, so that the
     * pool checks the route's other idle connections and learns the server's idle close (pool-core's
     * {@code releaseStale}).
     */
    private void release(final PoolEntry<HttpRoute, PooledConnection> entry, final ReleaseDecision decision,
            final boolean stale) {
        // described while we still own the entry: once released, another lease may take it
        final String released = LOG.isDebugEnabled() ? DebugMessages.released(entry, decision) : null;
        if (this.pool.isClosed()) {
            // reconnected after shutdown reset it: the pool counts it as closed, so close it here
            shutdownQuietly(entry.connection().connection);
        }
        if (stale) {
            this.pool.releaseStale(entry);
        } else {
            this.pool.release(entry, decision.reusable, decision.keepAlive, decision.unit);
        }
        if (released != null) {
            LOG.debug(released + DebugMessages.stats(this.pool, entry.route()));
        }
    }

    private static void shutdownQuietly(final ManagedHttpClientConnection conn) {
        try {
            conn.shutdown();
        } catch (final IOException | RuntimeException ex) {
            LOG.debug("I/O exception shutting down connection", ex);
        }
    }

    private ManagedHttpClientConnection leasedConnection(final HttpClientConnection managedConn) {
        final ConnectionProxy proxy = proxyOf(managedConn);
        synchronized (proxy) {
            return proxy.validEntry().connection().connection;
        }
    }

    /** Connects the leased connection to the route's first hop through the operator, outside any pool lock. */
    @Override
    public void connect(
            final HttpClientConnection managedConn,
            final HttpRoute route,
            final int connectTimeout,
            final HttpContext context) throws IOException {
        Args.notNull(managedConn, "Managed Connection");
        Args.notNull(route, "HTTP route");
        final ManagedHttpClientConnection conn = leasedConnection(managedConn);
        this.connector.connect(conn, route, connectTimeout, context);
    }

    /** Layers the target's protocol (TLS) over a tunnel through the operator, outside any pool lock. */
    @Override
    public void upgrade(
            final HttpClientConnection managedConn,
            final HttpRoute route,
            final HttpContext context) throws IOException {
        Args.notNull(managedConn, "Managed Connection");
        Args.notNull(route, "HTTP route");
        final ManagedHttpClientConnection conn = leasedConnection(managedConn);
        this.connector.upgrade(conn, route, context);
    }

    /** Marks the connection's route as complete: from now on it can be released for reuse. */
    @Override
    public void routeComplete(
            final HttpClientConnection managedConn,
            final HttpRoute route,
            final HttpContext context) throws IOException {
        Args.notNull(managedConn, "Managed Connection");
        Args.notNull(route, "HTTP route");
        final ConnectionProxy proxy = proxyOf(managedConn);
        synchronized (proxy) {
            proxy.validEntry().connection().markRouteComplete();
        }
    }

    // ================================================================== shutdown and sweeps

    /**
     * Shuts the manager down, once: idle connections are closed, leased ones are shut down abruptly (their
     * holders' I/O fails), waiting requests fail, and later requests are refused. Idempotent.
     */
    @Override
    public void shutdown() {
        this.cleanup.clean();
    }

    /**
     * A graceful drain (Reactor Netty's {@code disposeTimeout}): later requests are refused and waiting ones fail at
     * once, idle connections are closed, and requests in flight may finish for up to {@code grace}, each connection
     * closed as its request is done; connections still leased then are shut down as {@link #shutdown()} would. Blocks
     * the caller until drained or the grace has passed (in real time; an interrupt ends the wait and is kept).
     *
     * @return true if every connection came back within the grace
     */
    public boolean shutdown(final Duration grace) {
        final boolean drained = this.shutdown.drain(grace);
        this.cleanup.clean(); // the manager is shut down: nothing left for the unreachable-manager cleanup to do
        return drained;
    }

    /** Same as {@link #shutdown()}. */
    @Override
    public void close() {
        shutdown();
    }

    /**
     * As HttpClient's: a manager the garbage collector found unreachable without {@link #shutdown()} is shut down
     * (our shutdown: routepool's pool). Where finalization is disabled, the phantom reference registered at
     * construction does the same; whichever runs first does it, once. The superclass's {@code finalize()} is not
     * called: it would only call {@link #shutdown()} again, and its own pool holds nothing.
     */
    @Override
    protected void finalize() {
        if (this.cleanup != null) { // null: the constructor threw (a builder option refused) after the superclass's ran
            shutdown();
        }
    }

    @Override
    public void closeIdleConnections(final long idleTimeout, final TimeUnit timeUnit) {
        Args.notNull(timeUnit, "Time unit");
        this.pool.closeIdle(idleTimeout, timeUnit);
    }

    @Override
    public void closeExpiredConnections() {
        this.pool.closeExpired();
    }

    /**
     * Runs {@code callback} on each idle connection of routepool's pool, as an HttpCore {@code PoolEntry} (a
     * snapshot, most recently released first per route). Connections the callback closed ({@code entry.close()})
     * leave the pool before this returns (one maintenance pass). Unlike HttpClient's, the callback runs outside any
     * lock: a request may lease an entry of the snapshot meanwhile, and closing it then fails that request's I/O.
     */
    @Override
    protected void enumAvailable(final PoolEntryCallback<HttpRoute, ManagedHttpClientConnection> callback) {
        boolean closed = false;
        for (final PoolEntry<HttpRoute, PooledConnection> e : this.pool.availableEntries()) {
            final PoolEntryView view = new PoolEntryView(e);
            callback.process(view);
            closed |= view.isClosed();
        }
        if (closed) {
            this.pool.maintain(); // drops idle entries whose connection is closed (the factory's isOpen)
        }
    }

    /**
     * Runs {@code callback} on each leased connection of routepool's pool, as an HttpCore {@code PoolEntry} (a
     * snapshot). Closing one fails its holder's I/O; the holder's release then frees it.
     */
    @Override
    protected void enumLeased(final PoolEntryCallback<HttpRoute, ManagedHttpClientConnection> callback) {
        for (final PoolEntry<HttpRoute, PooledConnection> e : this.pool.leasedEntries()) {
            callback.process(new PoolEntryView(e));
        }
    }

    // ================================================================== limits and stats

    @Override
    public int getMaxTotal() {
        return this.pool.getMaxTotal();
    }

    /** Sets the pool's limit (&gt; 0). Lowering it closes surplus idle connections at once. */
    @Override
    public void setMaxTotal(final int max) {
        Args.positive(max, "Max value");
        this.pool.setMaxTotal(max);
    }

    @Override
    public int getDefaultMaxPerRoute() {
        return this.pool.getDefaultMaxPerRoute();
    }

    /** Sets the limit of routes without their own (&gt; 0). Lowering it closes surplus idle connections at once. */
    @Override
    public void setDefaultMaxPerRoute(final int max) {
        Args.positive(max, "Max per route value");
        this.pool.setDefaultMaxPerRoute(max);
    }

    @Override
    public int getMaxPerRoute(final HttpRoute route) {
        Args.notNull(route, "Route");
        return this.pool.getMaxPerRoute(route);
    }

    /**
     * As HttpClient: {@code max >= 0} sets the route's own limit (0 blocks it), {@code max < 0} removes it so
     * that the default applies. Lowering a limit closes the route's surplus idle connections at once.
     */
    @Override
    public void setMaxPerRoute(final HttpRoute route, final int max) {
        Args.notNull(route, "Route");
        if (max > -1) {
            this.pool.setMaxPerRoute(route, max);
        } else {
            this.pool.clearMaxPerRoute(route);
        }
    }

    @Override
    public PoolStats getTotalStats() {
        return toHttpCore(this.pool.getTotalStats());
    }

    @Override
    public PoolStats getStats(final HttpRoute route) {
        Args.notNull(route, "Route");
        return toHttpCore(this.pool.getStats(route));
    }

    private static PoolStats toHttpCore(final io.routepool.core.PoolStats s) {
        return new PoolStats(s.leased(), s.pending(), s.available(), s.max());
    }

    /** The routes that have a route pool (a copy). */
    @Override
    public Set<HttpRoute> getRoutes() {
        return this.pool.getRoutes();
    }

    // ================================================================== diagnostics

    /** The name its reports and timeout messages start with ({@link Builder#poolName}; default {@code routepool-N}). */
    public String getPoolName() {
        return this.pool.name();
    }

    /** Who holds what: every leased connection with its route, the thread that leased it and its age, oldest first. */
    public List<LeaseInfo<HttpRoute>> getLeases() {
        return this.pool.leases();
    }

    /** Counts over the manager's life: created, closed, reused, waited, timed out, leaks, reclaimed, state mismatches, self-deadlocks. */
    public PoolCounters getCounters() {
        return this.pool.getCounters();
    }

    /**
     * How many requests to {@code route} opened a new connection or waited while idle connections of the route
     * carried another user token (the first is logged with the remedy).
     */
    public long getStateMismatches(final HttpRoute route) {
        Args.notNull(route, "Route");
        return this.pool.getStateMismatches(route);
    }

    /** Runs one maintenance pass now (the background task runs one every maintenance interval). */
    public void runMaintenance() {
        this.pool.maintain();
    }

    // ================================================================== configuration

    @Override
    public SocketConfig getDefaultSocketConfig() {
        return this.configData.getDefaultSocketConfig();
    }

    @Override
    public void setDefaultSocketConfig(final SocketConfig defaultSocketConfig) {
        this.configData.setDefaultSocketConfig(defaultSocketConfig);
    }

    @Override
    public ConnectionConfig getDefaultConnectionConfig() {
        return this.configData.getDefaultConnectionConfig();
    }

    @Override
    public void setDefaultConnectionConfig(final ConnectionConfig defaultConnectionConfig) {
        this.configData.setDefaultConnectionConfig(defaultConnectionConfig);
    }

    @Override
    public SocketConfig getSocketConfig(final HttpHost host) {
        return this.configData.getSocketConfig(host);
    }

    @Override
    public void setSocketConfig(final HttpHost host, final SocketConfig socketConfig) {
        this.configData.setSocketConfig(host, socketConfig);
    }

    @Override
    public ConnectionConfig getConnectionConfig(final HttpHost host) {
        return this.configData.getConnectionConfig(host);
    }

    @Override
    public void setConnectionConfig(final HttpHost host, final ConnectionConfig connectionConfig) {
        this.configData.setConnectionConfig(host, connectionConfig);
    }

    /** @see #setValidateAfterInactivity(int) */
    @Override
    public int getValidateAfterInactivity() {
        return this.validateAfterInactivityMs;
    }

    /**
     * Idle connections unused for at least {@code ms} milliseconds are stale-checked before they are handed
     * out; a value {@code <= 0} disables the check. A failed check closes the connection and the request
     * goes on, within the same connection request timeout.
     */
    @Override
    public void setValidateAfterInactivity(final int ms) {
        this.validateAfterInactivityMs = ms;
        this.pool.setValidateAfterInactivity(ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "RoutePoolConnectionManager" + this.pool + (this.isShutDown.get() ? " (shut down)" : "");
    }

    /**
     * Options of a {@link RoutePoolConnectionManager}, including those HttpClient's constructors cannot
     * express. Unset options take HttpClient's defaults.
     */
    public static final class Builder {

        /** The idle lifetime of a connection whose response had no Keep-Alive timeout. */
        public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

        /** The connect timeout of a warm connection ({@link #warmConnectTimeout}) unless set. */
        public static final Duration DEFAULT_WARM_CONNECT_TIMEOUT = Duration.ofSeconds(10);

        private Lookup<ConnectionSocketFactory> socketFactoryRegistry;
        private HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connectionFactory;
        private HttpClientConnectionOperator connectionOperator;
        private SchemePortResolver schemePortResolver;
        private DnsResolver dnsResolver;
        private int maxTotal = 20;
        private int defaultMaxPerRoute = 2;
        private Duration timeToLive = Duration.ZERO;
        private int validateAfterInactivityMs = 2000;
        private SocketConfig defaultSocketConfig;
        private ConnectionConfig defaultConnectionConfig;
        private Duration defaultKeepAlive = DEFAULT_KEEP_ALIVE;
        private boolean closeHalfClosedIdle = true;
        private Duration maintenanceInterval = Duration.ofSeconds(1);
        private ScheduledExecutorService maintenanceExecutor;
        private Duration maxIdleTime = Duration.ZERO;
        private Duration leakThreshold = Duration.ofMinutes(5);
        private boolean captureLeaseStacks;
        private Duration reclaimAbandonedAfter = Duration.ZERO;
        private Duration stuckWaiterThreshold = Duration.ofSeconds(30);
        private boolean failOnSelfDeadlock;
        private PoolListener<HttpRoute> listener = PoolListener.none();
        private String poolName;
        private Duration maxLeaseWait = Duration.ofMinutes(3);
        private int maxUsesPerConnection;
        private boolean learnIdleClose = true;
        private double timeToLiveJitter;
        private int maxPendingPerRoute;
        private int maxPending;
        private int minIdlePerRoute;
        /** In the order named, without repeats; each checked by {@link #warmRoutes(Collection)}. */
        private final Set<HttpRoute> warmRoutes = new LinkedHashSet<>();
        private Executor warmingExecutor;
        private Duration warmConnectTimeout = DEFAULT_WARM_CONNECT_TIMEOUT;

        Builder() {
        }

        /** Socket factories by scheme; default {@code http} and {@code https}. Not with {@link #connectionOperator}. */
        public Builder socketFactoryRegistry(final Lookup<ConnectionSocketFactory> registry) {
            this.socketFactoryRegistry = registry;
            return this;
        }

        /** Makes the (unconnected) connections; default {@link ManagedHttpClientConnectionFactory#INSTANCE}. */
        public Builder connectionFactory(
                final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connectionFactory) {
            this.connectionFactory = connectionFactory;
            return this;
        }

        /**
         * Connects and upgrades connections; default a {@link DefaultHttpClientConnectionOperator} over the
         * registry, scheme port resolver and DNS resolver, which must then not be set.
         */
        public Builder connectionOperator(final HttpClientConnectionOperator connectionOperator) {
            this.connectionOperator = connectionOperator;
            return this;
        }

        /** Not with {@link #connectionOperator}. */
        public Builder schemePortResolver(final SchemePortResolver schemePortResolver) {
            this.schemePortResolver = schemePortResolver;
            return this;
        }

        /** Not with {@link #connectionOperator}. */
        public Builder dnsResolver(final DnsResolver dnsResolver) {
            this.dnsResolver = dnsResolver;
            return this;
        }

        /** The pool's limit (&gt; 0); default 20. */
        public Builder maxTotal(final int max) {
            this.maxTotal = Args.positive(max, "Max total");
            return this;
        }

        /** The limit of each route without its own (&gt; 0); default 2. */
        public Builder defaultMaxPerRoute(final int max) {
            this.defaultMaxPerRoute = Args.positive(max, "Default max per route");
            return this;
        }

        /** Connections older than this are closed instead of reused; zero or negative (the default): no limit. */
        public Builder timeToLive(final Duration timeToLive) {
            this.timeToLive = Objects.requireNonNull(timeToLive, "timeToLive");
            return this;
        }

        /** As {@link #timeToLive(Duration)}; {@code timeToLive <= 0}: no limit. */
        public Builder timeToLive(final long timeToLive, final TimeUnit timeUnit) {
            Args.notNull(timeUnit, "Time unit");
            this.timeToLive = timeToLive > 0 ? Duration.ofNanos(timeUnit.toNanos(timeToLive)) : Duration.ZERO;
            return this;
        }

        /**
         * Shortens each connection's {@link #timeToLive(Duration) time to live} by a random part of it, up to this
         * fraction (0.1: between 90 % and 100 %), so that connections made together do not expire together; with a
         * time to live, that is also how traffic moves over to new DNS answers. At least 0 and below 1; default 0.
         */
        public Builder timeToLiveJitter(final double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("timeToLiveJitter must be at least 0 and below 1 (a fraction of the time to live), was "
                        + fraction);
            }
            this.timeToLiveJitter = fraction;
            return this;
        }

        /** Idle connections unused this long are stale-checked before reuse; zero or negative disables; default 2 s. */
        public Builder validateAfterInactivity(final Duration inactivity) {
            Objects.requireNonNull(inactivity, "validateAfterInactivity");
            this.validateAfterInactivityMs = inactivity.isNegative() ? -1
                    : inactivity.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) >= 0 ? Integer.MAX_VALUE
                    : (int) inactivity.toMillis();
            return this;
        }

        public Builder defaultSocketConfig(final SocketConfig config) {
            this.defaultSocketConfig = config;
            return this;
        }

        public Builder defaultConnectionConfig(final ConnectionConfig config) {
            this.defaultConnectionConfig = config;
            return this;
        }

        /**
         * How long a released connection may stay idle when the response had no {@code Keep-Alive: timeout=N}
         * header (with one, N seconds applies, capped by the time to live). Default 30 s; zero or negative: no
         * limit (HttpClient's behaviour).
         */
        public Builder defaultKeepAlive(final Duration keepAlive) {
            this.defaultKeepAlive = Objects.requireNonNull(keepAlive, "defaultKeepAlive");
            return this;
        }

        /**
         * Whether maintenance checks idle connections for a server-side close (a non-blocking read of at most
         * 1 ms on a connection no request is using), so that none stays in CLOSE_WAIT. Default on.
         */
        public Builder closeHalfClosedIdle(final boolean check) {
            this.closeHalfClosedIdle = check;
            return this;
        }

        /**
         * How often background maintenance runs (default 1 s): it closes expired and half-closed idle
         * connections, reports leaks and stuck waiters, reclaims abandoned leases. Zero turns it off.
         */
        public Builder maintenanceInterval(final Duration interval) {
            this.maintenanceInterval = Objects.requireNonNull(interval, "maintenanceInterval");
            return this;
        }

        /** Runs maintenance on this executor instead of the shared daemon thread {@code routepool-maintenance}. */
        public Builder maintenanceExecutor(final ScheduledExecutorService executor) {
            this.maintenanceExecutor = Objects.requireNonNull(executor, "maintenanceExecutor");
            return this;
        }

        /** Maintenance closes connections idle longer than this; zero (the default): only keep-alive and time to live apply. */
        public Builder maxIdleTime(final Duration maxIdle) {
            this.maxIdleTime = Objects.requireNonNull(maxIdle, "maxIdleTime");
            return this;
        }

        /**
         * Stale connections after a server's idle close (default on; pool-core's {@code learnIdleClose}). A request
         * on a reused connection that fails before any response ({@code NoHttpResponseException}, a reset) makes the
         * route's other idle connections be checked ({@code isStale()}) before they are handed out; each route learns
         * how long its server lets a connection idle, checks a connection that idled longer than any that survived
         * (even within {@link #validateAfterInactivity}), and expires idle connections a margin before the learned
         * close, said once in the log. Off: HttpClient's rules only.
         */
        public Builder learnIdleClose(final boolean learn) {
            this.learnIdleClose = learn;
            return this;
        }

        /**
         * A connection that has served this many requests is closed when the last one is done, instead of being kept
         * for reuse (Jetty's {@code maxUsage}). Default 0: no limit.
         */
        public Builder maxUsesPerConnection(final int maxUses) {
            this.maxUsesPerConnection = nonNegative(maxUses, "maxUsesPerConnection");
            return this;
        }

        /**
         * The most requests that may wait for a connection to one route at a time; one more fails at once with a
         * {@link org.apache.http.conn.ConnectionPoolTimeoutException} that names the cap and the counts, so that a slow
         * backend cannot hold every request thread (Jetty's {@code maxRequestsQueuedPerDestination}). Default 0: no limit.
         */
        public Builder maxPendingPerRoute(final int max) {
            this.maxPendingPerRoute = nonNegative(max, "maxPendingPerRoute");
            return this;
        }

        /** As {@link #maxPendingPerRoute}, for all routes together (Reactor Netty's {@code pendingAcquireMaxCount}). Default 0: no limit. */
        public Builder maxPending(final int max) {
            this.maxPending = nonNegative(max, "maxPending");
            return this;
        }

        private static int nonNegative(final int value, final String name) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must be 0 (no limit) or positive, was " + value);
            }
            return value;
        }

        /** A connection leased longer than this is reported once as a suspected leak. Default 5 minutes; zero: off. */
        public Builder leakThreshold(final Duration threshold) {
            this.leakThreshold = Objects.requireNonNull(threshold, "leakThreshold");
            return this;
        }

        /** Records where each connection was leased, for leak and self-deadlock reports. Costs a stack walk per request; default off. */
        public Builder captureLeaseStacks(final boolean capture) {
            this.captureLeaseStacks = capture;
            return this;
        }

        /**
         * A connection leased longer than this is taken back: closed (its holder's I/O fails) and its capacity
         * freed; the holder's later release is ignored with a warning. Default zero: never.
         */
        public Builder reclaimAbandonedAfter(final Duration after) {
            this.reclaimAbandonedAfter = Objects.requireNonNull(after, "reclaimAbandonedAfter");
            return this;
        }

        /** A request that has waited this long for a connection is reported once, with the route's leases. Default 30 s; zero: off. */
        public Builder stuckWaiterThreshold(final Duration threshold) {
            this.stuckWaiterThreshold = Objects.requireNonNull(threshold, "stuckWaiterThreshold");
            return this;
        }

        /**
         * A request whose thread already holds every connection it could get (responses it has not consumed or
         * closed) fails at once with a {@link SelfDeadlockException} instead of logging a warning and waiting.
         * Default off.
         */
        public Builder failOnSelfDeadlock(final boolean fail) {
            this.failOnSelfDeadlock = fail;
            return this;
        }

        /** Receives diagnostics and connection events; default none. */
        public Builder listener(final PoolListener<HttpRoute> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The name the pool's reports and timeout messages start with, so that a service with several clients
         * knows which pool speaks. Default {@code routepool-N}. One line, not blank.
         */
        public Builder poolName(final String name) {
            this.poolName = Objects.requireNonNull(name, "poolName"); // the rest is checked by build()
            return this;
        }

        /**
         * The longest a request waits for a connection when its {@code RequestConfig} connection request timeout
         * is 0 or unset, which HttpClient 4.5 takes as forever: default 3 minutes (HttpClient 5's default), so
         * that a pool that never gets its connections back fails requests instead of parking their threads for
         * good; the timeout's message says the cap applied. Zero waits forever, as HttpClient 4.5 does. A
         * timeout set on the request is never changed.
         */
        public Builder maxLeaseWait(final Duration maxWait) {
            this.maxLeaseWait = Objects.requireNonNull(maxWait, "maxLeaseWait"); // a negative one is refused by build()
            return this;
        }

        /**
         * Pre-warming (Jetty's {@code preCreateConnections}, HikariCP's {@code minimumIdle}; HttpClient declined it,
         * HTTPCLIENT-2180). At each maintenance pass (every {@link #maintenanceInterval}, 1 s by default), every route
         * that has served a request in the last 10 minutes, and every route named by {@link #warmRoutes}, that has
         * fewer than {@code n} idle connections gets new ones, connected on background threads ({@link #warmingExecutor}) exactly as a request's
         * would be ({@link RoutePoolConnectionManager#connect}: the operator, so TLS for https, the DNS and scheme port resolvers; the host's
         * {@link SocketConfig}; the route's local address; connect timeout {@link #warmConnectTimeout}), so that the
         * next request finds one open and sends at once. As many as the route's limit and the pool's free capacity
         * allow: none while a request waits for a connection, never more than {@code maxPerRoute} or {@code maxTotal},
         * and never by closing another route's connection. A warm connection is an idle connection like any other:
         * its time to live, keep-alive, {@link #maxIdleTime} and a learned idle close end it, and the next pass
         * replaces it. Routes tunnelled through a proxy (CONNECT) are not warmed: their tunnel is made by the
         * request. A failed connect backs the route off (one interval, doubling up to a minute, until one succeeds);
         * the first failure of a run is logged once (WARNING, logger {@code io.routepool.core.PoolDiagnostics}).
         * With {@code maintenanceInterval(ZERO)} only {@link RoutePoolConnectionManager#runMaintenance()} warms.
         *
         * @param n the idle connections to keep on each such route; default 0: off
         * @throws IllegalArgumentException {@code n} is negative
         */
        public Builder minIdlePerRoute(final int n) {
            if (n < 0) {
                throw new IllegalArgumentException("minIdlePerRoute must be 0 (off) or positive, was " + n);
            }
            this.minIdlePerRoute = n;
            return this;
        }

        /**
         * Routes to keep {@link #minIdlePerRoute} idle connections on from the first maintenance pass, before their first
         * request (warmed, and listed by {@code getRoutes()}, until the manager is shut down). Each must be the route
         * HttpClient's route planner makes for the requests meant to use it, or none of them ever will: the target
         * with its port ({@code new HttpHost("api.example.com", 443, "https")}), and secure for an https target
         * ({@code new HttpRoute(target, null, true)}; through a proxy, {@code new HttpRoute(target, null, proxy, false)}
         * for http). Adds to the routes named before.
         *
         * @throws IllegalArgumentException {@code routes} or one of them is {@code null}; a route is tunnelled (CONNECT
         *                                  through a proxy: the request makes its tunnel, so it cannot be warmed); a
         *                                  route's target is https but the route is not secure, or has no port
         *                                  (a scheme other than http and https without one: no request's route would
         *                                  be that one)
         */
        public Builder warmRoutes(final HttpRoute... routes) {
            if (routes == null) {
                throw new IllegalArgumentException("warmRoutes must not be null");
            }
            return warmRoutes(Arrays.asList(routes));
        }

        /** As {@link #warmRoutes(HttpRoute...)}. */
        public Builder warmRoutes(final Collection<HttpRoute> routes) {
            if (routes == null) {
                throw new IllegalArgumentException("warmRoutes must not be null");
            }
            for (final HttpRoute route : routes) {
                checkWarmRoute(route, routes);
            }
            this.warmRoutes.addAll(routes); // all or none: every route was checked first
            return this;
        }

        private static void checkWarmRoute(final HttpRoute route, final Collection<HttpRoute> routes) {
            if (route == null) {
                throw new IllegalArgumentException("warmRoutes must not contain null: " + routes);
            }
            if (route.isTunnelled()) {
                throw new IllegalArgumentException("warmRoutes: route " + route + " is tunnelled through proxy "
                        + route.getProxyHost() + " (CONNECT): its tunnel is made by the request's exec chain, not by the"
                        + " connection manager, so it cannot be warmed; leave it out");
            }
            final HttpHost target = route.getTargetHost();
            if (target.getPort() <= 0) {
                throw new IllegalArgumentException("warmRoutes: route " + route + " has no target port: HttpClient's"
                        + " route planner gives every request's route an explicit one (from its scheme port resolver), so no"
                        + " request would use this route; name the port");
            }
            if ("https".equalsIgnoreCase(target.getSchemeName()) && !route.isSecure()) {
                throw new IllegalArgumentException("warmRoutes: route " + route + " has an https target but is not"
                        + " secure: HttpClient's route planner makes every https route secure, so no request would use"
                        + " this one; use new HttpRoute(target, null, true)");
            }
        }

        /**
         * Where warm connections are connected ({@link #minIdlePerRoute}): a route's missing connections are made one
         * after another, one task per route at a time. Default: routepool's shared daemon threads
         * {@code routepool-warming} (at most four, ended after a minute without work).
         */
        public Builder warmingExecutor(final Executor executor) {
            this.warmingExecutor = Objects.requireNonNull(executor, "warmingExecutor");
            return this;
        }

        /**
         * The connect timeout (TCP connect, and the TLS handshake when the socket config has no socket timeout) of a
         * warm connection ({@link #minIdlePerRoute}). A request's connect timeout comes from its {@code RequestConfig},
         * which a connection made ahead of any request does not have; this bounds how long a warming thread waits on
         * an unreachable server. Default 10 s ({@link #DEFAULT_WARM_CONNECT_TIMEOUT}); rounded up to whole
         * milliseconds, at most {@code Integer.MAX_VALUE} of them.
         *
         * @throws IllegalArgumentException {@code timeout} is zero or negative
         */
        public Builder warmConnectTimeout(final Duration timeout) {
            Objects.requireNonNull(timeout, "warmConnectTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("warmConnectTimeout must be positive, was " + timeout);
            }
            this.warmConnectTimeout = timeout;
            return this;
        }

        /** {@link #warmConnectTimeout} in whole milliseconds, rounded up: at least 1, at most {@code Integer.MAX_VALUE}. */
        int warmConnectTimeoutMillis() {
            if (this.warmConnectTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) >= 0) {
                return Integer.MAX_VALUE;
            }
            final long ms = this.warmConnectTimeout.toMillis();
            return (int) (Duration.ofMillis(ms).compareTo(this.warmConnectTimeout) < 0 ? ms + 1 : ms);
        }

        /** The pool-core pool these options describe, its reports in HttpClient's terms and logged to commons-logging. */
        KeyedPool<HttpRoute, PooledConnection> buildPool(final InternalConnectionFactory factory) {
            final PoolBuilder<HttpRoute, PooledConnection> pb = KeyedPool.builder(factory)
                    .maxTotal(this.maxTotal)
                    .defaultMaxPerRoute(this.defaultMaxPerRoute)
                    .timeToLive(this.timeToLive)
                    .timeToLiveJitter(this.timeToLiveJitter)
                    .validateAfterInactivity(Duration.ofMillis(Math.max(0, this.validateAfterInactivityMs)))
                    .validator(pooled -> !pooled.connection.isStale())
                    .maintenanceInterval(this.maintenanceInterval)
                    .maxIdleTime(this.maxIdleTime)
                    .maxUsesPerConnection(this.maxUsesPerConnection)
                    .learnIdleClose(this.learnIdleClose)
                    .maxPendingPerRoute(this.maxPendingPerRoute)
                    .maxPending(this.maxPending)
                    .leakThreshold(this.leakThreshold)
                    .captureLeaseStacks(this.captureLeaseStacks)
                    .reclaimAbandonedAfter(this.reclaimAbandonedAfter)
                    .stuckWaiterThreshold(this.stuckWaiterThreshold)
                    .failOnSelfDeadlock(this.failOnSelfDeadlock)
                    .listener(this.listener)
                    .logger(new CommonsLoggingPoolLogger())
                    .remedy(Diagnostic.Kind.SELF_DEADLOCK, HttpClientRemedies.SELF_DEADLOCK)
                    .remedy(Diagnostic.Kind.LEAK_SUSPECTED, HttpClientRemedies.LEAK)
                    .remedy(Diagnostic.Kind.STATE_MISMATCH, HttpClientRemedies.STATE_MISMATCH)
                    .remedy(Diagnostic.Kind.WAITER_STUCK, HttpClientRemedies.STUCK_WAITER)
                    .remedyHint(RemedyHint.CAPTURE_LEASE_STACKS, HttpClientRemedies.CAPTURE_LEASE_STACKS)
                    .remedyHint(RemedyHint.LEASE_TIMEOUT, HttpClientRemedies.LEASE_TIMEOUT)
                    .remedyHint(RemedyHint.MAX_LEASE_WAIT, HttpClientRemedies.MAX_LEASE_WAIT)
                    .maxLeaseWait(this.maxLeaseWait)
                    .minIdlePerRoute(this.minIdlePerRoute)
                    .warmRoutes(this.warmRoutes);
            if (this.warmingExecutor != null) {
                pb.warmingExecutor(this.warmingExecutor);
            }
            if (this.poolName != null) {
                pb.poolName(this.poolName);
            }
            if (this.closeHalfClosedIdle) {
                // run by maintenance on an idle connection it has taken out of the pool: no request can be using it
                pb.idleProbe(pooled -> !pooled.connection.isStale());
            }
            if (this.maintenanceExecutor != null) {
                pb.maintenanceExecutor(this.maintenanceExecutor);
            }
            return pb.build();
        }

        /**
         * @throws IllegalStateException    a connection operator was given together with a registry, scheme port
         *                                  resolver or DNS resolver (the operator is what uses them)
         * @throws IllegalArgumentException {@link #warmRoutes} were named but {@link #minIdlePerRoute} is 0, or
         *                                  another option pool-core refuses (its message names it)
         */
        public RoutePoolConnectionManager build() {
            if (!this.warmRoutes.isEmpty() && this.minIdlePerRoute == 0) {
                throw new IllegalArgumentException("warmRoutes names " + this.warmRoutes.size() + " route(s) " + this.warmRoutes
                        + " but minIdlePerRoute is 0 (off), so none would be warmed: set minIdlePerRoute(n) to the"
                        + " idle connections (n >= 1) to keep on each");
            }
            if (this.connectionOperator != null
                    && (this.socketFactoryRegistry != null || this.schemePortResolver != null || this.dnsResolver != null)) {
                throw new IllegalStateException("connectionOperator replaces socketFactoryRegistry, schemePortResolver"
                        + " and dnsResolver: set either the operator or those");
            }
            return new RoutePoolConnectionManager(this);
        }
    }
}

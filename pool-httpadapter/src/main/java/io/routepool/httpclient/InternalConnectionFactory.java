package io.routepool.httpclient;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import java.io.IOException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.config.ConnectionConfig;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.ManagedHttpClientConnectionFactory;

/**
 * pool-core's view of HttpClient's connections: creates them unconnected with the host's
 * {@link ConnectionConfig} (no I/O) for a lease, whose request connects them ({@code MainClientExec}); creates and
 * connects them for pre-warming ({@link #createIdle}); closes them with {@code close()} or, for
 * {@link CloseMode#IMMEDIATE}, {@code shutdown()}.
 *
 * <p>Thread-safe: every field is final and thread-safe; nothing here holds a lock.
 */
final class InternalConnectionFactory implements ConnectionFactory<HttpRoute, PooledConnection> {

    /** The manager's logger, as HttpClient logs its pool's connection closing. */
    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);

    private final ConfigData configData;
    private final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory;
    /** Connects warm connections, as the manager's {@code connect} connects a request's. */
    private final RouteConnector connector;
    /** The connect timeout of a warm connection (ms, &gt; 0): it has no request, so no {@code RequestConfig}. */
    private final int warmConnectTimeoutMs;

    InternalConnectionFactory(
            final ConfigData configData,
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory,
            final RouteConnector connector,
            final int warmConnectTimeoutMs) {
        this.configData = configData;
        this.connFactory = connFactory != null ? connFactory : ManagedHttpClientConnectionFactory.INSTANCE;
        this.connector = connector;
        this.warmConnectTimeoutMs = warmConnectTimeoutMs;
    }

    @Override
    public PooledConnection create(final HttpRoute route) {
        final ManagedHttpClientConnection conn = this.connFactory.create(route, this.configData.resolveConnectionConfig(route));
        if (conn == null) {
            throw new IllegalStateException("HttpConnectionFactory " + this.connFactory
                    + " returned null for route " + route);
        }
        return new PooledConnection(conn);
    }

    /**
     * A connection a request can use as it is, for pre-warming (called on the warming executor, never under a lock):
     * created as {@link #create} creates one, connected as {@link RoutePoolConnectionManager#connect} connects a
     * request's (the manager's operator, the first hop's socket config, the route's local address; connect timeout
     * {@code warmConnectTimeout}), its socket timeout set from that socket config (as a lease sets a reused
     * connection's), its socket streams bound (so that a stale check works on it before its first request), and its
     * route marked complete, as {@link RoutePoolConnectionManager#routeComplete} would: the
     * exec chain finds it open, skips establishing the route, and sends; its release keeps it for reuse.
     *
     * <p>{@code null} for a tunnelled route (CONNECT through a proxy): the tunnel, its proxy authentication and the
     * TLS layered over it are made by the request's exec chain, not by the manager, so a connection to the proxy
     * alone would not be ready. A failed connect shuts the half-made connection down and throws.
     */
    @Override
    public PooledConnection createIdle(final HttpRoute route) throws IOException {
        if (route.isTunnelled()) {
            return null;
        }
        final PooledConnection pooled = create(route);
        boolean ready = false;
        try {
            final SocketConfig used = this.connector.connect(
                    pooled.connection, route, this.warmConnectTimeoutMs, HttpClientContext.create());
            // a TLS connect leaves the connect timeout as the socket timeout when the config's is 0
            pooled.connection.setSocketTimeout(used.getSoTimeout());
            // HttpCore binds a connection's socket streams at its first I/O, which a request's connection has before
            // any stale check: until then isStale() throws (IllegalStateException "Input stream"), and the pool's
            // checks (validateAfterInactivity, the half-close probe, learnIdleClose) would take this healthy idle
            // connection for one its server closed. flush() binds them and, with nothing buffered, writes nothing.
            pooled.connection.flush();
            pooled.markRouteComplete();
            ready = true;
            return pooled;
        } finally {
            if (!ready) {
                shutdownQuietly(pooled);
            }
        }
    }

    private static void shutdownQuietly(final PooledConnection pooled) {
        try {
            pooled.connection.shutdown();
        } catch (final IOException | RuntimeException ex) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("I/O exception shutting down connection " + pooled + " after a failed warm connect", ex);
            }
        }
    }

    @Override
    public void close(final PooledConnection pooled, final CloseMode mode) {
        try {
            if (mode == CloseMode.IMMEDIATE) {
                pooled.connection.shutdown();
            } else {
                pooled.connection.close();
            }
        } catch (final IOException ex) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("I/O exception closing connection " + pooled, ex);
            }
        }
    }

    @Override
    public boolean isOpen(final PooledConnection pooled) {
        return pooled.connection.isOpen();
    }
}

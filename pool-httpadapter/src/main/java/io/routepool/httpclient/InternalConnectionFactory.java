package io.routepool.httpclient;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import java.io.IOException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.http.config.ConnectionConfig;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.ManagedHttpClientConnectionFactory;

/**
 * pool-core's view of HttpClient's connections: creates them unconnected with the host's
 * {@link ConnectionConfig} (no I/O), closes them with {@code close()} or, for
 * {@link CloseMode#IMMEDIATE}, {@code shutdown()}.
 */
final class InternalConnectionFactory implements ConnectionFactory<HttpRoute, PooledConnection> {

    /** The manager's logger, as HttpClient logs its pool's connection closing. */
    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);

    private final ConfigData configData;
    private final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory;

    InternalConnectionFactory(
            final ConfigData configData,
            final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> connFactory) {
        this.configData = configData;
        this.connFactory = connFactory != null ? connFactory : ManagedHttpClientConnectionFactory.INSTANCE;
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

package io.routepool.httpclient;

import java.io.IOException;
import org.apache.http.HttpHost;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.HttpClientConnectionOperator;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.protocol.HttpContext;

/**
 * Connects a connection to its route's first hop, as {@link PoolingHttpClientConnectionManager#connect} does: through
 * the manager's {@link HttpClientConnectionOperator} (its socket factory registry, so TLS for an https target; its
 * DNS and scheme port resolvers), to the proxy if any, else the target, from the route's local address, with the
 * first hop's {@link SocketConfig} as {@link ConfigData#resolveSocketConfig} finds it at the time of the call. Used by
 * the manager's {@link RoutePoolConnectionManager#connect} for a request's connection and by
 * {@link InternalConnectionFactory#createIdle} for a warm one, so that both are connected by the same code.
 *
 * <p>Stateless beyond its two final fields (both thread-safe); called outside any pool lock.
 */
final class RouteConnector {

    private final HttpClientConnectionOperator operator;
    private final ConfigData configData;

    RouteConnector(final HttpClientConnectionOperator operator, final ConfigData configData) {
        this.operator = operator;
        this.configData = configData;
    }

    /**
     * Connects {@code conn} to {@code route}'s first hop; {@code connectTimeout} in milliseconds, 0 for none (the
     * operator's contract). Returns the socket config it connected with.
     */
    SocketConfig connect(
            final ManagedHttpClientConnection conn,
            final HttpRoute route,
            final int connectTimeout,
            final HttpContext context) throws IOException {
        final HttpHost host = ConfigData.firstHop(route);
        final SocketConfig socketConfig = this.configData.resolveSocketConfig(host);
        this.operator.connect(conn, host, route.getLocalSocketAddress(), connectTimeout, socketConfig, context);
        return socketConfig;
    }

    /** Layers the target's protocol (TLS) over a tunnel, as HttpClient's {@code upgrade}. */
    void upgrade(final ManagedHttpClientConnection conn, final HttpRoute route, final HttpContext context)
            throws IOException {
        this.operator.upgrade(conn, route.getTargetHost(), context);
    }
}

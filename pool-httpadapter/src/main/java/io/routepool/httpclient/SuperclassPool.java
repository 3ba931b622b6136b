package io.routepool.httpclient;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.http.HttpHost;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.HttpClientConnectionOperator;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.protocol.HttpContext;

/**
 * What {@link RoutePoolConnectionManager} hands to its superclass, {@link PoolingHttpClientConnectionManager}, whose
 * constructor always builds a pool of its own (a {@code CPool}) that we never use.
 *
 * <p>The constructor called is {@code (HttpClientConnectionOperator, HttpConnectionFactory, long, TimeUnit)}, the
 * one that creates least: a {@code ConfigData} (two empty maps), the {@code CPool} (a lock, a condition, empty maps
 * and lists, no thread, no socket) with its internal connection factory, and a flag. Unlike every other constructor
 * it creates no {@code DefaultHttpClientConnectionOperator} (with its socket factory registry and TLS context): it
 * takes {@link #OPERATOR}. Both arguments are stateless singletons, so the superclass's fields hold nothing of ours
 * and nothing per manager but those few empty objects.
 *
 * <p>Why its pool never serves a lease: that pool is a private field, reached only by the superclass's own methods,
 * and {@link RoutePoolConnectionManager} overrides every public and protected one (a test checks this by
 * reflection) and calls none of them through {@code super}. Should a future HttpClient reach it anyway, it still
 * could not hand out or connect anything: its connection factory ({@link #CONNECTIONS}) refuses to create a
 * connection, so the {@code CPool} has none to lease, and the operator refuses to connect. We do not shut that pool
 * down at construction: {@code super.shutdown()} would log "Connection manager is shutting down" at DEBUG under our
 * class's logger for every manager built, and reaching the private field would take reflection; an empty pool that
 * can create nothing holds nothing to release.
 */
final class SuperclassPool {

    private static final String REFUSED =
            "RoutePoolConnectionManager serves every request from routepool's pool; the pool of its superclass"
                    + " PoolingHttpClientConnectionManager is never used";

    /** The superclass's connection operator: refuses to connect or upgrade anything. */
    static final HttpClientConnectionOperator OPERATOR = new HttpClientConnectionOperator() {
        @Override
        public void connect(final ManagedHttpClientConnection conn, final HttpHost host,
                final InetSocketAddress localAddress, final int connectTimeout, final SocketConfig socketConfig,
                final HttpContext context) {
            throw new IllegalStateException(REFUSED);
        }

        @Override
        public void upgrade(final ManagedHttpClientConnection conn, final HttpHost host, final HttpContext context) {
            throw new IllegalStateException(REFUSED);
        }
    };

    /** The superclass pool's connection factory: creates nothing, so that pool can never lease a connection. */
    static final HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> CONNECTIONS =
            (route, config) -> {
                throw new IllegalStateException(REFUSED);
            };

    /** The superclass's time to live: none (the superclass pool holds no connection for it to bound). */
    static final long TIME_TO_LIVE = -1;
    static final TimeUnit TIME_UNIT = TimeUnit.MILLISECONDS;

    private SuperclassPool() {
    }
}

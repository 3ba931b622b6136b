package io.routepool.httpclient;

import org.apache.http.conn.ManagedHttpClientConnection;

/**
 * What the pool holds for one HttpClient connection: the connection and whether its route was
 * completed (HttpClient's {@code CPoolEntry.routeComplete}). The flag belongs to the connection, not to
 * a lease: a reused connection is already connected, {@code MainClientExec} does not establish its
 * route again, and it must stay reusable.
 */
final class PooledConnection {

    final ManagedHttpClientConnection connection;
    private volatile boolean routeComplete;

    PooledConnection(ManagedHttpClientConnection connection) {
        this.connection = connection;
    }

    void markRouteComplete() {
        routeComplete = true;
    }

    boolean isRouteComplete() {
        return routeComplete;
    }

    @Override
    public String toString() {
        return String.valueOf(connection);
    }
}

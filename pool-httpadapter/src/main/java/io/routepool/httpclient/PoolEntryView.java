package io.routepool.httpclient;

import io.routepool.core.PoolEntry;
import io.routepool.core.TimeSource;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;

/**
 * One of routepool's entries as HttpCore 4.4's {@link org.apache.http.pool.PoolEntry}, for the callbacks of
 * {@link RoutePoolConnectionManager#enumAvailable} and {@link RoutePoolConnectionManager#enumLeased} (HttpClient's
 * own give them its {@code CPoolEntry}). A snapshot made when the enumeration reached the entry: the connection is
 * the pooled {@link ManagedHttpClientConnection} itself (as {@code CPoolEntry}'s), the id is routepool's creation
 * number, the times are routepool's converted to epoch milliseconds. {@link #close()} closes the connection, as
 * {@code CPoolEntry} does. State and expiry belong to the pool, which changes them only on release:
 * {@link #setState} and {@link #updateExpiry} throw {@link UnsupportedOperationException}.
 */
final class PoolEntryView extends org.apache.http.pool.PoolEntry<HttpRoute, ManagedHttpClientConnection> {

    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);

    private final PoolEntry<HttpRoute, PooledConnection> entry;
    /** Epoch milliseconds and the pool's clock at the same moment, to convert the entry's times. */
    private final long nowMillis;
    private final long nowNanos;

    PoolEntryView(final PoolEntry<HttpRoute, PooledConnection> entry) {
        super(Long.toString(entry.id()), entry.route(), entry.connection().connection);
        this.entry = entry;
        this.nowMillis = System.currentTimeMillis();
        this.nowNanos = TimeSource.system().nanoTime(); // the adapter's pools run on the system time source
    }

    private long toMillis(final long nanos) {
        if (nanos == PoolEntry.NEVER) {
            return Long.MAX_VALUE;
        }
        return this.nowMillis - TimeUnit.NANOSECONDS.toMillis(this.nowNanos - nanos);
    }

    @Override
    public long getCreated() {
        return toMillis(this.entry.createdNanos());
    }

    @Override
    public synchronized long getUpdated() {
        return toMillis(this.entry.updatedNanos());
    }

    @Override
    public long getValidityDeadline() {
        return toMillis(this.entry.validityDeadlineNanos());
    }

    /** As HttpCore 4.4, the validity deadline. */
    @Override
    @Deprecated
    public long getValidUnit() {
        return getValidityDeadline();
    }

    @Override
    public synchronized long getExpiry() {
        return toMillis(this.entry.expiryNanos());
    }

    @Override
    public synchronized boolean isExpired(final long now) {
        return now >= getExpiry();
    }

    @Override
    public Object getState() {
        return this.entry.state();
    }

    /** @throws UnsupportedOperationException always: the state is stored on release ({@code releaseConnection}) */
    @Override
    public void setState(final Object state) {
        throw new UnsupportedOperationException(
                "routepool stores a connection's state when it is released (releaseConnection), not through enumAvailable/enumLeased");
    }

    /** @throws UnsupportedOperationException always: the keep-alive is set on release ({@code releaseConnection}) */
    @Override
    public synchronized void updateExpiry(final long time, final TimeUnit timeUnit) {
        throw new UnsupportedOperationException(
                "routepool sets a connection's expiry when it is released (releaseConnection), not through enumAvailable/enumLeased");
    }

    /** Closes the connection, as HttpClient's {@code CPoolEntry}; the pool drops it ({@code enumAvailable} at once). */
    @Override
    public void close() {
        try {
            getConnection().close();
        } catch (final IOException ex) {
            LOG.debug("I/O exception closing connection", ex);
        }
    }

    @Override
    public boolean isClosed() {
        return !getConnection().isOpen();
    }

    @Override
    public String toString() {
        return "[id:" + getId() + "][route:" + getRoute() + "][state:" + getState() + "]";
    }
}

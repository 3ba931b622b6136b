package io.routepool.httpclient;

import io.routepool.core.PoolEntry;
import java.util.concurrent.TimeUnit;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;

/**
 * How a released connection goes back to the pool: reusable or closed, and for how long it may idle. Decided
 * first, then acted on ({@code KeyedPool.release}), then logged.
 */
final class ReleaseDecision {

    /** Close it (also what a release gets whose preparation threw). */
    static final ReleaseDecision CLOSE = new ReleaseDecision(false, 0, TimeUnit.MILLISECONDS);

    final boolean reusable;
    /** The idle lifetime; {@code <= 0}: no limit. Used only if {@link #reusable}. */
    final long keepAlive;
    final TimeUnit unit;

    private ReleaseDecision(final boolean reusable, final long keepAlive, final TimeUnit unit) {
        this.reusable = reusable;
        this.keepAlive = keepAlive;
        this.unit = unit;
    }

    /**
     * HttpClient's release rule: an open connection gets {@code state} and its socket timeout reset to 0, and idles
     * for {@code keepAlive} ({@code <= 0}, the server sent no Keep-Alive timeout: {@code defaultKeepAliveMs}); it
     * is reusable only if it is still open and its route was completed.
     */
    static ReleaseDecision prepare(
            final PoolEntry<HttpRoute, PooledConnection> entry,
            final Object state,
            final long keepAlive, final TimeUnit timeUnit,
            final long defaultKeepAliveMs) {
        final PooledConnection pooled = entry.connection();
        final ManagedHttpClientConnection conn = pooled.connection;
        if (!conn.isOpen()) {
            return CLOSE;
        }
        final long idle = keepAlive > 0 ? keepAlive : defaultKeepAliveMs;
        final TimeUnit unit = keepAlive > 0 && timeUnit != null ? timeUnit : TimeUnit.MILLISECONDS;
        entry.setState(state);
        conn.setSocketTimeout(0);
        return new ReleaseDecision(conn.isOpen() && pooled.isRouteComplete(), idle, unit);
    }

    /** As HttpClient's debug log: "kept alive for N ms", "kept alive indefinitely" or "closed". */
    String describe() {
        if (!this.reusable) {
            return " closed";
        }
        return " kept alive " + (this.keepAlive > 0 ? "for " + this.unit.toMillis(this.keepAlive) + " ms" : "indefinitely");
    }
}

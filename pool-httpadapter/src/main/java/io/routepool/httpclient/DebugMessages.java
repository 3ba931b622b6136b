package io.routepool.httpclient;

import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolStats;
import org.apache.http.conn.routing.HttpRoute;

/** The text of the manager's debug log, in HttpClient's format; built only when debug is enabled. */
final class DebugMessages {

    private DebugMessages() {
    }

    static String request(final HttpRoute route, final Object state) {
        return "Connection request: [route: " + route + "]" + (state != null ? "[state: " + state + "]" : "");
    }

    /**
     * "Connection leased: [id: ...][route: ...][state: ...]"; {@code null} if describing the entry threw (a user
     * token whose {@code toString} throws must not lose the lease).
     */
    static String leased(final PoolEntry<HttpRoute, PooledConnection> entry) {
        try {
            return "Connection leased: " + entry(entry);
        } catch (final RuntimeException ex) {
            return null;
        }
    }

    /** Built while the releaser still owns the entry: once released, another lease may take it and change its state. */
    static String released(final PoolEntry<HttpRoute, PooledConnection> entry, final ReleaseDecision decision) {
        try {
            return "Connection released: " + entry(entry) + decision.describe();
        } catch (final RuntimeException ex) {
            return "Connection released";
        }
    }

    private static String entry(final PoolEntry<HttpRoute, PooledConnection> entry) {
        final Object state = entry.state();
        return "[id: " + entry.id() + "][route: " + entry.route() + "]" + (state != null ? "[state: " + state + "]" : "");
    }

    /** As HttpClient's debug log: the counts of the pool and of the route. */
    static String stats(final KeyedPool<HttpRoute, PooledConnection> pool, final HttpRoute route) {
        final PoolStats totals = pool.getTotalStats();
        final PoolStats stats = pool.getStats(route);
        return "[total available: " + totals.available() + "; route allocated: " + (stats.leased() + stats.available())
                + " of " + stats.max() + "; total allocated: " + (totals.leased() + totals.available())
                + " of " + totals.max() + "]";
    }
}

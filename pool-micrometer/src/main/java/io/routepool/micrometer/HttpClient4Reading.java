package io.routepool.micrometer;

import io.routepool.core.PoolCounters;
import io.routepool.core.PoolStats;
import io.routepool.httpclient.RoutePoolConnectionManager;
import java.util.Set;
import org.apache.http.HttpHost;
import org.apache.http.conn.routing.HttpRoute;

/**
 * HttpClient 4.5's {@link RoutePoolConnectionManager}, read through its public methods. The only class besides
 * {@link RoutePoolConnectionManagerMetrics} that names HttpClient 4 types: loaded only by an application that uses it.
 */
final class HttpClient4Reading implements PoolReading<HttpRoute> {

    private final RoutePoolConnectionManager manager;

    HttpClient4Reading(RoutePoolConnectionManager manager) {
        this.manager = manager;
    }

    @Override
    public int maxTotal() {
        return manager.getMaxTotal();
    }

    @Override
    public PoolStats totals() {
        return core(manager.getTotalStats());
    }

    @Override
    public Set<HttpRoute> routes() {
        return manager.getRoutes();
    }

    @Override
    public PoolStats route(HttpRoute route) {
        return core(manager.getStats(route));
    }

    private static PoolStats core(org.apache.http.pool.PoolStats s) {
        return new PoolStats(s.getLeased(), s.getPending(), s.getAvailable(), s.getMax());
    }

    @Override
    public PoolCounters counters() {
        return manager.getCounters();
    }

    /** The manager does not say whether it was shut down: its meters go when the binder is closed or the manager is collected. */
    @Override
    public boolean isClosed() {
        return false;
    }

    /** {@code scheme://host:port} of the route's target (see {@link RoutePoolConnectionManagerMetrics#routeName}). */
    static String name(HttpRoute route) {
        HttpHost target = route.getTargetHost();
        return RouteNames.of(target.getSchemeName(), target.getHostName(), target.getPort());
    }

}

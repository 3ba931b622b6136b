package io.routepool.micrometer;

import io.routepool.core.PoolCounters;
import io.routepool.core.PoolStats;
import io.routepool.httpclient5.RoutePoolConnPool;
import java.util.Set;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.http.HttpHost;

/**
 * The pool of an HttpClient 5 manager (classic or async), {@link RoutePoolConnPool}, read through its public
 * methods. With the two HttpClient 5 entry classes, the only classes that name HttpClient 5 types.
 */
final class HttpClient5Reading implements PoolReading<HttpRoute> {

    private final RoutePoolConnPool<HttpRoute, ?> pool;

    HttpClient5Reading(RoutePoolConnPool<HttpRoute, ?> pool) {
        this.pool = pool;
    }

    @Override
    public int maxTotal() {
        return pool.getMaxTotal();
    }

    @Override
    public PoolStats totals() {
        return core(pool.getTotalStats());
    }

    @Override
    public Set<HttpRoute> routes() {
        return pool.getRoutes();
    }

    @Override
    public PoolStats route(HttpRoute route) {
        return core(pool.getStats(route));
    }

    private static PoolStats core(org.apache.hc.core5.pool.PoolStats s) {
        return new PoolStats(s.getLeased(), s.getPending(), s.getAvailable(), s.getMax());
    }

    @Override
    public PoolCounters counters() {
        return pool.getCounters();
    }

    @Override
    public boolean isClosed() {
        return pool.isShutdown();
    }

    /** {@code scheme://host:port} of the route's target. */
    static String name(HttpRoute route) {
        HttpHost target = route.getTargetHost();
        return RouteNames.of(target.getSchemeName(), target.getHostName(), target.getPort());
    }
}

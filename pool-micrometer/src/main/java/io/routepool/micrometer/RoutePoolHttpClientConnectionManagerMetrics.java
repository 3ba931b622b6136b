package io.routepool.micrometer;

import io.routepool.httpclient5.RoutePoolConnPool;
import io.routepool.httpclient5.RoutePoolHttpClientConnectionManager;
import java.util.Objects;
import org.apache.hc.client5.http.HttpRoute;

/**
 * The meters of HttpClient 5's classic {@link RoutePoolHttpClientConnectionManager} (artifact
 * {@code pool-httpclient5}), tagged {@code pool=} the manager's pool name, routes named by {@link #routeName}. For
 * the lease-wait timer, build the manager with a {@link MetricsPoolListener}
 * ({@code RoutePoolHttpClientConnectionManagerBuilder.create().setPoolListener(waits)}) and pass it to
 * {@link RoutePoolMetrics.Builder#leaseWaits}. The meters go when the binder is closed, or at the next refresh
 * after the manager is closed.
 */
public final class RoutePoolHttpClientConnectionManagerMetrics {

    private RoutePoolHttpClientConnectionManagerMetrics() {
    }

    /** A builder for the manager's meters. */
    public static RoutePoolMetrics.Builder<HttpRoute> builder(RoutePoolHttpClientConnectionManager manager) {
        Objects.requireNonNull(manager, "manager");
        RoutePoolConnPool<HttpRoute, ?> pool = manager.getRoutePool();
        return new RoutePoolMetrics.Builder<HttpRoute>(
                PoolSource.of(pool, HttpClient5Reading::new, pool.getPoolName()),
                RoutePoolHttpClientConnectionManagerMetrics::routeName);
    }

    /** The manager's meters with every default (no lease-wait timer: that needs the manager's listener). */
    public static RoutePoolMetrics of(RoutePoolHttpClientConnectionManager manager) {
        return builder(manager).build();
    }

    /**
     * The default {@code route} tag: {@code scheme://host:port} of the route's target, lower case, the port filled in
     * from the scheme when the route has none, an IPv6 address in brackets. The proxy is left out, so the direct and
     * the proxied routes to one target are summed under one name; to tell them apart, give
     * {@link RoutePoolMetrics.Builder#routeNamer} your own, for instance
     * {@code r -> routeName(r) + (r.getProxyHost() != null ? " via " + r.getProxyHost().toHostString() : "")}.
     */
    public static String routeName(HttpRoute route) {
        return HttpClient5Reading.name(route);
    }
}

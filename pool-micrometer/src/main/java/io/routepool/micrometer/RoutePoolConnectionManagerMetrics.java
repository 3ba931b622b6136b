package io.routepool.micrometer;

import io.routepool.httpclient.RoutePoolConnectionManager;
import java.util.Objects;
import org.apache.http.conn.routing.HttpRoute;

/**
 * The meters of HttpClient 4.5's {@link RoutePoolConnectionManager} (artifact {@code pool-httpadapter}), tagged
 * {@code pool=}{@link RoutePoolConnectionManager#getPoolName()}, routes named by {@link #routeName}. For the
 * lease-wait timer, build the manager with a {@link MetricsPoolListener}
 * ({@code RoutePoolConnectionManager.builder().listener(waits)}) and pass it to {@link RoutePoolMetrics.Builder#leaseWaits}.
 *
 * <p>The manager does not say when it is shut down: close the binder with it (a Spring bean is closed with the
 * context), or its meters stay, reading zeros, until the manager is garbage-collected.
 */
public final class RoutePoolConnectionManagerMetrics {

    private RoutePoolConnectionManagerMetrics() {
    }

    /** A builder for the manager's meters. */
    public static RoutePoolMetrics.Builder<HttpRoute> builder(RoutePoolConnectionManager manager) {
        Objects.requireNonNull(manager, "manager");
        return new RoutePoolMetrics.Builder<HttpRoute>(
                PoolSource.of(manager, HttpClient4Reading::new, manager.getPoolName()),
                RoutePoolConnectionManagerMetrics::routeName);
    }

    /** The manager's meters with every default (no lease-wait timer: that needs the manager's listener). */
    public static RoutePoolMetrics of(RoutePoolConnectionManager manager) {
        return builder(manager).build();
    }

    /**
     * The default {@code route} tag: {@code scheme://host:port} of the route's target, lower case, the port filled in
     * from the scheme when the route has none, an IPv6 address in brackets. The proxy, the local address and
     * tunnelling are left out, so the direct and the proxied routes to one target are summed under one name; to tell
     * them apart, give {@link RoutePoolMetrics.Builder#routeNamer} your own, for instance
     * {@code r -> routeName(r) + (r.getProxyHost() != null ? " via " + r.getProxyHost().toHostString() : "")}.
     */
    public static String routeName(HttpRoute route) {
        return HttpClient4Reading.name(route);
    }
}

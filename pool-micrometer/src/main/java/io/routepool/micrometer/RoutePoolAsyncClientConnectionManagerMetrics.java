package io.routepool.micrometer;

import io.routepool.httpclient5.RoutePoolAsyncClientConnectionManager;
import io.routepool.httpclient5.RoutePoolConnPool;
import java.util.Objects;
import org.apache.hc.client5.http.HttpRoute;

/**
 * The meters of HttpClient 5's async {@link RoutePoolAsyncClientConnectionManager} (artifact
 * {@code pool-httpclient5}), tagged {@code pool=} the manager's pool name, routes named as
 * {@link RoutePoolHttpClientConnectionManagerMetrics#routeName}. For the lease-wait timer, build the manager with a
 * {@link MetricsPoolListener} ({@code RoutePoolAsyncClientConnectionManagerBuilder.create().setPoolListener(waits)})
 * and pass it to {@link RoutePoolMetrics.Builder#leaseWaits}. The meters go when the binder is closed, or at the next
 * refresh after the manager is closed. (An HTTP/2 connection counts once, however many streams it carries.)
 */
public final class RoutePoolAsyncClientConnectionManagerMetrics {

    private RoutePoolAsyncClientConnectionManagerMetrics() {
    }

    /** A builder for the manager's meters. */
    public static RoutePoolMetrics.Builder<HttpRoute> builder(RoutePoolAsyncClientConnectionManager manager) {
        Objects.requireNonNull(manager, "manager");
        RoutePoolConnPool<HttpRoute, ?> pool = manager.getRoutePool();
        return new RoutePoolMetrics.Builder<HttpRoute>(
                PoolSource.of(pool, HttpClient5Reading::new, pool.getPoolName()),
                HttpClient5Reading::name);
    }

    /** The manager's meters with every default (no lease-wait timer: that needs the manager's listener). */
    public static RoutePoolMetrics of(RoutePoolAsyncClientConnectionManager manager) {
        return builder(manager).build();
    }
}

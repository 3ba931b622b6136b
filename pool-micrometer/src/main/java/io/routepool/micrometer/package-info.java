/**
 * Micrometer meters for routepool's pools: {@link io.routepool.micrometer.RoutePoolMetrics} (a {@code MeterBinder}
 * and {@code AutoCloseable}), built for pool-core's {@code KeyedPool} by
 * {@link io.routepool.micrometer.RoutePoolMetrics#builder}, for HttpClient 4.5's manager by
 * {@link io.routepool.micrometer.RoutePoolConnectionManagerMetrics}, and for HttpClient 5's by
 * {@link io.routepool.micrometer.RoutePoolHttpClientConnectionManagerMetrics} (classic) and
 * {@link io.routepool.micrometer.RoutePoolAsyncClientConnectionManagerMetrics} (async); the lease-wait timer is fed by
 * {@link io.routepool.micrometer.MetricsPoolListener}, installed when the pool is built. Everything else is
 * package-private.
 *
 * <h2>Reading order</h2>
 * <ol>
 *   <li>{@code RoutePoolMetrics}: binding, the refresh of the route set, closing; the cost to the pool.</li>
 *   <li>{@code Sampler}, {@code Sample}: one reading of the pool shared by the meters of a scrape.</li>
 *   <li>{@code RouteRanking}: the cap on route cardinality (a pure function).</li>
 *   <li>{@code Binding}: the meters of one registry, the table of counters.</li>
 *   <li>{@code PoolSource}, {@code PoolReading} and its three implementations: how each kind of pool is read, held
 *       weakly; the HttpClient types are named only there and in the entry classes.</li>
 *   <li>{@code MetricsPoolListener}, {@code RefreshThread}, {@code Reporter}, {@code RouteNames}: leaves.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>Nothing on the pool's hit path.</b> Meters read the pool when a registry reads them; the only code the
 *       pool calls is the listener's {@code onLeaseWaited}, for leases that waited.</li>
 *   <li><b>Bounded meters.</b> At most {@code maxRoutes} route names plus {@code other}, four gauges each, per
 *       registry, whatever the routes do over time; a name that leaves the top loses its rows at the next refresh.</li>
 *   <li><b>Nothing thrown into a scrape.</b> Meter functions read a {@code Sample}; a failed reading keeps the last
 *       one and is reported, once at WARNING.</li>
 *   <li><b>The pool is held weakly</b>; the registry holds the sampler (strong gauges), the sampler holds nothing
 *       of the pool but a weak reference.</li>
 * </ul>
 */
package io.routepool.micrometer;

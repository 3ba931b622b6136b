package io.routepool.micrometer;

import io.routepool.core.PoolCounters;
import io.routepool.core.PoolStats;
import java.util.Set;

/**
 * What the meters read from a pool, whatever its kind: pool-core's {@code KeyedPool}, or an HttpClient manager's pool
 * seen through its public methods. An instance holds its pool strongly and lives for one sample only
 * ({@link PoolSource#open()}), so that the meters never keep a pool alive. Every method is the pool's own public
 * one: none does I/O or calls user code; the stats take each route's lock once, one route at a time.
 *
 * @param <R> route
 */
interface PoolReading<R> {

    /** {@code maxTotal}. */
    int maxTotal();

    /** Counts over all routes (used when no per-route meters are asked for). */
    PoolStats totals();

    /** The routes that have a route pool (a copy). */
    Set<R> routes();

    /** Counts of one route, {@code max} its own limit. Registers the route until the pool's next sweep if it was gone. */
    PoolStats route(R route);

    /** The pool's life counts. */
    PoolCounters counters();

    /** Whether the pool says it is closed (false where it cannot say: HttpClient 4.5's manager). */
    boolean isClosed();
}

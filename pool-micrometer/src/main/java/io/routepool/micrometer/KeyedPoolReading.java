package io.routepool.micrometer;

import io.routepool.core.KeyedPool;
import io.routepool.core.PoolCounters;
import io.routepool.core.PoolStats;
import java.util.Set;

/** pool-core's {@link KeyedPool}, read directly. */
final class KeyedPoolReading<R> implements PoolReading<R> {

    private final KeyedPool<R, ?> pool;

    KeyedPoolReading(KeyedPool<R, ?> pool) {
        this.pool = pool;
    }

    @Override
    public int maxTotal() {
        return pool.getMaxTotal();
    }

    @Override
    public PoolStats totals() {
        return pool.getTotalStats();
    }

    @Override
    public Set<R> routes() {
        return pool.getRoutes();
    }

    @Override
    public PoolStats route(R route) {
        return pool.getStats(route);
    }

    @Override
    public PoolCounters counters() {
        return pool.getCounters();
    }

    @Override
    public boolean isClosed() {
        return pool.isClosed();
    }
}

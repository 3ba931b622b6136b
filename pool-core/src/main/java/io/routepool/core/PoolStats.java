package io.routepool.core;

/**
 * Counts of a route or of the whole pool, as HttpCore's {@code PoolStats}.
 *
 * @param leased    connections handed out (including ones being created for a lessee)
 * @param pending   lease requests waiting
 * @param available idle connections
 * @param max       the limit that applies (maxPerRoute for a route, maxTotal for the pool)
 */
public record PoolStats(int leased, int pending, int available, int max) {

    @Override
    public String toString() {
        return "[leased: " + leased + "; pending: " + pending + "; available: " + available + "; max: " + max + "]";
    }
}

package io.routepool.core;

/**
 * Counts of a route or of the whole pool, as HttpCore's {@code PoolStats}. An immutable value: equal when
 * all four counts are equal.
 */
public final class PoolStats {

    private final int leased;
    private final int pending;
    private final int available;
    private final int max;

    /**
     * @param leased    connections handed out (including ones being created for a lessee)
     * @param pending   lease requests waiting
     * @param available idle connections
     * @param max       the limit that applies (maxPerRoute for a route, maxTotal for the pool)
     */
    public PoolStats(int leased, int pending, int available, int max) {
        this.leased = leased;
        this.pending = pending;
        this.available = available;
        this.max = max;
    }

    /** Connections handed out (including ones being created for a lessee). */
    public int leased() {
        return leased;
    }

    /** Lease requests waiting. */
    public int pending() {
        return pending;
    }

    /** Idle connections. */
    public int available() {
        return available;
    }

    /** The limit that applies (maxPerRoute for a route, maxTotal for the pool). */
    public int max() {
        return max;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PoolStats)) {
            return false;
        }
        PoolStats s = (PoolStats) o;
        return leased == s.leased && pending == s.pending && available == s.available && max == s.max;
    }

    @Override
    public int hashCode() {
        return ((leased * 31 + pending) * 31 + available) * 31 + max;
    }

    @Override
    public String toString() {
        return "[leased: " + leased + "; pending: " + pending + "; available: " + available + "; max: " + max + "]";
    }
}

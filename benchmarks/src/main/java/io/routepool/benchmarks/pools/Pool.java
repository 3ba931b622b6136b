package io.routepool.benchmarks.pools;

/**
 * The pools under comparison, as a JMH {@code @Param}. Each benchmark lists the values that make
 * sense for its shape (the bag is not keyed; commons-pool2 and the bag carry no state), so invalid
 * combinations are never generated; {@link #check} refuses them if they are forced with {@code -p}.
 */
public enum Pool {
    /** {@code io.routepool.core.KeyedPool}: the pool under test. */
    ROUTEPOOL("routepool", true, true),
    /** HttpCore 4.4.16 {@code BasicConnPool}: the {@code AbstractConnPool} HttpClient 4.5 runs. */
    HTTPCORE4("HttpCore 4.4 AbstractConnPool", true, true),
    /** HttpCore 5.4.4 {@code StrictConnPool} (HttpClient 5's default). */
    STRICT5("HttpCore5 StrictConnPool", true, true),
    /**
     * {@code io.routepool.httpclient5.RoutePoolConnPool}: routepool behind httpcore5's {@code ManagedConnPool} API, as
     * HttpClient 5's managers use it (what the mapping onto pool-core costs over {@link #ROUTEPOOL}).
     */
    ROUTEPOOL5("routepool RoutePoolConnPool (httpcore5 API)", true, true),
    /** HttpCore 5.4.4 {@code RouteSegmentedConnPool}: HttpClient 5.6's experimental OFFLOCK policy. */
    OFFLOCK5("HttpCore5 RouteSegmentedConnPool", true, true),
    /** HttpCore 5.4.4 {@code LaxConnPool}: no maxTotal; a state mismatch closes the connection. */
    LAX5("HttpCore5 LaxConnPool", true, true),
    /** commons-pool2 2.12.0 {@code GenericKeyedObjectPool}: keyed, no state. */
    COMMONS_POOL2("commons-pool2 GenericKeyedObjectPool", true, false),
    /** HikariCP 5.1.0 {@code ConcurrentBag}: not keyed, no state, no capacity logic: the ceiling. */
    HIKARI_BAG("HikariCP ConcurrentBag (not keyed)", false, false);

    private final String label;
    private final boolean keyed;
    private final boolean stateful;

    Pool(String label, boolean keyed, boolean stateful) {
        this.label = label;
        this.keyed = keyed;
        this.stateful = stateful;
    }

    public String label() {
        return label;
    }

    public boolean keyed() {
        return keyed;
    }

    public boolean stateful() {
        return stateful;
    }

    /**
     * Refuses a combination this pool cannot run honestly (a non-keyed pool on several routes, a
     * stateless pool asked to match states), so that no misleading number is produced.
     */
    public void check(int routes, int states) {
        if (routes > 1 && !keyed) {
            throw new IllegalArgumentException("SKIPPED: " + this + " is not keyed; it runs only with routes=1, not " + routes);
        }
        if (states > 0 && !stateful) {
            throw new IllegalArgumentException("SKIPPED: " + this + " has no connection state; it runs only with states=0, not " + states);
        }
    }
}

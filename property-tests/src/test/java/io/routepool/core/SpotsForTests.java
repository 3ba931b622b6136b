package io.routepool.core;

/** Reaches the package-private builder option that sets the number of spots per route (1: every thread shares one). */
public final class SpotsForTests {

    /** The default number of spots per route. */
    public static final int SPOTS = RouteSegment.SPOTS;

    private SpotsForTests() {
    }

    public static <R, C> PoolBuilder<R, C> spots(PoolBuilder<R, C> b, int n) {
        return b.spots(n);
    }
}

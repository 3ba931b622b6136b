package io.routepool.benchmarks;

import io.routepool.benchmarks.pools.Competitor;
import io.routepool.benchmarks.pools.Pool;
import org.apache.http.HttpHost;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/** What the pool benchmarks share: routes, states, capacities, the per-thread cursor. */
public final class Fixtures {

    private Fixtures() {
    }

    /** The number of distinct states of the state variants: thread {@code i} uses state {@code i % 8}. */
    public static final int STATE_COUNT = 8;

    private static final Object[] STATES = new Object[STATE_COUNT];

    static {
        for (int i = 0; i < STATE_COUNT; i++) {
            STATES[i] = "user-" + i;
        }
    }

    /** Route limits: ample never makes anyone wait; scarce is HttpClient 4.5's default of 2 per route. */
    public enum Capacity {
        AMPLE(64),
        SCARCE(2);

        public final int perRoute;

        Capacity(int perRoute) {
            this.perRoute = perRoute;
        }
    }

    /** {@code n} distinct routes {@code host<i>:80}; HttpHost recomputes its hash on each call, as in HttpClient. */
    public static HttpHost[] hosts(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("routes must be >= 1: " + n);
        }
        HttpHost[] hosts = new HttpHost[n];
        for (int i = 0; i < n; i++) {
            hosts[i] = new HttpHost("host" + i, 80);
        }
        return hosts;
    }

    /**
     * Owns one competitor for a trial: created in setup, checked (nothing leased) and closed in
     * teardown, with a line in the JMH log saying how many connections it created and closed.
     */
    public abstract static class PoolFixture {
        public Competitor competitor;
        public HttpHost[] hosts;
        private Pool current;

        protected final void start(Pool pool, int routes, int states, int maxPerRoute, int maxTotal) {
            pool.check(routes, states);
            current = pool;
            hosts = hosts(routes);
            competitor = Competitor.create(pool, maxPerRoute, maxTotal);
        }

        /** As {@link #start(Pool, int, int, int, int)}, with a competitor the subclass configured itself (no state). */
        protected final void start(Pool pool, int routes, Competitor configured) {
            pool.check(routes, 0);
            current = pool;
            hosts = hosts(routes);
            competitor = configured;
        }

        /** Every subclass's trial ends here: the summary line, the leak check, then close. */
        @org.openjdk.jmh.annotations.TearDown(org.openjdk.jmh.annotations.Level.Trial)
        public final void stop() {
            if (competitor == null) {
                return;
            }
            try {
                System.out.println();
                System.out.println(competitor.summary(current));
                competitor.checkNothingLeased(current);
            } finally {
                competitor.close();
                competitor = null;
            }
        }
    }

    /**
     * Per thread: the next route and the thread's fixed state ({@code threadIndex % 8}).
     *
     * <p>Each lease picks a route uniformly at random, as the performance notes' {@code KeyedPoolBench}
     * does, from a per-thread xorshift generator (no shared state, about a nanosecond; skipped with one
     * route). An earlier version cycled through the routes from offset {@code threadIndex}: that kept the
     * threads on adjacent routes in lock step on every operation, which measures false sharing between
     * adjacent routes' objects rather than a keyed workload (routepool, 20 routes, 2 threads: 7.4 ops/µs
     * with the cursor; with two threads pinned to routes 0 and 1 it does not scale at all, on routes 0
     * and 10 it doubles; see DESIGN.md, Performance).
     */
    @State(Scope.Thread)
    public static class ThreadCursor {
        private long seed;
        public Object state;

        @Setup(Level.Trial)
        public void setUp(ThreadParams threads) {
            seed = 0x9E3779B97F4A7C15L * (threads.getThreadIndex() + 1);
            state = STATES[threads.getThreadIndex() % STATE_COUNT];
        }

        public HttpHost route(HttpHost[] hosts) {
            int n = hosts.length;
            if (n == 1) {
                return hosts[0];
            }
            long x = seed;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            seed = x;
            return hosts[(int) (((x >>> 32) * n) >>> 32)];
        }
    }
}

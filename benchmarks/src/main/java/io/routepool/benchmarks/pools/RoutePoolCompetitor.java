package io.routepool.benchmarks.pools;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolBuilder;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolLogger;
import java.time.Duration;
import org.apache.http.HttpHost;

/**
 * routepool's {@link KeyedPool}: {@code lease(route, state, 10 s)}, {@code setState}, {@code release(entry, true)}.
 * Public only for the routepool-only benchmarks, which configure the pool ({@link #create(int, int, Duration)})
 * and reach its own API ({@link #keyedPool()}).
 */
public final class RoutePoolCompetitor extends Competitor {

    private final KeyedPool<HttpHost, StubConnection> pool;

    /**
     * The stateful benchmarks mix states on purpose, so the pool's state-mismatch report is part of the workload, not
     * news: the pool's reports are not written (their cost is not the pool's either); its other records are.
     */
    private static final PoolLogger WITHOUT_REPORTS = new PoolLogger() {
        private final PoolLogger jul = PoolLogger.javaUtilLogging();

        @Override
        public boolean isEnabled(String name, Level level) {
            return !PoolLogger.DIAGNOSTICS.equals(name) && jul.isEnabled(name, level);
        }

        @Override
        public void log(String name, Level level, String message, Throwable thrown) {
            if (isEnabled(name, level)) {
                jul.log(name, level, message, thrown);
            }
        }
    };

    /**
     * System property: {@code false} builds the pool with {@code learnIdleClose(false)}, the one pool option that is on
     * by default, so that a run measures the pool with every option off ({@code -jvmArgsAppend
     * -Droutepool.bench.learnIdleClose=false}). Default {@code true}: pool-core's defaults.
     */
    public static final String LEARN_IDLE_CLOSE = "routepool.bench.learnIdleClose";

    RoutePoolCompetitor(int maxPerRoute, int maxTotal) {
        this(maxPerRoute, maxTotal, null);
    }

    private RoutePoolCompetitor(int maxPerRoute, int maxTotal, Duration maintenanceInterval) {
        PoolBuilder<HttpHost, StubConnection> builder = KeyedPool.builder(new ConnectionFactory<HttpHost, StubConnection>() {
                    @Override
                    public StubConnection create(HttpHost route) {
                        created.incrementAndGet();
                        return new StubConnection(route);
                    }

                    @Override
                    public void close(StubConnection connection, CloseMode mode) {
                        closed.incrementAndGet();
                    }
                })
                .maxTotal(maxTotal)
                .defaultMaxPerRoute(maxPerRoute)
                .logger(WITHOUT_REPORTS);
        if (maintenanceInterval != null) {
            builder.maintenanceInterval(maintenanceInterval);
        }
        if (!Boolean.parseBoolean(System.getProperty(LEARN_IDLE_CLOSE, "true"))) {
            builder.learnIdleClose(false); // every issue-14 feature off: the others are off by default
        }
        pool = builder.build();
    }

    /**
     * As {@link Competitor#create} for {@link Pool#ROUTEPOOL}, with {@code PoolBuilder.maintenanceInterval}
     * set ({@code Duration.ZERO}: no background maintenance; {@link Competitor#create} keeps the default, 1 s).
     */
    public static RoutePoolCompetitor create(int maxPerRoute, int maxTotal, Duration maintenanceInterval) {
        return new RoutePoolCompetitor(maxPerRoute, maxTotal, java.util.Objects.requireNonNull(maintenanceInterval));
    }

    /** The pool itself, for what the shared {@link Competitor} API has no word for (counters, closeIdle, routes). */
    public KeyedPool<HttpHost, ?> keyedPool() {
        return pool;
    }

    @Override
    public Object lease(HttpHost route, Object state) throws Exception {
        return pool.lease(route, state, TIMEOUT_SECONDS, TIMEOUT_UNIT);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void release(Object handle, Object state) {
        PoolEntry<HttpHost, StubConnection> entry = (PoolEntry<HttpHost, StubConnection>) handle;
        entry.setState(state);
        pool.release(entry, true);
    }

    @Override
    public int leased() {
        return pool.getTotalStats().leased();
    }

    @Override
    public void close() {
        pool.close();
    }
}

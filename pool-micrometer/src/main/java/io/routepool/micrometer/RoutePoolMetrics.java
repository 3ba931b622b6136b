package io.routepool.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolLogger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Micrometer meters for one routepool pool: connections leased and idle, requests pending and the limits, in total
 * and per route (the busiest {@code maxRoutes} route names, the rest summed under one tag value), the pool's life
 * counts (created, closed, reused, waited, timed out, leaks, ...) and, with a {@link MetricsPoolListener}, a
 * lease-wait timer; every meter tagged {@code pool=<name>}. A {@link MeterBinder} (Spring Boot binds a
 * {@code MeterBinder} bean to its registries) and {@link AutoCloseable}: {@link #close()} removes the meters from
 * every registry it was bound to and stops the refresh.
 *
 * <p>Built for pool-core's {@link KeyedPool} by {@link #builder(KeyedPool)}, and for the HttpClient managers by
 * {@link RoutePoolConnectionManagerMetrics} (4.5), {@link RoutePoolHttpClientConnectionManagerMetrics} (5, classic)
 * and {@link RoutePoolAsyncClientConnectionManagerMetrics} (5, async), one small class each, so that an application
 * needs only its own HttpClient on the class path. The meters are listed in the module's README.
 *
 * <p><b>What it costs the pool.</b> Nothing on the hit path: the gauges and counters are read when a registry
 * reads them (a scrape, a push), on that thread, through the pool's public stats methods; the lease-wait timer is
 * fed by the pool's listener, which the pool calls only for leases that waited. A reading is shared by every meter
 * for {@code maxSampleAge} (default 1 s), so one scrape reads the pool once: one pass over its routes for the counts
 * (the totals are the sums of the routes' counts of the same reading) and one for the life counts; each pass takes
 * each route's lock once, briefly, one route at a time (while it holds it, that route's leases and releases take
 * the locked path instead of the lock-free one).
 *
 * <p><b>Per-route meters.</b> Which route names have meters of their own is decided by a refresh, at bind time and
 * then every {@code refreshInterval} (default 10 s) on a shared daemon thread, {@code routepool-metrics} (or the
 * executor given): the {@code maxRoutes} (default 20) names with the largest footprint (connections leased and idle
 * plus requests waiting), a name already shown winning a tie. The other routes are summed under
 * {@code route=other}, a row that appears once routes first overflow the cap and then stays. Routes that come and go
 * never grow the registry: a name that leaves the top loses its meters at the next refresh. The values of the rows
 * shown are read live, as the totals are; only the choice of rows waits for the refresh. Routes with the same name
 * (the default names of HttpClient's routes drop the proxy) are summed.
 *
 * <p><b>Lifetime.</b> The pool is held weakly: a pool dropped without being closed is not kept alive by its meters,
 * which then read NaN (counters keep their last counts) until the next refresh removes them. The refresh also
 * removes the meters of a pool it finds closed (pool-core's and HttpClient 5's pools say so; HttpClient 4.5's manager
 * does not, so close its binder with it). Close the binder when the pool goes: a new pool bound under the same name
 * while the old meters are still registered would find them already there (Micrometer returns the existing meter).
 *
 * <p>Nothing is thrown into a scrape: a pool or namer that throws is reported once at WARNING (then at DEBUG)
 * through the binder's {@link PoolLogger}, logger {@code io.routepool.micrometer.RoutePoolMetrics}, and the meters
 * keep their last values.
 *
 * <p>Thread-safe. Binding, refreshing and closing are serialized by this object's monitor.
 */
public final class RoutePoolMetrics implements MeterBinder, AutoCloseable {

    /*
     * Why the route set is refreshed on a schedule, not at scrape time. A scrape reads meters; choosing the routes
     * shown means registering and removing meters, which, done from inside a meter's value function, would change
     * the registry while the registry iterates it (registries differ in what they tolerate, and none documents it as
     * safe). So values are read lazily, at scrape time, from a shared Sample; the set of rows changes only in
     * refresh(), which runs on its own thread (or the caller's) under this object's lock, and never inside a scrape.
     *
     * Why rows are kept by name with overwrite=false: a row that stays in the top keeps its gauge (a step registry
     * keeps its state, a scrape never sees it missing); only names that leave lose theirs. Its value function looks
     * the name up in the latest Sample, so it needs no re-registration when the counts change.
     *
     * Lock order: this, then the Sampler, then the pool's route locks (inside its stats methods); the registry is
     * called only under this. Value functions take only the Sampler's lock, so a scrape never waits for this one,
     * and the pool never calls back into either (its listener, MetricsPoolListener, touches neither).
     */

    /** The default cap on route names with meters of their own. */
    public static final int DEFAULT_MAX_ROUTES = 20;
    /** The default interval between refreshes of the route set. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(10);
    /** The default time one reading of the pool is shared by the meters. */
    public static final Duration DEFAULT_MAX_SAMPLE_AGE = Duration.ofSeconds(1);
    /** The default {@code route} tag value of the routes summed together. */
    public static final String DEFAULT_OTHER_ROUTES = "other";

    private final String poolName;
    /** The tags of every meter: the builder's, then {@code pool}. */
    private final Tags tags;
    private final Sampler<?> sampler;
    private final int maxRoutes;
    private final String otherRoutes;
    private final long refreshNanos;
    /** The executor of the refresh, or null for the shared thread. */
    private final ScheduledExecutorService refreshExecutor;
    /** The listener feeding the lease-wait timer, or null: no timer. */
    private final MetricsPoolListener<?> leaseWaits;

    /** Guarded by this: one per registry bound, at most one per registry. */
    private final List<Binding> bindings = new ArrayList<>();
    /** Guarded by this: the route names shown on their own, as the last refresh chose them. Never null. */
    private Set<String> shown = Collections.emptySet();
    /** Guarded by this: whether the {@code route=other} row exists (from the first overflow of the cap on). */
    private boolean otherShown;
    /** Guarded by this: the scheduled refresh, from the first bind until close; null when there is none. */
    private ScheduledFuture<?> refreshTask;
    /** Guarded by this: set once by {@link #close()} (or a refresh that found the pool gone or closed). */
    private boolean closed;

    private RoutePoolMetrics(Builder<?> b, Sampler<?> sampler) {
        this.poolName = b.poolName;
        this.tags = b.tags.and(Binding.POOL_TAG, b.poolName);
        this.sampler = sampler;
        this.maxRoutes = b.maxRoutes;
        this.otherRoutes = b.otherRoutes;
        this.refreshNanos = b.refreshInterval.toNanos();
        this.refreshExecutor = b.refreshExecutor;
        this.leaseWaits = b.leaseWaits;
    }

    /** A builder for the meters of pool-core's {@code pool}; routes are named by {@code String.valueOf}. */
    public static <R> Builder<R> builder(KeyedPool<R, ?> pool) {
        Objects.requireNonNull(pool, "pool");
        return new Builder<R>(PoolSource.of(pool, KeyedPoolReading<R>::new, pool.name()), String::valueOf);
    }

    /** The meters of pool-core's {@code pool} with every default (no lease-wait timer: that needs a listener). */
    public static RoutePoolMetrics of(KeyedPool<?, ?> pool) {
        return builder(pool).build();
    }

    /**
     * Registers this pool's meters in {@code registry} (again for each registry: one binder can feed several; binding
     * the same registry twice does nothing). The first bind chooses the routes shown and starts the refresh.
     *
     * @throws IllegalStateException if the binder was closed
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("routepool metrics of pool '" + poolName + "' were closed");
        }
        for (Binding b : bindings) {
            if (b.registry == registry) {
                return;
            }
        }
        chooseRoutes(sampler.fresh());
        Binding binding = Binding.bind(registry, tags, sampler, maxRoutes > 0, leaseWaits);
        binding.showRoutes(shown, otherShown, otherRoutes);
        bindings.add(binding);
        if (refreshTask == null && refreshNanos > 0) {
            ScheduledExecutorService on = refreshExecutor != null ? refreshExecutor : RefreshThread.EXECUTOR;
            refreshTask = on.scheduleWithFixedDelay(this::refreshQuietly, refreshNanos, refreshNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Chooses the routes shown now, as the scheduled refresh does (for a binder built with
     * {@code refreshInterval(Duration.ZERO)}, the only way the route set changes after the bind); removes every meter
     * if the pool is gone or closed. Does nothing once closed.
     */
    public synchronized void refresh() {
        if (closed) {
            return;
        }
        Sample s = sampler.fresh();
        if (!s.present || s.closed) {
            close();
            return;
        }
        chooseRoutes(s);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException | LinkageError ex) { // the next run tries again: a periodic task that throws is dropped
            sampler.reporter.report("refreshing the route meters failed", ex);
        }
    }

    /** Guarded by this. */
    private void chooseRoutes(Sample s) {
        if (maxRoutes == 0 || !s.present) {
            return;
        }
        Set<String> top = RouteRanking.top(s.byName, shown, maxRoutes);
        boolean other = otherShown || s.byName.size() > top.size() || s.unnamed > 0;
        if (top.equals(shown) && other == otherShown) {
            return;
        }
        shown = top;
        otherShown = other;
        sampler.show(top);
        for (Binding b : bindings) {
            b.showRoutes(top, other, otherRoutes);
        }
    }

    /** The route names shown on their own now, busiest first (as of the last refresh). */
    public synchronized Set<String> shownRoutes() {
        return shown;
    }

    /** The {@code pool} tag of the meters. */
    public String poolName() {
        return poolName;
    }

    /**
     * Stops the refresh, stops recording lease waits, and removes every meter of this binder from every registry
     * it was bound to. Idempotent; a closed binder cannot be bound again.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (refreshTask != null) {
            refreshTask.cancel(false);
            refreshTask = null;
        }
        for (Binding b : bindings) {
            b.unbind();
        }
        bindings.clear();
    }

    @Override
    public String toString() {
        return "RoutePoolMetrics[pool=" + poolName + ", maxRoutes=" + maxRoutes + "]";
    }

    /**
     * Options of a {@link RoutePoolMetrics}; get one from {@link RoutePoolMetrics#builder(KeyedPool)} or from an
     * HttpClient entry class. Not thread-safe; {@link #build()} may be called more than once.
     *
     * @param <R> route
     */
    public static final class Builder<R> {

        private final PoolSource<R> source;
        private String poolName;
        private Tags tags = Tags.empty();
        private Function<? super R, String> routeNamer;
        private int maxRoutes = DEFAULT_MAX_ROUTES;
        private String otherRoutes = DEFAULT_OTHER_ROUTES;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private ScheduledExecutorService refreshExecutor;
        private Duration maxSampleAge = DEFAULT_MAX_SAMPLE_AGE;
        private MetricsPoolListener<?> leaseWaits;
        private PoolLogger logger = PoolLogger.javaUtilLogging();
        /** The clock of {@code maxSampleAge}: {@code System.nanoTime}, or a test's. */
        LongSupplier clock = System::nanoTime;

        Builder(PoolSource<R> source, Function<? super R, String> defaultNamer) {
            this.source = source;
            this.poolName = source.name;
            this.routeNamer = defaultNamer;
        }

        /** The {@code pool} tag; default the pool's own name ({@code routepool-N} unless it was given one). */
        public Builder<R> poolName(String name) {
            Objects.requireNonNull(name, "poolName");
            if (name.trim().isEmpty()) {
                throw new IllegalArgumentException("poolName must not be blank");
            }
            this.poolName = name;
            return this;
        }

        /** Tags added to every meter (the keys {@code pool}, {@code route}, {@code state} and {@code outcome} are the binder's). */
        public Builder<R> tags(Iterable<Tag> tags) {
            this.tags = this.tags.and(Objects.requireNonNull(tags, "tags"));
            return this;
        }

        /** Tags added to every meter, as key-value pairs. */
        public Builder<R> tags(String... keyValues) {
            this.tags = this.tags.and(Tags.of(Objects.requireNonNull(keyValues, "tags")));
            return this;
        }

        /**
         * The {@code route} tag of a route. Called once per route while the pool has it, on the thread that reads the
         * meters; a namer that throws or returns null or {@code ""} puts the route under the "other" value. Routes
         * given the same name are summed.
         */
        public Builder<R> routeNamer(Function<? super R, String> namer) {
            this.routeNamer = Objects.requireNonNull(namer, "routeNamer");
            return this;
        }

        /** The most route names with meters of their own (default 20); the rest are summed. 0: no per-route meters. */
        public Builder<R> maxRoutes(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxRoutes must be >= 0 (0: no per-route meters), was " + max);
            }
            this.maxRoutes = max;
            return this;
        }

        /** The {@code route} tag value of the routes summed together (default {@code other}). */
        public Builder<R> otherRoutes(String tagValue) {
            Objects.requireNonNull(tagValue, "otherRoutes");
            if (tagValue.isEmpty()) {
                throw new IllegalArgumentException("otherRoutes must not be empty");
            }
            this.otherRoutes = tagValue;
            return this;
        }

        /**
         * How often the routes shown on their own are chosen again (default 10 s). Zero: only at bind time and on
         * {@link RoutePoolMetrics#refresh()}.
         */
        public Builder<R> refreshInterval(Duration interval) {
            Objects.requireNonNull(interval, "refreshInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("refreshInterval must be >= 0 (0: no scheduled refresh), was " + interval);
            }
            this.refreshInterval = interval;
            return this;
        }

        /**
         * Runs the refresh on {@code executor} instead of the shared daemon thread {@code routepool-metrics}; the
         * binder cancels its task when closed and never shuts the executor down.
         */
        public Builder<R> refreshExecutor(ScheduledExecutorService executor) {
            this.refreshExecutor = Objects.requireNonNull(executor, "refreshExecutor");
            return this;
        }

        /**
         * How long one reading of the pool is shared by the meters (default 1 s): long enough that the meters of one
         * scrape share a reading, short enough that a scrape sees the pool as it is. Zero: every meter reads the pool.
         */
        public Builder<R> maxSampleAge(Duration age) {
            Objects.requireNonNull(age, "maxSampleAge");
            if (age.isNegative()) {
                throw new IllegalArgumentException("maxSampleAge must be >= 0, was " + age);
            }
            this.maxSampleAge = age;
            return this;
        }

        /**
         * Registers the lease-wait timer {@code routepool.leases.wait}, fed by {@code listener}, which must be the
         * listener the pool was built with (a pool's listener is fixed when it is built). Without it there is no
         * timer; the counter {@code routepool.leases.waited} is there either way.
         */
        public Builder<R> leaseWaits(MetricsPoolListener<R> listener) {
            this.leaseWaits = Objects.requireNonNull(listener, "leaseWaits");
            return this;
        }

        /** Where failures to read the pool are reported (default java.util.logging). */
        public Builder<R> logger(PoolLogger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /** The binder; no meter exists until {@link RoutePoolMetrics#bindTo}. */
        public RoutePoolMetrics build() {
            Sampler<R> sampler = new Sampler<>(source, routeNamer, otherRoutes, maxRoutes > 0, maxSampleAge.toNanos(),
                    clock, new Reporter(logger, poolName));
            return new RoutePoolMetrics(this, sampler);
        }
    }
}

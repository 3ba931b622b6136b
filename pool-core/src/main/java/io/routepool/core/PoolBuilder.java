package io.routepool.core;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Configures a {@link KeyedPool}. Limits and reuse default to HttpCore's {@code BasicConnPool}:
 * maxTotal 20, maxPerRoute 2, no time to live, no validation. Diagnostics and background maintenance
 * are on by default (see each option; README "Diagnostics" explains what each report means).
 */
public final class PoolBuilder<R, C> {

    final ConnectionFactory<R, C> factory;
    int maxTotal = 20;
    int defaultMaxPerRoute = 2;
    long timeToLiveNanos = 0;
    double timeToLiveJitter = 0;
    long validateAfterInactivityNanos = 0;
    ConnectionValidator<? super C> validator = ConnectionValidator.alwaysValid();
    TimeSource timeSource = TimeSource.system();
    Executor asyncExecutor = ForkJoinPool.commonPool();
    ReuseOrder reuseOrder = ReuseOrder.LIFO;
    /** Spots per route for the lock-free path (a power of two); tests set 1 so that every thread shares one. */
    int spots = RouteSegment.SPOTS;

    static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_LEAK_THRESHOLD = Duration.ofMinutes(5);
    static final Duration DEFAULT_STUCK_WAITER_THRESHOLD = Duration.ofSeconds(30);
    /** HttpClient 5's default connection request timeout. */
    static final Duration DEFAULT_MAX_LEASE_WAIT = Duration.ofMinutes(3);
    /** Numbers the default pool names, as HikariCP's {@code HikariPool-N}. */
    private static final java.util.concurrent.atomic.AtomicInteger POOLS = new java.util.concurrent.atomic.AtomicInteger();

    long maintenanceIntervalNanos = DEFAULT_MAINTENANCE_INTERVAL.toNanos();
    ScheduledExecutorService maintenanceExecutor;
    long maxIdleNanos = 0;
    ConnectionValidator<? super C> idleProbe;
    long leakThresholdNanos = DEFAULT_LEAK_THRESHOLD.toNanos();
    boolean captureLeaseStacks;
    long reclaimAfterNanos = 0;
    long stuckWaiterNanos = DEFAULT_STUCK_WAITER_THRESHOLD.toNanos();
    boolean failOnSelfDeadlock;
    PoolListener<R> listener = PoolListener.none();
    PoolLogger logger = PoolLogger.javaUtilLogging();
    final Map<Diagnostic.Kind, String> remedies = new EnumMap<>(Diagnostic.Kind.class);
    final Map<RemedyHint, String> remedyHints = new EnumMap<>(RemedyHint.class);
    long maxLeaseWaitNanos = DEFAULT_MAX_LEASE_WAIT.toNanos();
    int maxUsesPerConnection = 0;
    boolean learnIdleClose = true;
    int maxPendingPerRoute = 0;
    int maxPending = 0;
    int minIdlePerRoute = 0;
    /** Routes warmed from the first maintenance pass, before any lease (minIdlePerRoute); in the order given. */
    final java.util.Set<R> warmRoutes = new java.util.LinkedHashSet<>();
    /** Null: routepool's shared warming threads (Warming.SHARED). */
    Executor warmingExecutor;
    /** Null until build() when not set: then the next {@code routepool-N}. */
    String poolName;

    PoolBuilder(ConnectionFactory<R, C> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    public PoolBuilder<R, C> maxTotal(int max) {
        this.maxTotal = Arithmetic.positive(max, "maxTotal");
        return this;
    }

    public PoolBuilder<R, C> defaultMaxPerRoute(int max) {
        this.defaultMaxPerRoute = Arithmetic.positive(max, "defaultMaxPerRoute");
        return this;
    }

    /** Connections older than this are closed instead of reused; zero or negative means no limit. */
    public PoolBuilder<R, C> timeToLive(Duration ttl) {
        this.timeToLiveNanos = Arithmetic.saturatedNanos(Objects.requireNonNull(ttl, "timeToLive"));
        return this;
    }

    /**
     * Shortens each connection's {@link #timeToLive} by a random part of it, up to this fraction (0.1: each lives
     * between 90 % and 100 % of the time to live, drawn when it is made), so that connections made together do not
     * all expire together (Reactor Netty's {@code maxLifeTimeVariance}; HikariCP shortens its maxLifetime by up to
     * 2.5 %). At least 0 and below 1; default 0: every connection lives the whole time to live. No effect without one.
     */
    public PoolBuilder<R, C> timeToLiveJitter(double fraction) {
        if (!(fraction >= 0 && fraction < 1)) { // also refuses NaN
            throw new IllegalArgumentException("timeToLiveJitter must be at least 0 and below 1 (a fraction of the time to live), was "
                    + fraction);
        }
        this.timeToLiveJitter = fraction;
        return this;
    }

    /** Idle connections idle longer than this are validated before reuse; zero or negative disables. */
    public PoolBuilder<R, C> validateAfterInactivity(Duration inactivity) {
        this.validateAfterInactivityNanos =
                Arithmetic.saturatedNanos(Objects.requireNonNull(inactivity, "validateAfterInactivity"));
        return this;
    }

    public PoolBuilder<R, C> validator(ConnectionValidator<? super C> validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
        return this;
    }

    public PoolBuilder<R, C> timeSource(TimeSource timeSource) {
        this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
        return this;
    }

    /** Runs the I/O of {@link KeyedPool#leaseAsync} leases (create, close, validate). Default: the common pool. */
    public PoolBuilder<R, C> asyncExecutor(Executor executor) {
        this.asyncExecutor = Objects.requireNonNull(executor, "asyncExecutor");
        return this;
    }

    /** Package-private, for tests: the number of spots per route (a power of two, 1 to 32: one bit each in a mask). */
    PoolBuilder<R, C> spots(int n) {
        if (n < 1 || n > 32 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("spots must be a power of two from 1 to 32, was " + n);
        }
        this.spots = n;
        return this;
    }

    /** Which idle connection a lease takes: the most recently released (LIFO, the default) or the least. */
    public PoolBuilder<R, C> reuseOrder(ReuseOrder order) {
        this.reuseOrder = Objects.requireNonNull(order, "reuseOrder");
        return this;
    }

    /**
     * How often background maintenance runs (default 1 s): it closes expired connections, connections
     * idle longer than {@link #maxIdleTime}, idle connections that fail the {@link #idleProbe} or that
     * the factory reports closed; it reports leaks and stuck waiters and reclaims abandoned leases; and it
     * keeps the coarse clock that lease times are read from. Zero turns the background task off
     * ({@link KeyedPool#maintain()} still runs a pass on demand). The pool's task stops when the pool is
     * closed or becomes unreachable; the shared thread ends a minute after the last task is gone.
     */
    public PoolBuilder<R, C> maintenanceInterval(Duration interval) {
        this.maintenanceIntervalNanos = Arithmetic.nonNegativeOption(interval, "maintenanceInterval", "no background maintenance");
        return this;
    }

    /**
     * Runs maintenance on {@code executor} instead of the shared daemon thread {@code routepool-maintenance}
     * (one for all pools). The pool cancels its task when closed; it never shuts the executor down.
     */
    public PoolBuilder<R, C> maintenanceExecutor(ScheduledExecutorService executor) {
        this.maintenanceExecutor = Objects.requireNonNull(executor, "maintenanceExecutor");
        return this;
    }

    /** Maintenance closes connections idle longer than this; zero or negative (the default): no limit. */
    public PoolBuilder<R, C> maxIdleTime(Duration maxIdle) {
        this.maxIdleNanos = Math.max(0, Arithmetic.saturatedNanos(Objects.requireNonNull(maxIdle, "maxIdleTime")));
        return this;
    }

    /**
     * A check maintenance runs, every pass, on each connection that has been idle for at least 250 ms (or one
     * maintenance interval, if shorter), to find connections whose peer has closed them (half-closed, CLOSE_WAIT) without waiting
     * for a lease. The connection is taken out of the idle list while it is checked, outside any lock, so
     * the check may read from it; {@code false} or an exception closes it. Default: none (only
     * {@link ConnectionFactory#isOpen} is asked). HttpClient's adapter sets a non-blocking read.
     */
    public PoolBuilder<R, C> idleProbe(ConnectionValidator<? super C> probe) {
        this.idleProbe = Objects.requireNonNull(probe, "idleProbe");
        return this;
    }

    /**
     * A lease held longer than this is reported once as a suspected leak (WARNING log, listener, JFR event
     * {@code io.routepool.LeakSuspected}) with its route, age and borrower thread. Default 5 minutes;
     * zero turns leak detection off. Checked by maintenance, so reported within one interval.
     */
    public PoolBuilder<R, C> leakThreshold(Duration threshold) {
        this.leakThresholdNanos = Math.max(0, Arithmetic.saturatedNanos(Objects.requireNonNull(threshold, "leakThreshold")));
        return this;
    }

    /**
     * Records the stack trace of every lease, so that leak and self-deadlock reports show where the
     * connection was leased (as HikariCP's {@code leakDetectionThreshold}). Costs a stack walk per lease;
     * default off.
     */
    public PoolBuilder<R, C> captureLeaseStacks(boolean capture) {
        this.captureLeaseStacks = capture;
        return this;
    }

    /**
     * A lease held longer than this is taken back: its connection is closed at once (its holder's I/O
     * fails) and its capacity freed; a later release by the old holder is ignored with a warning. Zero (the
     * default) never reclaims. Must not be shorter than the leak threshold (build() refuses it): a lease is
     * reported as a suspected leak first.
     */
    public PoolBuilder<R, C> reclaimAbandonedAfter(Duration after) {
        this.reclaimAfterNanos = Math.max(0, Arithmetic.saturatedNanos(Objects.requireNonNull(after, "reclaimAbandonedAfter")));
        return this;
    }

    /**
     * A lease that has waited longer than this is reported once with its route's leases, their ages and
     * their holders. Default 30 s; zero turns it off.
     */
    public PoolBuilder<R, C> stuckWaiterThreshold(Duration threshold) {
        this.stuckWaiterNanos = Math.max(0, Arithmetic.saturatedNanos(Objects.requireNonNull(threshold, "stuckWaiterThreshold")));
        return this;
    }

    /**
     * When a thread would wait for connections that are all leased by itself, throw
     * {@link SelfDeadlockException} at once instead of logging a warning and waiting. Default off (another
     * thread might release them on the borrower's behalf).
     */
    public PoolBuilder<R, C> failOnSelfDeadlock(boolean fail) {
        this.failOnSelfDeadlock = fail;
        return this;
    }

    /** Receives diagnostics and connection events; default: none (a no-op). */
    public PoolBuilder<R, C> listener(PoolListener<R> listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Where the pool logs (its reports, and connections whose close or checks threw); default
     * {@link PoolLogger#javaUtilLogging()}. HttpClient's adapter passes one that writes to commons-logging.
     */
    public PoolBuilder<R, C> logger(PoolLogger logger) {
        this.logger = Objects.requireNonNull(logger, "logger");
        return this;
    }

    /**
     * The advice that ends reports of {@code kind}, in the words of the layer above the pool (HttpClient's
     * adapter names {@code EntityUtils.consume} and the user token). Default: advice in pool terms.
     */
    public PoolBuilder<R, C> remedy(Diagnostic.Kind kind, String advice) {
        remedies.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(advice, "advice"));
        return this;
    }

    /**
     * A reword of a {@link RemedyHint}, the advice a report adds only when the configuration calls for it (for
     * instance how to turn on lease stacks, in the terms of the layer above the pool).
     */
    public PoolBuilder<R, C> remedyHint(RemedyHint hint, String advice) {
        remedyHints.put(Objects.requireNonNull(hint, "hint"), Objects.requireNonNull(advice, "advice"));
        return this;
    }

    /**
     * The name every report and timeout message starts with, so that a service with several pools knows which
     * one speaks (as HikariCP's {@code poolName}). Default {@code routepool-N}, N counting the pools built in
     * this JVM. One line of text, not blank.
     */
    public PoolBuilder<R, C> poolName(String name) {
        Objects.requireNonNull(name, "poolName");
        if (name.trim().isEmpty() || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("poolName must be one line of text, not blank, was \"" + name + "\"");
        }
        this.poolName = name;
        return this;
    }

    /**
     * The longest a lease waits when its caller asks to wait forever (a timeout of {@code Long.MAX_VALUE}, in any
     * unit; HttpClient's adapters pass that for a connection request timeout of 0). Default 3 minutes, HttpClient
     * 5's default connection request timeout, so that a pool that never gives a connection back fails its callers
     * instead of parking them for good; the timeout's message says that this cap applied. Zero waits forever. A
     * finite timeout the caller gives is never changed, however long.
     */
    public PoolBuilder<R, C> maxLeaseWait(Duration maxWait) {
        this.maxLeaseWaitNanos = Arithmetic.nonNegativeOption(maxWait, "maxLeaseWait", "wait forever");
        return this;
    }

    /**
     * A connection that has served this many leases is closed when its last one is released, instead of being kept
     * for reuse (Jetty's {@code maxUsage}): so that no connection lives on one server for ever, however busy. Every
     * lease counts, whether the connection was new or reused. Default 0: no limit.
     */
    public PoolBuilder<R, C> maxUsesPerConnection(int maxUses) {
        this.maxUsesPerConnection = Arithmetic.nonNegativeLimit(maxUses, "maxUsesPerConnection");
        return this;
    }

    /**
     * The most leases that may wait on one route at a time; a lease that would wait beyond it fails at once with a
     * {@link PendingLimitException} naming the cap and the counts, so that a slow backend cannot pile up every request
     * thread (Jetty's {@code maxRequestsQueuedPerDestination}). Leases that do not wait (an idle connection, room to
     * create one) are never refused. Default 0: no limit.
     */
    public PoolBuilder<R, C> maxPendingPerRoute(int max) {
        this.maxPendingPerRoute = Arithmetic.nonNegativeLimit(max, "maxPendingPerRoute");
        return this;
    }

    /**
     * As {@link #maxPendingPerRoute}, for the whole pool: the most leases that may wait at a time on all routes
     * (Reactor Netty's {@code pendingAcquireMaxCount}). Default 0: no limit.
     */
    public PoolBuilder<R, C> maxPending(int max) {
        this.maxPending = Arithmetic.nonNegativeLimit(max, "maxPending");
        return this;
    }

    /**
     * Stale connections after a server's idle close (default on). Each route learns how long its server lets a
     * connection idle: the longest idle after which a reused connection then served its lease, and the shortest
     * after which one was found closed (by a lease's check, maintenance, or {@link KeyedPool#releaseStale}). A lease
     * then validates a connection that idled longer than any known to have survived, or one released before a stale
     * connection was last found on its route (they were usually closed together), whatever
     * {@code validateAfterInactivity} says, as long as validation is on (a validator and a positive
     * {@code validateAfterInactivity}); and idle connections expire a margin before the learned close (said once
     * in the log per route). Off: HttpCore's rules only.
     */
    public PoolBuilder<R, C> learnIdleClose(boolean learn) {
        this.learnIdleClose = learn;
        return this;
    }

    /**
     * Pre-warming (Jetty's {@code preCreateConnections}, HikariCP's {@code minimumIdle}; default 0: off). At each
     * maintenance pass, every route leased from in the last 10 minutes, and every route named by
     * {@link #warmRoutes}, that has fewer than {@code n} idle connections gets new ones, made by {@link ConnectionFactory#createIdle} on the
     * {@link #warmingExecutor}, off every request path: as many as the route's limit and the pool's free capacity
     * allow, and none while a lease waits on the route or on {@code maxTotal}. Warming never evicts. A warm connection
     * is an idle connection like any other: every expiry rule applies to it, and maintenance replaces it. A failed
     * attempt backs the route off (one maintenance interval, doubling up to a minute; a success resets it) and the
     * first failure of a run of them is logged once. Needs maintenance: with {@code maintenanceInterval(ZERO)},
     * only {@link KeyedPool#maintain()} warms.
     */
    public PoolBuilder<R, C> minIdlePerRoute(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("minIdlePerRoute must be 0 (off) or positive, was " + n);
        }
        this.minIdlePerRoute = n;
        return this;
    }

    /**
     * Routes to keep {@link #minIdlePerRoute} idle connections on from the first maintenance pass, before their first
     * lease; they are warmed (and kept in {@link KeyedPool#getRoutes()}) until the pool closes. Adds to those named
     * before.
     *
     * @throws IllegalArgumentException {@code routes} or one of them is {@code null}
     */
    public PoolBuilder<R, C> warmRoutes(java.util.Collection<? extends R> routes) {
        if (routes == null) {
            throw new IllegalArgumentException("warmRoutes must not be null");
        }
        for (R r : routes) {
            if (r == null) {
                throw new IllegalArgumentException("warmRoutes must not contain null: " + routes);
            }
        }
        warmRoutes.addAll(routes);
        return this;
    }

    /**
     * Where warm connections are made ({@link #minIdlePerRoute}): each route's task makes its missing connections one
     * after another, and a route has one task at a time. Default: routepool's shared daemon threads,
     * {@code routepool-warming} (at most four, ended after a minute without work).
     */
    public PoolBuilder<R, C> warmingExecutor(Executor executor) {
        this.warmingExecutor = Objects.requireNonNull(executor, "warmingExecutor");
        return this;
    }

    public KeyedPool<R, C> build() {
        if (!warmRoutes.isEmpty() && minIdlePerRoute == 0) {
            throw new IllegalArgumentException("warmRoutes " + warmRoutes + " given, but minIdlePerRoute is 0: "
                    + "set minIdlePerRoute to the number of idle connections to keep on them");
        }
        if (reclaimAfterNanos > 0 && leakThresholdNanos > 0 && reclaimAfterNanos < leakThresholdNanos) {
            throw new IllegalArgumentException("reclaimAbandonedAfter (" + Duration.ofNanos(reclaimAfterNanos)
                    + ") must not be shorter than leakThreshold (" + Duration.ofNanos(leakThresholdNanos)
                    + "): a lease is reported as a suspected leak before it is reclaimed");
        }
        if (poolName == null) {
            poolName = "routepool-" + POOLS.incrementAndGet();
        }
        return new RoutePool<>(this).startMaintenance();
    }
}

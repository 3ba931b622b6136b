package io.routepool.core;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Pre-warming ({@link PoolBuilder#minIdlePerRoute}): each maintenance pass, under a route's lock, decides whether the
 * route is short of idle connections and gives it a task ({@link #planLocked}); after the lock, the task runs on the
 * warming executor ({@link #start}) and makes the missing connections one after another, each placed as a release
 * would place it (a waiting lease first). No I/O under any lock, no request thread involved.
 *
 * <p>Capacity: before each connect, under the route's lock, the task takes one route unit and one pool unit
 * ({@link #reserveOne}), exactly as a creating lease does ({@link RouteSegment#takeUnitForCreate}, counted in
 * {@code leased} until placed), and only if the route still lacks an idle connection, no lease waits on the route or
 * on the pool, and both limits allow. So warming never exceeds {@code maxPerRoute} or {@code maxTotal}, never evicts,
 * and holds at most one unit per route at a time, only while it connects: a lease that comes meanwhile finds the rest.
 * Every reserved unit is either placed with a connection or freed through {@link HandOff#freeUnit} (which hands it to
 * a waiter if one came meanwhile): none is lost, whatever the factory does.
 *
 * <p>The executor must run every task it accepts: one it drops (a discarding policy) costs no capacity, but its route
 * is not warmed again for {@link #ABANDONED_TASK_NANOS}. A caller-runs or direct executor would make the connections
 * on the maintenance thread, delaying every route's maintenance by the connects.
 */
final class Warming<R, C> {

    /**
     * A used route that is not named stops being warmed when it has had no lease for this long (10 minutes): its warm
     * connections then end by their own rules and the route is purged, so routes used once are not kept connected
     * for ever. Routes named by {@code warmRoutes} are warmed for as long as the pool is open.
     */
    static final long USED_ROUTE_LAPSE_NANOS = TimeUnit.MINUTES.toNanos(10);
    /**
     * A task that has neither started a connect nor ended for this long (5 minutes) is taken for one the executor
     * accepted and dropped (a discarding policy, {@code shutdownNow}): the route is planned again. A task still running
     * is harmless beside a new one: each connect reserves its own unit and re-checks the limits.
     */
    static final long ABANDONED_TASK_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** The longest backoff of a route whose attempts fail. */
    static final long MAX_BACKOFF_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** The first backoff when the pool has no maintenance interval (warming by maintain() calls only). */
    private static final long DEFAULT_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** routepool's shared warming threads, started on first use. */
    private static final class Shared {

        static final ThreadPoolExecutor EXECUTOR = create();

        private static ThreadPoolExecutor create() {
            ThreadPoolExecutor e = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    DaemonThreads.named("routepool-warming"));
            e.allowCoreThreadTimeOut(true); // no thread stays when no pool warms
            return e;
        }
    }

    private final PoolParts<R, C> p;
    private final int minIdle;
    private final Executor executor;
    private final long firstBackoffNanos;

    Warming(PoolParts<R, C> parts) {
        this.p = parts;
        this.minIdle = parts.settings.minIdlePerRoute;
        Executor e = parts.settings.warmingExecutor;
        this.executor = e != null ? e : minIdle > 0 ? Shared.EXECUTOR : null;
        long interval = parts.settings.maintenanceIntervalNanos;
        this.firstBackoffNanos = interval > 0 ? interval : DEFAULT_BACKOFF_NANOS;
    }

    boolean enabled() {
        return minIdle > 0;
    }

    /** At the start of a pass: the named routes' segments exist (they are never purged, but a pool starts without). */
    void ensureNamed() {
        for (R route : p.segments.warmRoutes) {
            p.segments.getOrCreate(route);
        }
    }

    /**
     * Under {@code seg}'s lock, in a maintenance pass at {@code now}: whether the route lacks idle connections and
     * gets a task (the caller then calls {@link #start} after unlocking), returning how many connections the task may
     * make, or 0. Reserves nothing: the task takes one unit at a time, just before each connect ({@link #reserveOne}),
     * so that no unit is held while the task waits for a thread or makes an earlier connection.
     */
    int planLocked(RouteSegment<R, C> seg, long now) {
        assert seg.lock.isHeldByCurrentThread();
        WarmState w = seg.warm;
        if (minIdle == 0 || seg.isRetired() || p.pool.closed) {
            return 0;
        }
        if (w.inFlight) {
            if (now - w.progressAt < ABANDONED_TASK_NANOS) {
                return 0;
            }
            w.inFlight = false; // the executor accepted the task and never ran it (or lost it): not the route's fault
        }
        if (!w.named && !stillUsed(seg, w, now)) {
            return 0;
        }
        if (w.notBefore != Clocks.UNSET && now - w.notBefore < 0) {
            return 0; // backing off
        }
        int want = wanted(seg);
        if (want <= 0) {
            return 0;
        }
        w.inFlight = true;
        w.progressAt = now;
        return want;
    }

    /**
     * Whether a route that is not named is still warmed: it has been leased from (a lease's slow path set
     * {@code used}), and not gone {@link #USED_ROUTE_LAPSE_NANOS} without a lease since. Lock-free reuses are seen
     * through the route's reused count, which a pass reads under the lock (the hit path writes nothing for this).
     */
    private boolean stillUsed(RouteSegment<R, C> seg, WarmState w, long now) {
        assert seg.lock.isHeldByCurrentThread();
        if (!w.used) {
            return false;
        }
        long reused = seg.reused();
        if (reused != w.reusedSeen || w.lastLease == Clocks.UNSET) {
            w.reusedSeen = reused;
            w.lastLease = now;
        } else if (now - w.lastLease >= USED_ROUTE_LAPSE_NANOS) {
            w.used = false; // idle for long: its warm connections go by their own rules, then the route is purged
            return false;
        }
        return true;
    }

    /** Under the lock: connections to make now, or 0 (none while a lease waits: what capacity there is is theirs). */
    private int wanted(RouteSegment<R, C> seg) {
        assert seg.lock.isHeldByCurrentThread();
        if (seg.pending() > 0 || p.capacity.count() != 0) {
            return 0;
        }
        int max = seg.max(p.pool.defaultMaxPerRoute);
        return Math.min(minIdle - seg.available(), max - seg.allocated());
    }

    /** After the lock: runs the route's task on the warming executor (if it refuses, the route is planned again). */
    void start(RouteSegment<R, C> seg, int connections) {
        try {
            executor.execute(() -> warm(seg, connections));
        } catch (Throwable ex) { // RejectedExecutionException, a broken executor, or no thread to be had
            Errors.rethrowIfVmError(ex);
            p.diagnostics.log.debug(PoolLogger.POOL, "Warming executor refused the task of", seg.route,
                    "; tried again at the next maintenance pass", ex);
            done(seg, null, false, p.clocks.now());
        }
    }

    /**
     * Under the route's lock, before each connect: takes one route unit and one pool unit for it (counted in
     * {@code leased}, as a creating lease's), if the route still lacks an idle connection, no lease waits, and both
     * limits allow; false otherwise (the task ends).
     */
    private boolean reserveOne(RouteSegment<R, C> seg) {
        seg.lockExact();
        try {
            if (seg.isRetired() || p.pool.closed || wanted(seg) <= 0 || !p.pool.reserveUnit()) {
                return false;
            }
            seg.takeUnitForCreate();
            seg.warm.progressAt = p.clocks.now();
            return true;
        } finally {
            seg.unlockExact();
        }
    }

    /** The route's task: makes up to {@code connections} connections, one after another, each on a unit of its own. */
    private void warm(RouteSegment<R, C> seg, int connections) {
        Throwable failure = null;
        boolean made = false;
        try {
            for (int i = 0; i < connections && reserveOne(seg); i++) {
                C conn;
                try {
                    conn = p.calls.createIdle(seg.route);
                } catch (Throwable ex) { // an Error from user code backs off too, rather than retry every pass
                    p.handOff.freeUnit(seg, RouteUnit.LEASED);
                    Errors.rethrowIfVmError(ex);
                    failure = ex;
                    break;
                }
                if (conn == null) {
                    p.handOff.freeUnit(seg, RouteUnit.LEASED);
                    break; // the factory cannot warm this route now: no failure, asked again next pass
                }
                made = true;
                place(seg, conn);
            }
        } finally {
            done(seg, failure, made, p.clocks.now());
        }
    }

    /**
     * A new connection on its reserved unit: placed as a release would place it (a waiting lease first), or closed.
     * Until it is linked, a throwable (out of memory making the entry) closes the connection and frees the unit.
     */
    private void place(RouteSegment<R, C> seg, C conn) {
        long now = p.clocks.now();
        PoolEntry<R, C> e;
        Waiter<R, C> w;
        HandOff.Disposal d;
        boolean linked = false;
        try {
            e = new PoolEntry<>(seg, p.pool.nextId(), conn, now, p.connections.validityDeadline(now));
            seg.lockExact();
            try {
                seg.linkCreated(e); // its unit is counted in leased since reserveOne
                linked = true;
                w = p.handOff.placeLocked(seg, e, false);
                d = HandOff.disposal(e, w);
            } finally {
                seg.unlockExact();
            }
        } catch (Throwable t) {
            if (!linked) {
                p.calls.closeUnlinked(conn);
                p.handOff.freeUnit(seg, RouteUnit.LEASED);
            }
            throw t;
        }
        p.diagnostics.connectionCreated(seg.route, e.id());
        p.handOff.finish(seg, e, d, w, true);
    }

    /** The task ended: the route may be planned again; a failure backs it off (said once per run of failures). */
    private void done(RouteSegment<R, C> seg, Throwable failure, boolean made, long now) {
        long retry = 0;
        boolean tell = false;
        seg.lockExact();
        try {
            WarmState w = seg.warm;
            w.inFlight = false;
            if (failure != null) {
                w.failures++;
                retry = backoff(w.failures);
                w.notBefore = Arithmetic.saturatedAdd(now, retry);
                tell = !w.told;
                w.told = true;
            } else if (made) {
                w.failures = 0;
                w.notBefore = Clocks.UNSET;
                w.told = false;
            }
        } finally {
            seg.unlockExact();
        }
        if (tell) {
            p.diagnostics.log.warn(PoolLogger.DIAGNOSTICS,
                    Reports.warmingFailed(p.settings.poolName, seg.route, minIdle, retry, MAX_BACKOFF_NANOS, failure), failure);
        } else if (failure != null) {
            p.diagnostics.log.debug(PoolLogger.POOL, "Pre-warming failed again on", seg.route,
                    "; next attempt in " + Texts.seconds(retry), failure);
        }
    }

    /** One interval after the first failure, doubling with each, capped at {@link #MAX_BACKOFF_NANOS}. */
    long backoff(int failures) {
        long b = firstBackoffNanos;
        for (int i = 1; i < failures && b < MAX_BACKOFF_NANOS; i++) {
            b *= 2;
        }
        return Math.min(b, MAX_BACKOFF_NANOS);
    }
}

package io.routepool.core;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Pre-warming ({@link PoolBuilder#minIdlePerRoute}): each maintenance pass, under a route's lock, decides whether the
 * route is short of idle connections and reserves units for the missing ones ({@link #planLocked}); after the lock,
 * one task per route makes them on the warming executor ({@link #start}), one after another, and places each as a
 * release would (a waiting lease first). No I/O under any lock, no request thread involved.
 *
 * <p>Capacity: a reservation takes a route unit and a pool unit together under the route's lock, exactly as a
 * creating lease does ({@link RouteSegment#takeUnitForCreate}, counted in {@code leased} until placed), so warming
 * never exceeds {@code maxPerRoute} or {@code maxTotal}; it never evicts, and reserves nothing while a lease waits on
 * the route or on the pool. Every reserved unit is either placed with a connection or freed through
 * {@link HandOff#freeUnit} (which hands it to a waiter if one came meanwhile): none is lost, whatever the factory does.
 */
final class Warming<R, C> {

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
     * Under {@code seg}'s lock, in a maintenance pass at {@code now}: reserves units for the idle connections the route
     * lacks and returns how many (the caller then calls {@link #start} after unlocking), or 0.
     */
    int planLocked(RouteSegment<R, C> seg, long now) {
        assert seg.lock.isHeldByCurrentThread();
        WarmState w = seg.warm;
        if (minIdle == 0 || seg.isRetired() || p.pool.closed || w.inFlight
                || !(w.used || p.segments.warmRoutes.contains(seg.route))) {
            return 0;
        }
        if (w.notBefore != Clocks.UNSET && now - w.notBefore < 0) {
            return 0; // backing off
        }
        if (seg.pending() > 0 || p.capacity.count() != 0) {
            return 0; // leases are waiting: what capacity there is is theirs
        }
        int max = seg.max(p.pool.defaultMaxPerRoute);
        int want = Math.min(minIdle - seg.available(), max - seg.allocated());
        int reserved = 0;
        while (reserved < want && p.pool.reserveUnit()) {
            seg.takeUnitForCreate();
            reserved++;
        }
        w.inFlight = reserved > 0;
        return reserved;
    }

    /** After the lock: runs the route's task on the warming executor (or, if it refuses, frees the units). */
    void start(RouteSegment<R, C> seg, int units) {
        try {
            executor.execute(() -> warm(seg, units));
        } catch (RuntimeException ex) { // RejectedExecutionException, or a broken executor
            p.diagnostics.log.debug(PoolLogger.POOL, "Warming executor refused the task of", seg.route,
                    "; tried again at the next maintenance pass", ex);
            for (int i = 0; i < units; i++) {
                p.handOff.freeUnit(seg, RouteUnit.LEASED);
            }
            done(seg, null, false, p.clocks.now());
        }
    }

    /** The route's task: makes up to {@code units} connections on the units reserved for them, one after another. */
    private void warm(RouteSegment<R, C> seg, int units) {
        int left = units;
        Throwable failure = null;
        boolean made = false;
        try {
            while (left > 0 && !p.pool.closed) {
                C conn;
                try {
                    conn = p.calls.createIdle(seg.route);
                } catch (Throwable ex) { // an Error from user code backs off too, rather than retry every pass
                    Errors.rethrowIfVmError(ex);
                    failure = ex;
                    break;
                }
                if (conn == null) {
                    break; // the factory cannot warm this route now: no failure, asked again next pass
                }
                left--; // the unit now backs a connection: place frees it if the connection is not kept
                made = true;
                place(seg, conn);
            }
        } finally {
            for (int i = 0; i < left; i++) {
                p.handOff.freeUnit(seg, RouteUnit.LEASED);
            }
            done(seg, failure, made, p.clocks.now());
        }
    }

    /** A new connection on a reserved unit: placed as a release would place it (a waiting lease first), or closed. */
    private void place(RouteSegment<R, C> seg, C conn) {
        long now = p.clocks.now();
        PoolEntry<R, C> e = new PoolEntry<>(seg, p.pool.nextId(), conn, now, p.connections.validityDeadline(now));
        Waiter<R, C> w;
        HandOff.Disposal d;
        seg.lockExact();
        try {
            seg.linkCreated(e); // its unit is counted in leased since planLocked
            w = p.handOff.placeLocked(seg, e, false);
            d = HandOff.disposal(e, w);
        } finally {
            seg.unlockExact();
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

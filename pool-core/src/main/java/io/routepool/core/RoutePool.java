package io.routepool.core;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link KeyedPool} implementation, and where to start reading: the lease and release fast paths are here;
 * everything else is delegated to the parts (see {@code package-info.java} for the map and the invariants).
 *
 * <p>Fast lease: under the route's lock, claim the most recently released idle entry of matching state
 * (the linearization point of a reusing lease), then check it outside the lock; no allocation, no lock but the
 * route's. Anything else (create, evict, wait) is a {@link LeaseAttempt}. Fast release: under the route's lock,
 * a LEASED entry is stamped and placed ({@link HandOff#placeLocked}: a waiter first, else the idle index, the
 * linearization point of a release); nothing pool-wide is written.
 */
final class RoutePool<R, C> implements KeyedPool<R, C> {

    private final PoolParts<R, C> p;
    // the parts the fast paths use, one hop from the façade
    private final Segments<R, C> segments;
    private final java.util.concurrent.ConcurrentHashMap<R, RouteSegment<R, C>> segmentMap;
    private final Clocks clocks;
    private final LeaseLedger ledger;
    private final Connections<R, C> connections;
    private final PoolState pool;
    private final HandOff<R, C> handOff;
    private final CapacityQueue<R, C> capacity;
    private final LimitChanges<R, C> limits;
    private final Sweeper<R, C> sweeper;
    private final MaintenancePass<R, C> maintenance;
    private final Closer<R, C> closer;
    /** Settings.maxUsesPerConnection, in a field of its own for the release path; zero: no limit. */
    private final int maxUses;
    /** Settings.learnIdleClose, for the release path. */
    private final boolean learnIdleClose;
    /** The background maintenance task, or null; cancelled by close. */
    private volatile Maintenance.Task maintenanceTask;

    RoutePool(PoolBuilder<R, C> b) {
        this.p = new PoolParts<>(b);
        this.segments = p.segments;
        this.segmentMap = p.segments.map();
        this.clocks = p.clocks;
        this.ledger = p.ledger;
        this.connections = p.connections;
        this.pool = p.pool;
        this.handOff = p.handOff;
        this.capacity = p.capacity;
        this.limits = new LimitChanges<>(p);
        this.sweeper = new Sweeper<>(p);
        this.maintenance = new MaintenancePass<>(p);
        this.closer = new Closer<>(p);
        this.maxUses = p.settings.maxUsesPerConnection;
        this.learnIdleClose = p.settings.learnIdleClose;
    }

    /** Starts background maintenance, if configured; called once by the builder after construction. */
    RoutePool<R, C> startMaintenance() {
        long interval = p.settings.maintenanceIntervalNanos;
        if (interval > 0) {
            maintenanceTask = Maintenance.schedule(maintenance, p.settings.maintenanceExecutor, interval, p.diagnostics.log);
        }
        return this;
    }

    // ================================================================== lease

    @Override
    public PoolEntry<R, C> lease(R route, Object state, long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException, IOException {
        long timeoutNanos = Arithmetic.timeoutNanos(timeout, unit);
        Arithmetic.requireRoute(route);
        Thread me = Thread.currentThread();
        Throwable site = ledger.site(me);
        long start = Clocks.UNSET;
        RouteSegment<R, C> seg = segmentMap.get(route);
        if (seg != null) {
            PoolEntry<R, C> e;
            while ((e = claimIdle(seg, state, me, site)) != null) {
                long now = connections.checkTime(e);
                if (start == Clocks.UNSET) {
                    start = now;
                }
                if (connections.checkOut(e, now) != null) {
                    return e;
                }
            }
        }
        return new BlockingLease<>(p, route, state).run(me, site, timeoutNanos, start);
    }

    @Override
    public PoolEntry<R, C> tryLease(R route, Object state) {
        Arithmetic.requireRoute(route);
        pool.ensureOpen();
        RouteSegment<R, C> seg = segmentMap.get(route);
        if (seg != null) {
            Thread me = Thread.currentThread();
            Throwable site = ledger.site(me);
            PoolEntry<R, C> e;
            while ((e = claimIdle(seg, state, me, site)) != null) {
                if (connections.checkOut(e, connections.checkTime(e)) != null) {
                    return e;
                }
            }
        }
        return null;
    }

    /**
     * The hit path: the parked entry in this thread's spot if its state is the one asked for, else the one in its
     * state's spot if that is the newest of the state (no lock; see RouteSegment, "The lock-free hit path"), else the
     * route's idle index under its lock.
     */
    private PoolEntry<R, C> claimIdle(RouteSegment<R, C> seg, Object state, Thread me, Throwable site) {
        if (seg.fast) {
            int stripe = seg.stripe(me);
            PoolEntry<R, C> e = seg.claimLockFree(stripe, state);
            if (e != null) {
                LeaseLedger.leaseClaimed(e, me, clocks.leaseTime(), site);
                return e;
            }
        }
        long now = clocks.leaseTime();
        seg.lock.lock();
        try {
            if (seg.isRetired() || pool.closed) {
                return null;
            }
            PoolEntry<R, C> e = LeaseLedger.claimAffine(seg, state, me, now, site);
            if (e == null) {
                if (seg.fast && !seg.mayHaveParked(state)) {
                    e = LeaseLedger.claimOfState(seg, state, me, now, site); // no capture needed: see claimOfState
                }
                if (e == null) {
                    seg.makeExact(); // HttpCore's rule looks at every idle entry: the parked ones too
                    e = LeaseLedger.claim(seg, state, me, false, now, site);
                }
                if (e != null) {
                    seg.ensureStateSpot(state); // a miss that found an idle entry: next time its state spot may serve
                }
            }
            return e;
        } finally {
            seg.unlockExact();
        }
    }

    @Override
    public LeaseRequest<R, C> newRequest(R route, Object state) {
        Arithmetic.requireRoute(route);
        pool.ensureOpen();
        return new BlockingLease<>(p, route, state);
    }

    /** Bad arguments, like every other failure, complete the future exceptionally (as {@link #lease} would throw). */
    @Override
    public CompletableFuture<PoolEntry<R, C>> leaseAsync(R route, Object state, long timeout, TimeUnit unit) {
        long timeoutNanos;
        try {
            timeoutNanos = Arithmetic.timeoutNanos(timeout, unit);
            Arithmetic.requireRoute(route);
            pool.ensureOpen();
        } catch (IllegalArgumentException | PoolClosedException refused) {
            CompletableFuture<PoolEntry<R, C>> failed = new CompletableFuture<>();
            failed.completeExceptionally(refused);
            return failed;
        }
        AsyncLease<R, C> lease = new AsyncLease<>(p, route, state, timeoutNanos);
        lease.start();
        return lease.future;
    }

    // ================================================================== release

    @Override
    public void release(PoolEntry<R, C> entry, boolean reusable) {
        release(entry, reusable, 0);
    }

    @Override
    public void release(PoolEntry<R, C> entry, boolean reusable, long keepAlive, TimeUnit unit) {
        release(entry, reusable, Arithmetic.nonNegativeNanos(keepAlive, unit));
    }

    private void release(PoolEntry<R, C> entry, boolean reusable, long keepAliveNanos) {
        if (entry == null) {
            throw new IllegalArgumentException("entry must not be null");
        }
        RouteSegment<R, C> seg = entry.segment;
        if (seg.owner != segments) {
            throw new IllegalStateException("Entry " + entry + " was not leased from this pool");
        }
        if (maxUses != 0 && entry.leases >= maxUses) {
            reusable = false; // served its last lease (maxUsesPerConnection): closed as a non-reusable release is
        }
        if (reusable && learnIdleClose && entry.leases > 1) { // a reused connection served its lease
            seg.idleCloses.proved(entry.leasedAt - entry.updated); // writes only a record idle time
        }
        long now = clocks.releaseTime();
        int stripe = seg.stripe(Thread.currentThread());
        if (reusable && seg.fast && releaseParked(seg, entry, stripe, now, keepAliveNanos)) {
            return;
        }
        Waiter<R, C> w = null;
        HandOff.Disposal d;
        seg.lockExact();
        try {
            if (entry.is(PoolEntry.RECLAIMED)) {
                d = null;
            } else {
                if (!entry.isHeld()) {
                    throw new IllegalStateException("Entry " + entry + " is not leased: released twice?");
                }
                LeaseLedger.release(entry);
                seg.noteReleased(stripe, entry); // the last this thread released here, whatever becomes of it
                if (entry.isShut() || !reusable) {
                    seg.unlinkForClosing(entry);
                } else {
                    stamp(entry, now, keepAliveNanos);
                    w = handOff.placeLocked(seg, entry, false);
                }
                d = HandOff.disposal(entry, w);
            }
        } finally {
            seg.unlockExact();
        }
        if (d == null) {
            p.diagnosis.lateRelease(entry, now);
            return;
        }
        handOff.finish(seg, entry, d, w, true);
    }

    @Override
    public void releaseStale(PoolEntry<R, C> entry) {
        if (entry != null && entry.segment.owner == segments && learnIdleClose && entry.leases > 1 && entry.isHeld()) {
            connections.foundStale(entry, Math.max(0, entry.leasedAt - entry.updated), clocks.releaseTime());
        }
        release(entry, false);
    }

    private static void stamp(PoolEntry<?, ?> entry, long now, long keepAliveNanos) {
        entry.updated = now;
        long validity = entry.validityDeadlineNanos();
        entry.expiry = keepAliveNanos > 0 ? Math.min(Arithmetic.saturatedAdd(now, keepAliveNanos), validity) : validity;
    }

    /** See {@link RouteSegment.Rescuer}; one instance, so that passing it allocates nothing. */
    private final RouteSegment.Rescuer<R, C> rescuer = this::finishHiddenRelease;

    /**
     * Finishes the release of {@code e}, parked where an exact view may have missed it (RouteSegment.displace): under the
     * lock, if it is still parked, it is taken back and placed as a locked release would place it, filed by its
     * release time; so a waiter that queued meanwhile gets it. Nothing to do if a lease or a capture took it.
     */
    private void finishHiddenRelease(RouteSegment<R, C> seg, PoolEntry<R, C> e) {
        Waiter<R, C> w;
        HandOff.Disposal d;
        seg.lockExact();
        try {
            int parked = e.word();
            if (!PoolEntry.isParked(parked) || !e.unpark(parked)) {
                return;
            }
            w = handOff.placeLocked(seg, e, true);
            d = HandOff.disposal(e, w);
        } finally {
            seg.unlockExact();
        }
        handOff.finish(seg, e, d, w, true);
    }

    /**
     * The lock-free release (see RouteSegment, "The lock-free hit path"): parks the entry if this thread's spot
     * already holds it (or is empty, and takes it), or if the spot's entry could be moved aside
     * ({@link RouteSegment#displace}: a parked one to its state's spot). False, with the entry still this caller's
     * lease, when the locked path must release it: the spot's entry could not be moved aside, the entry is not a
     * settled lease (a second release, reclaimed, closed by close(IMMEDIATE)), or, after the CAS, the route or pool
     * needs the slow path (waiters, a limit, close) or another thread took the spot; the parker then takes its entry
     * back. If somebody claimed or captured it first, the release is done.
     */
    private boolean releaseParked(RouteSegment<R, C> seg, PoolEntry<R, C> entry, int stripe, long now, long keepAliveNanos) {
        int w = entry.word();
        if (!PoolEntry.isSettledLease(w)) {
            return false;
        }
        PoolEntry<R, C> inSpot = seg.spots.get(stripe);
        if (inSpot != entry && (inSpot == null ? !seg.fillSpot(stripe, entry) : !seg.displace(stripe, inSpot, entry, rescuer))) {
            return false;
        }
        stamp(entry, now, keepAliveNanos);
        LeaseLedger.releasing(entry);
        int parked = entry.park(w);
        if (parked == 0) {
            return false; // reclaimed or shut meanwhile: the locked path sorts it out
        }
        if (seg.fast && capacity.count() == 0 && !pool.closed && !pool.overTotal() && seg.spots.get(stripe) == entry) {
            return true;
        }
        if (entry.unpark(parked)) {
            return false;
        }
        if (capacity.count() != 0) {
            handOff.serveCapacityFromIdle(); // captured into the index by another thread: it may serve a capacity waiter
        }
        return true;
    }

    // ================================================================== limits

    @Override
    public int getMaxTotal() {
        return p.pool.maxTotal;
    }

    @Override
    public void setMaxTotal(int max) {
        limits.setMaxTotal(Arithmetic.positive(max, "maxTotal"));
    }

    @Override
    public int getDefaultMaxPerRoute() {
        return p.pool.defaultMaxPerRoute;
    }

    @Override
    public void setDefaultMaxPerRoute(int max) {
        limits.setDefaultMaxPerRoute(Arithmetic.positive(max, "defaultMaxPerRoute"));
    }

    @Override
    public int getMaxPerRoute(R route) {
        Arithmetic.requireRoute(route);
        Integer own = p.segments.override(route);
        return own != null ? own : p.pool.defaultMaxPerRoute;
    }

    @Override
    public void setMaxPerRoute(R route, int max) {
        Arithmetic.requireRoute(route);
        if (max < 0) {
            throw new IllegalArgumentException("maxPerRoute must be >= 0 (0 blocks the route), was " + max
                    + "; use clearMaxPerRoute to go back to the default");
        }
        limits.setRouteOverride(route, max);
    }

    @Override
    public void clearMaxPerRoute(R route) {
        Arithmetic.requireRoute(route);
        limits.setRouteOverride(route, -1);
    }

    @Override
    public void setValidateAfterInactivity(long time, TimeUnit unit) {
        p.pool.validateAfterInactivityNanos = Arithmetic.nonNegativeNanos(time, unit);
    }

    @Override
    public long getValidateAfterInactivity(TimeUnit unit) {
        return Arithmetic.requireUnit(unit).convert(p.pool.validateAfterInactivityNanos, TimeUnit.NANOSECONDS);
    }

    // ================================================================== stats, enumeration, diagnostics

    @Override
    public PoolStats getTotalStats() {
        return p.diagnosis.totalStats();
    }

    @Override
    public PoolStats getStats(R route) {
        Arithmetic.requireRoute(route);
        return p.diagnosis.routeStats(route);
    }

    @Override
    public Set<R> getRoutes() {
        return p.segments.routes();
    }

    @Override
    public List<PoolEntry<R, C>> availableEntries() {
        List<PoolEntry<R, C>> out = new ArrayList<>();
        p.segments.forEachLocked(seg -> {
            for (PoolEntry<R, C> e = seg.idle.newest(); e != null; e = e.next) {
                out.add(e);
            }
        });
        return out;
    }

    @Override
    public List<PoolEntry<R, C>> leasedEntries() {
        List<PoolEntry<R, C>> out = new ArrayList<>();
        p.segments.forEachLocked(seg -> {
            for (PoolEntry<R, C> e = seg.leasedEntries.head(); e != null; e = e.next) {
                out.add(e);
            }
        });
        return out;
    }

    @Override
    public List<LeaseInfo<R>> leases() {
        return p.diagnosis.leases();
    }

    @Override
    public PoolCounters getCounters() {
        return p.diagnostics.counters(p.segments.reusedTotal());
    }

    @Override
    public long getStateMismatches(R route) {
        Arithmetic.requireRoute(route);
        return p.diagnostics.stateMismatches(route);
    }

    // ================================================================== sweeps and maintenance

    @Override
    public void closeIdle(long idleTime, TimeUnit unit) {
        long idleNanos = Arithmetic.nonNegativeNanos(idleTime, unit);
        long now = p.clocks.now();
        sweeper.sweep(e -> now - e.updated >= idleNanos);
    }

    @Override
    public void closeExpired() {
        long now = p.clocks.now();
        sweeper.sweep(e -> now >= e.expiry);
    }

    @Override
    public void maintain() {
        maintenance.run();
    }

    // ================================================================== close

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    @Override
    public void close(CloseMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (!p.pool.closing.compareAndSet(false, true)) {
            return;
        }
        p.pool.closed = true;
        Maintenance.Task task = maintenanceTask;
        if (task != null) {
            task.cancel();
        }
        closer.close(mode);
    }

    @Override
    public boolean close(Duration grace) {
        long graceNanos = Arithmetic.nonNegativeOption(grace, "grace", "no wait");
        close(CloseMode.GRACEFUL);
        PoolState s = p.pool;
        boolean interrupted = false;
        s.drainer = Thread.currentThread();
        try {
            long deadline = System.nanoTime() + graceNanos;
            while (s.units() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    interrupted = true;
                    break;
                }
            }
        } finally {
            s.drainer = null;
        }
        boolean drained = s.units() == 0;
        if (!drained) {
            closer.close(CloseMode.IMMEDIATE); // the leases still out: shut now, their release frees the units
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return drained;
    }

    @Override
    public boolean isClosed() {
        return p.pool.closed;
    }

    /** The route's live segment, or null (for tests of the hit path). */
    RouteSegment<R, C> segmentOf(R route) {
        return segmentMap.get(route);
    }

    @Override
    public String name() {
        return p.settings.poolName;
    }

    @Override
    public String toString() {
        PoolStats t = getTotalStats();
        return "RoutePool[" + p.settings.poolName + "; leased: " + t.leased() + "; pending: " + t.pending() + "; available: " + t.available()
                + "; maxTotal: " + t.max() + "; connections: " + p.pool.units() + "; routes: " + p.segments.size() + "]";
    }
}

package io.routepool.core;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The {@link KeyedPool} implementation: one lock per route, capacity counters that move only on
 * create and close, and waiters that are handed what they wait for.
 */
final class LockLightPool<R, C> implements KeyedPool<R, C> {

    /*
     * Why this is correct
     * ===================
     *
     * Structure. A ConcurrentHashMap from route to RouteSegment (HttpCore's RouteSpecificPool). A
     * segment has one ReentrantLock guarding its idle list (intrusive, LIFO), its leased list, its
     * counters (idle, leased, reserved, allocated) and its FIFO of waiters blocked on maxPerRoute.
     * Pool-wide there are only: totalAllocated (an AtomicInteger that moves when a connection is
     * created or closed, never on lease or release), the capacity queue of waiters blocked on
     * maxTotal (its own lock, touched only when someone waits on maxTotal), and volatile limits.
     *
     * Entry placement (PoolEntry.placement, guarded by its segment's lock):
     *   LEASED   in the segment's leased list; owned by one lessee
     *   GRANTED  in the segment's leased list; handed to a waiter that has not taken it yet
     *            (a second release by the previous lessee fails; close(IMMEDIATE) may shut it)
     *   IDLE     in the segment's idle list; owned by the pool
     *   DETACHED in no list; owned by the one thread that detached it, which closes it (or hands it
     *            to a waiter as the victim of a permit); still counted in allocated
     *   CLOSED   closed; never placed again
     * Every transition between LEASED and IDLE happens under the segment lock, so an entry is never
     * held by two lessees and a second release of the same lease finds it not LEASED.
     *
     * Units. A connection (or a reservation to create one) holds one route unit (segment.allocated)
     * and one pool unit (totalAllocated). Units are taken before a connection is created and given
     * back only after it is closed, so the number of open connections never exceeds maxPerRoute or
     * maxTotal at any instant (limits lowered below the leased count excepted: leased connections
     * are never touched). Freed units are either passed on directly to the oldest waiter that can
     * use them or given back to the counters; never both.
     *
     * Lease (LockLightPool.lease, then LeaseAttempt.step):
     *   1. under the segment lock: claim the most recently released idle entry of matching state
     *      (linearization point of a reusing lease); else, if the route is under its limit, take a
     *      route unit and CAS a pool unit together (linearization point of a creating lease); else,
     *      if the route is full of idle entries of another state, detach its least recently released
     *      one and take over its units (HttpCore's per-route excess rule); else enqueue as a route
     *      waiter. No I/O happens under the lock.
     *   2. route has room, pool full: evictForLease holds the victim's segment lock and ours (in
     *      segment order) to detach the least recently released idle entry of any route, take a route
     *      unit and take over the victim's pool unit at one instant (HttpCore's totalAvailable >
     *      freeCapacity - 1 rule); or, nothing idle, enqueue in the capacity queue holding a reserved
     *      route unit, then re-check (lost wake-up guard, see waitForCapacity).
     *   3. outside any lock: close the victim, if any; create the connection; check expiry,
     *      isOpen and validation of a reused entry (a failing one is closed and step 1 runs again
     *      within the same deadline).
     *
     * Release: under the segment lock, an entry that is LEASED is stamped (updated, expiry) and
     * then placeLocked decides (the same decision places entries given back by waiters and evicted
     * victims that were not needed), in this order: handed to the oldest route waiter whose state can use it; or to the
     * oldest capacity waiter of the same route that can use it; closed if the route or pool is over
     * its limit; given as a permit (with the entry as victim) to the oldest route waiter of another
     * state; or pushed on the idle list (linearization point). After unlocking, if capacity waiters
     * exist, idle entries are evicted for them. A non-reusable entry is detached, closed outside the
     * lock, and its units passed on (freeUnit).
     *
     * Waiters never herd: each grant is a CAS on one waiter node made under the lock of the queue
     * holding it, followed by one unpark (or one executor task for async leases) outside the lock.
     *
     * Deliberately racy: the idle-count hint read without the lock when scanning for the global
     * LRU victim (a miss only costs a thorough re-scan before parking); getTotalStats, summed segment
     * by segment; and the choice of eviction victim among entries released in the same clock tick.
     *
     * Diagnostics
     * ===========
     *
     * Who holds what. Every transition into LEASED or GRANTED stamps the entry, under the segment lock,
     * with its borrower (the thread that asked: LeaseAttempt.requester) and its lease time (leaseClock);
     * release clears the borrower under the same lock. So a reader holding the segment lock (maintenance,
     * leases(), the timeout message, self-deadlock detection) sees a consistent (entry, holder, since)
     * triple. The hot path pays two field stores under a lock it already holds and one volatile read of
     * coarse.now: the lease time comes from a coarse clock that maintenance refreshes every pass and releases
     * refresh when it is a millisecond old, not from a clock call per lease. Stack capture, when on, is one
     * Throwable per lease made before any lock is taken.
     *
     * Maintenance runs on the shared routepool-maintenance thread, or the user's executor, and in any
     * maintain() caller, possibly at the same time as a scheduled pass; that is safe because every decision is
     * made under the segment lock and each report is guarded by a flag set under it. It uses only the
     * ordinary transitions: idle entries it
     * closes are DETACHED under the segment lock and their units freed with freeUnit (so waiters get them);
     * an idle entry it probes is DETACHED for the probe (no lease can use a connection being read) and put
     * back through placeLocked, which serves a waiter first or files the entry by its release time, so that
     * LIFO reuse and LRU eviction see it where it was; an abandoned lease it reclaims goes LEASED -> DETACHED
     * with reclaimed = true under the lock, is closed IMMEDIATE outside it, and its units are freed with
     * freeUnit. A reclaimed entry is never placed again, so its late release is recognised (reclaimed is
     * read under the lock) and ignored with a warning. Reports are built from snapshots taken under the lock
     * and delivered (log, listener, JFR) after it is released.
     *
     * Self-deadlock. A blocking lease about to enqueue as a route waiter checks, under the segment lock,
     * whether every leased entry of the route is LEASED by its own thread and their number reaches the
     * route's limit (no creation in flight: the count must equal seg.leased). Then no other thread can free
     * a unit except by releasing on its behalf, so the report is sound. The maxTotal variant
     * (heldOnlyByInPool) counts the thread's leases segment by segment and needs at least maxTotal of them,
     * which is sound for the same reason even though the scan is not atomic.
     *
     * State mismatch is detected where a lease decides to create or wait: the claim found nothing although
     * the route has idle entries, so all of them carry another state. Counted once per lease; the first one
     * per route is logged.
     */

    private static final System.Logger LOG = System.getLogger(KeyedPool.class.getName());

    static final long UNSET = Long.MIN_VALUE;

    final ConnectionFactory<R, C> factory;
    final ConnectionValidator<? super C> validator;
    final TimeSource clock;
    final Executor asyncExecutor;
    private final long timeToLiveNanos;

    // Diagnostics (see the "Diagnostics" part of the essay above). Final configuration, read racily.
    final Diagnostics<R> diagnostics;
    final boolean captureLeaseStacks;
    final boolean failOnSelfDeadlock;
    private final long leakThresholdNanos;
    private final long reclaimAfterNanos;
    private final long stuckWaiterNanos;
    private final long maxIdleNanos;
    private final ConnectionValidator<? super C> idleProbe;
    private final long maintenanceIntervalNanos;
    private final ScheduledExecutorService maintenanceExecutor;
    /** The background maintenance task, or null; cancelled by close. */
    private volatile Maintenance.Task maintenanceTask;
    /** Background maintenance is configured, so it keeps coarse.now fresh and leases read it. */
    private final boolean coarseLeaseClock;
    /**
     * reused counts of segments purged from the map (getCounters adds the live ones). Its monitor is held by
     * purges and by getCounters (always before any segment lock), so that a reuse is counted exactly once.
     */
    private final AtomicLong retiredReused = new AtomicLong();

    /**
     * The coarse clock lease times are read from, so that a lease served from the idle list reads no clock.
     * Refreshed by every maintenance pass and by releases (when at least COARSE_REFRESH_NANOS old), from
     * clock.nanoTime(). Written racily by those threads: a slower writer can move it back by the time between
     * two clock reads, so an age computed from it is clamped at zero. Used only while background maintenance
     * runs (else leaseClock reads the clock).
     */
    private final CoarseClock coarse = new CoarseClock();
    private static final long COARSE_REFRESH_NANOS = 1_000_000;
    /** Maintenance probes idle connections idle at least this long (or one interval, if shorter). */
    private static final long PROBE_MIN_IDLE_NANOS = 250_000_000;

    /** Route -> segment. A segment leaves the map only when empty, retired under its lock. */
    private final ConcurrentHashMap<R, RouteSegment<R, C>> segments = new ConcurrentHashMap<>();
    /** Route limits set by setMaxPerRoute; they outlive purged segments. */
    private final ConcurrentHashMap<R, Integer> maxOverrides = new ConcurrentHashMap<>();
    private final AtomicLong segmentOrder = new AtomicLong();
    private final Function<R, RouteSegment<R, C>> newSegment =
            r -> new RouteSegment<>(this, r, maxOverrides.getOrDefault(r, -1), segmentOrder.incrementAndGet());

    /**
     * Pool units: open connections plus reservations for connections being created.
     * CAS-incremented only while below maxTotal; decremented after a close. Written on create and
     * close only, read on release (read-mostly).
     */
    private final AtomicInteger totalAllocated = new AtomicInteger();
    private final AtomicLong createdCount = new AtomicLong();

    private volatile int maxTotal;
    private volatile int defaultMaxPerRoute;
    private volatile long validateAfterInactivityNanos;
    /** Set once by close(); every place that would pool, create or enqueue re-checks it under the relevant lock. */
    volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();

    /** Guards the capacity queue (waiters blocked on maxTotal, FIFO). May be taken while holding a segment lock. */
    private final ReentrantLock capacityLock = new ReentrantLock();
    private LeaseAttempt<R, C> capHead;
    private LeaseAttempt<R, C> capTail;
    /**
     * Length of the capacity queue; written under capacityLock, read without it by every thread
     * that frees capacity. Raised before a new capacity waiter re-checks totalAllocated and the idle
     * lists, so one of the two sides always sees the other.
     */
    private volatile int capacityWaiterCount;

    LockLightPool(PoolBuilder<R, C> b) {
        this.factory = b.factory;
        this.validator = b.validator;
        this.clock = b.timeSource;
        this.asyncExecutor = b.asyncExecutor;
        this.timeToLiveNanos = b.timeToLiveNanos;
        this.maxTotal = b.maxTotal;
        this.defaultMaxPerRoute = b.defaultMaxPerRoute;
        this.validateAfterInactivityNanos = b.validateAfterInactivityNanos;
        this.diagnostics = new Diagnostics<>(b.listener, b.remedies);
        this.captureLeaseStacks = b.captureLeaseStacks;
        this.failOnSelfDeadlock = b.failOnSelfDeadlock;
        this.leakThresholdNanos = b.leakThresholdNanos;
        this.reclaimAfterNanos = b.reclaimAfterNanos;
        this.stuckWaiterNanos = b.stuckWaiterNanos;
        this.maxIdleNanos = b.maxIdleNanos;
        this.idleProbe = b.idleProbe;
        this.maintenanceIntervalNanos = b.maintenanceIntervalNanos;
        this.maintenanceExecutor = b.maintenanceExecutor;
        this.coarseLeaseClock = b.maintenanceIntervalNanos > 0;
        this.coarse.now = clock.nanoTime();
    }

    /** Starts background maintenance, if configured; called once by the builder after construction. */
    LockLightPool<R, C> startMaintenance() {
        if (maintenanceIntervalNanos > 0) {
            maintenanceTask = Maintenance.schedule(this, maintenanceExecutor, maintenanceIntervalNanos);
        }
        return this;
    }

    /** The time a lease begins: the coarse clock while background maintenance keeps it fresh, else the clock. */
    long leaseClock() {
        return coarseLeaseClock ? coarse.now : clock.nanoTime();
    }

    // ================================================================== lease

    @Override
    public PoolEntry<R, C> lease(R route, Object state, long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException, IOException {
        long timeoutNanos = timeoutNanos(timeout, unit);
        requireRoute(route);
        // Fast path: an idle entry of this route. No allocation, no lock but the route's.
        RouteSegment<R, C> seg = segments.get(route);
        long start = UNSET;
        Thread me = Thread.currentThread();
        Throwable site = captureLeaseStacks ? new LeaseSite(me) : null;
        if (seg != null) {
            PoolEntry<R, C> e;
            while ((e = tryClaimIdle(seg, state, me, site)) != null) {
                long now = needsClock(e) ? clock.nanoTime() : UNSET;
                if (usable(e, now)) {
                    return e;
                }
                if (start == UNSET) {
                    start = now;
                }
                discardLeased(e);
            }
        }
        LeaseAttempt<R, C> attempt = new LeaseAttempt<>(this, route, state, null);
        attempt.thread = me;
        attempt.leaseSite = site;
        attempt.timeoutNanos = timeoutNanos;
        if (start != UNSET) {
            attempt.deadline = saturatedAdd(start, timeoutNanos);
        }
        return attempt.runBlocking();
    }

    private PoolEntry<R, C> tryClaimIdle(RouteSegment<R, C> seg, Object state, Thread me, Throwable site) {
        long now = leaseClock();
        seg.lock.lock();
        try {
            return seg.retired || closed ? null : seg.claimIdle(state, me, false, now, site);
        } finally {
            seg.lock.unlock();
        }
    }

    @Override
    public LeaseRequest<R, C> newRequest(R route, Object state) {
        requireRoute(route);
        ensureOpen();
        return new LeaseAttempt<>(this, route, state, null);
    }

    @Override
    public CompletableFuture<PoolEntry<R, C>> leaseAsync(R route, Object state, long timeout, TimeUnit unit) {
        long timeoutNanos = timeoutNanos(timeout, unit);
        requireRoute(route);
        CompletableFuture<PoolEntry<R, C>> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(closedException());
            return future;
        }
        LeaseAttempt<R, C> attempt = new LeaseAttempt<>(this, route, state, future);
        attempt.leaseSite = captureLeaseStacks ? new LeaseSite(attempt.requester) : null;
        attempt.timeoutNanos = timeoutNanos;
        attempt.deadline();
        attempt.startAsync();
        return future;
    }

    RouteSegment<R, C> segmentFor(R route) {
        RouteSegment<R, C> seg = segments.get(route);
        return seg != null ? seg : segments.computeIfAbsent(route, newSegment);
    }

    int maxOf(RouteSegment<R, C> seg) {
        return seg.max(defaultMaxPerRoute);
    }

    private boolean needsClock(PoolEntry<R, C> e) {
        return e.expiry != PoolEntry.NEVER || validateAfterInactivityNanos > 0;
    }

    /** Checks a claimed entry outside any lock: expiry, isOpen, then validation if it idled long enough. */
    private boolean usable(PoolEntry<R, C> e, long now) {
        if (now != UNSET && now >= e.expiry) {
            return false;
        }
        if (!isOpenSafely(e)) {
            return false;
        }
        long v = validateAfterInactivityNanos;
        if (v > 0 && now - e.updated >= v) {
            try {
                return validator.isValid(e.connection());
            } catch (RuntimeException | Error ex) { // the caller discards the entry: its units are freed
                rethrowIfVmError(ex);
                LOG.log(Level.DEBUG, "Validator failed on " + e + "; treating it as invalid", ex);
                return false;
            }
        }
        return true;
    }

    /** The factory's isOpen; one that throws (but for a VirtualMachineError) counts as closed. */
    private boolean isOpenSafely(PoolEntry<R, C> e) {
        try {
            return factory.isOpen(e.connection());
        } catch (RuntimeException | Error ex) {
            rethrowIfVmError(ex);
            LOG.log(Level.DEBUG, "isOpen failed on " + e + "; treating it as closed", ex);
            return false;
        }
    }

    /** Post-checks an entry claimed or granted for {@code attempt}; discards it and returns null if unusable. */
    PoolEntry<R, C> checkOut(PoolEntry<R, C> e, LeaseAttempt<R, C> attempt) {
        long now = needsClock(e) ? clock.nanoTime() : UNSET;
        if (now != UNSET && attempt.deadline == UNSET) {
            attempt.deadline = saturatedAdd(now, attempt.timeoutNanos);
        }
        if (usable(e, now)) {
            return e;
        }
        discardLeased(e);
        return null;
    }

    /**
     * Creates a connection on a route and pool unit that the caller holds (counted in leased),
     * first closing {@code victim} whose units it took over.
     */
    PoolEntry<R, C> createConnection(RouteSegment<R, C> seg, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit, long id,
            LeaseAttempt<R, C> lessee) throws IOException {
        if (victim != null) {
            closeVictim(victim, victimOwnsRouteUnit);
        }
        C conn;
        try {
            conn = factory.create(seg.route);
        } catch (IOException | RuntimeException | Error ex) {
            freeUnit(seg, null, RouteUnit.LEASED);
            throw ex;
        }
        if (conn == null) {
            freeUnit(seg, null, RouteUnit.LEASED);
            throw new IllegalStateException("ConnectionFactory.create returned null for route " + seg.route);
        }
        long now = clock.nanoTime();
        long validity = timeToLiveNanos > 0 ? saturatedAdd(now, timeToLiveNanos) : PoolEntry.NEVER;
        PoolEntry<R, C> e = new PoolEntry<>(seg, id != 0 ? id : nextId(), conn, now, validity);
        boolean open;
        seg.lock.lock();
        try {
            open = !closed;
            if (open) {
                seg.linkLeased(e);
                RouteSegment.stamp(e, lessee.requester, lessee.future != null, now, lessee.leaseSite);
            }
        } finally {
            seg.lock.unlock();
        }
        diagnostics.connectionCreated(seg.route, e.id());
        if (!open) {
            closeConnection(e, CloseMode.GRACEFUL);
            freeUnit(seg, null, RouteUnit.LEASED);
            throw closedException();
        }
        return e;
    }

    private void closeVictim(PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        closeConnection(victim, CloseMode.GRACEFUL);
        victim.placement = PoolEntry.CLOSED; // detached and owned by us: no other thread places it
        if (victimOwnsRouteUnit) {
            freeRouteUnit(victim.segment, RouteUnit.DETACHED);
        }
    }

    /** A waiter that cannot use its permit gives it back: the victim is closed and the units passed on. */
    void dropPermit(RouteSegment<R, C> seg, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        if (victim != null) {
            closeVictim(victim, victimOwnsRouteUnit);
        }
        freeUnit(seg, null, RouteUnit.LEASED);
    }

    /** Lease numbers, drawn when a lease takes the capacity to create (its linearization point). */
    long nextId() {
        return createdCount.incrementAndGet();
    }

    boolean reserveGlobal() {
        for (;;) {
            int t = totalAllocated.get();
            if (t >= maxTotal) {
                return false;
            }
            if (totalAllocated.compareAndSet(t, t + 1)) {
                return true;
            }
        }
    }

    /**
     * Detaches the least recently released idle entry of any route (HttpCore's global LRU). The
     * caller takes over its pool unit; its route unit is freed after it is closed.
     *
     * @param thorough lock every segment instead of trusting the racy idle-count hint
     */
    PoolEntry<R, C> evictGlobalLru(boolean thorough) {
        for (;;) {
            RouteSegment<R, C> best = lruSegment(thorough);
            if (best == null) {
                return null;
            }
            best.lock.lock();
            try {
                if (closed) {
                    return null;
                }
                PoolEntry<R, C> t = best.detachIdleTail();
                if (t != null) {
                    return t;
                }
            } finally {
                best.lock.unlock();
            }
        }
    }

    /**
     * Puts back a detached victim that turned out not to be needed, through the same decision as a
     * release (it may serve a waiter, or be closed if a limit was lowered meanwhile); its timestamps
     * are kept. Then, if {@code serveWaiters}, lets capacity waiters evict for themselves.
     */
    void restoreIdle(PoolEntry<R, C> victim, boolean serveWaiters) {
        RouteSegment<R, C> seg = victim.segment;
        Object outcome;
        seg.lock.lock();
        try {
            outcome = placeLocked(seg, victim, true);
        } finally {
            seg.lock.unlock();
        }
        finishPlacement(seg, victim, outcome, serveWaiters);
    }

    /**
     * Puts back an entry that a lease obtained but cannot hand to its caller (cancelled or interrupted at
     * the same moment): like a reusable release, but keeping its {@code updated} and {@code expiry}.
     */
    void requeue(PoolEntry<R, C> entry) {
        RouteSegment<R, C> seg = entry.segment;
        Object outcome;
        seg.lock.lock();
        try {
            if (entry.reclaimed) {
                return; // maintenance reclaimed it meanwhile: it closes it and frees its units
            }
            if (entry.placement != PoolEntry.LEASED && entry.placement != PoolEntry.GRANTED) {
                throw new IllegalStateException("Entry " + entry + " is not leased");
            }
            clearLease(entry);
            outcome = entry.closedByPool ? detachLeasedLocked(seg, entry, ALREADY_CLOSED) : placeLocked(seg, entry);
        } finally {
            seg.lock.unlock();
        }
        finishPlacement(seg, entry, outcome, true);
    }

    // ================================================================== release

    @Override
    public void release(PoolEntry<R, C> entry, boolean reusable) {
        release(entry, reusable, 0);
    }

    @Override
    public void release(PoolEntry<R, C> entry, boolean reusable, long keepAlive, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        release(entry, reusable, keepAlive <= 0 ? 0 : saturatedNanos(keepAlive, unit));
    }

    private void release(PoolEntry<R, C> entry, boolean reusable, long keepAliveNanos) {
        if (entry == null) {
            throw new IllegalArgumentException("entry must not be null");
        }
        RouteSegment<R, C> seg = entry.segment;
        if (seg.pool != this) {
            throw new IllegalStateException("Entry " + entry + " was not leased from this pool");
        }
        long now = clock.nanoTime();
        if (coarseLeaseClock && now - coarse.now >= COARSE_REFRESH_NANOS) {
            coarse.now = now;
        }
        Object outcome;
        seg.lock.lock();
        try {
            if (entry.reclaimed) {
                outcome = RECLAIMED;
            } else {
                if (entry.placement != PoolEntry.LEASED) {
                    throw new IllegalStateException("Entry " + entry + " is not leased: released twice?");
                }
                clearLease(entry);
                if (entry.closedByPool) {
                    outcome = detachLeasedLocked(seg, entry, ALREADY_CLOSED);
                } else if (!reusable) {
                    outcome = detachLeasedLocked(seg, entry, CLOSE_LEASED);
                } else {
                    entry.updated = now;
                    long validity = entry.validityDeadlineNanos();
                    entry.expiry = keepAliveNanos > 0 ? Math.min(saturatedAdd(now, keepAliveNanos), validity) : validity;
                    outcome = placeLocked(seg, entry);
                }
            }
        } finally {
            seg.lock.unlock();
        }
        if (outcome == RECLAIMED) {
            lateRelease(entry, now);
            return;
        }
        finishPlacement(seg, entry, outcome, true);
    }

    /** Under seg.lock, at release: the lease is over, so the entry stops holding its borrower and lease site. */
    private static void clearLease(PoolEntry<?, ?> entry) {
        entry.borrower = null;
        if (entry.leaseSite != null) {
            entry.leaseSite = null;
        }
    }

    /** Outcomes of {@link #placeLocked} besides a waiter to wake. */
    private static final Object POOLED = "pooled";
    /** Close it; it is counted in allocated only. */
    private static final Object CLOSE = "close";
    /** Close it; it is still counted in leased. */
    private static final Object CLOSE_LEASED = "close leased";
    /** Already closed by close(IMMEDIATE); still counted in leased. */
    private static final Object ALREADY_CLOSED = "already closed";
    /** Reclaimed by maintenance: the release comes too late and is ignored. */
    private static final Object RECLAIMED = "reclaimed";

    /**
     * Unlinks a leased entry for closing or re-placing. It stays counted in {@code leased} until its
     * units are freed (or it is placed elsewhere), so that stats never show capacity that a lease
     * cannot have yet.
     */
    private Object detachLeasedLocked(RouteSegment<R, C> seg, PoolEntry<R, C> entry, Object outcome) {
        seg.unlinkLeased(entry);
        entry.placement = PoolEntry.DETACHED;
        return outcome;
    }

    /**
     * Under seg.lock: decides where a reusable entry goes: it is LEASED or GRANTED (a release, a grant
     * given back) or DETACHED (a victim put back). In order: the oldest route waiter whose state can use
     * it; the oldest capacity waiter of this route that can use it; closed if the route or the pool is
     * over its limit; a permit with this entry as victim to the oldest route waiter of another state
     * (HttpCore's excess rule, at once); else the idle list (the linearization point of a release).
     *
     * @return a granted waiter to wake, {@link #POOLED} or {@link #CLOSE}
     */
    private Object placeLocked(RouteSegment<R, C> seg, PoolEntry<R, C> entry) {
        return placeLocked(seg, entry, false);
    }

    /** As {@link #placeLocked(RouteSegment, PoolEntry)}; {@code keepPosition} files an idle entry by its release time instead of as the most recent. */
    private Object placeLocked(RouteSegment<R, C> seg, PoolEntry<R, C> entry, boolean keepPosition) {
        boolean countedLeased = entry.placement != PoolEntry.DETACHED;
        if (countedLeased) {
            detachLeasedLocked(seg, entry, null);
        }
        if (closed) {
            return countedLeased ? CLOSE_LEASED : CLOSE;
        }
        LeaseAttempt<R, C> w = null;
        if (seg.routeWaiters > 0) {
            while ((w = seg.oldestWaiterFor(entry.state())) != null) {
                seg.removeWaiter(w);
                if (w.grant(LeaseAttempt.ENTRY, entry, null, false)) {
                    break;
                }
            }
        }
        if (w == null && seg.capacityWaiters > 0) {
            w = grantCapacityWaiter(LeaseAttempt.ENTRY, entry, null, false, seg, entry.state());
        }
        if (w != null) {
            seg.linkLeased(entry);
            entry.placement = PoolEntry.GRANTED; // a second release by the previous lessee now fails
            RouteSegment.stamp(entry, w.requester, w.future != null, leaseClock(), w.leaseSite);
            seg.reused++;
            if (!countedLeased) {
                seg.leased++;
            }
            return w;
        }
        if (seg.allocated > maxOf(seg) || totalAllocated.get() > maxTotal) {
            return countedLeased ? CLOSE_LEASED : CLOSE; // surplus after a lowered limit
        }
        while ((w = oldestRouteWaiterLocked(seg)) != null) {
            if (w.grant(LeaseAttempt.PERMIT, null, entry, false)) {
                if (!countedLeased) {
                    seg.leased++; // the entry's units now back the waiter's new connection
                }
                return w;
            }
        }
        if (countedLeased) {
            seg.leased--;
        }
        if (keepPosition) {
            seg.insertIdleByUpdated(entry);
        } else {
            seg.pushIdle(entry);
        }
        return POOLED;
    }

    private void finishPlacement(RouteSegment<R, C> seg, PoolEntry<R, C> entry, Object outcome, boolean serveWaiters) {
        if (outcome == POOLED) {
            if (serveWaiters && capacityWaiterCount != 0) {
                serveCapacityFromIdle();
            }
        } else if (outcome == CLOSE || outcome == CLOSE_LEASED) {
            closeConnection(entry, CloseMode.GRACEFUL);
            freeUnit(seg, entry, outcome == CLOSE ? RouteUnit.DETACHED : RouteUnit.LEASED);
        } else if (outcome == ALREADY_CLOSED) {
            freeUnit(seg, entry, RouteUnit.LEASED);
        } else {
            @SuppressWarnings("unchecked")
            LeaseAttempt<R, C> w = (LeaseAttempt<R, C>) outcome;
            w.wake();
        }
    }

    /**
     * A waiter granted {@code entry} takes it: GRANTED becomes LEASED. False if close(IMMEDIATE) closed
     * it meanwhile; the entry is then detached and its units freed.
     */
    boolean takeGranted(PoolEntry<R, C> entry) {
        RouteSegment<R, C> seg = entry.segment;
        boolean closedMeanwhile;
        seg.lock.lock();
        try {
            closedMeanwhile = entry.closedByPool;
            if (closedMeanwhile) {
                detachLeasedLocked(seg, entry, null);
            } else {
                entry.placement = PoolEntry.LEASED;
            }
        } finally {
            seg.lock.unlock();
        }
        if (closedMeanwhile) {
            freeUnit(seg, entry, RouteUnit.LEASED);
        }
        return !closedMeanwhile;
    }

    private LeaseAttempt<R, C> oldestRouteWaiterLocked(RouteSegment<R, C> seg) {
        LeaseAttempt<R, C> w;
        while (seg.routeWaiters > 0 && (w = seg.oldestWaiter()) != null) {
            seg.removeWaiter(w);
            if (w.isWaiting()) {
                return w; // the caller grants under the same lock; only it can change w now
            }
        }
        return null;
    }

    /** Closes a lessee's entry that failed its checks and passes its units on. */
    private void discardLeased(PoolEntry<R, C> e) {
        RouteSegment<R, C> seg = e.segment;
        boolean mustClose;
        seg.lock.lock();
        try {
            if (e.reclaimed) {
                return; // maintenance reclaimed it while it was being checked: it closes it and frees its units
            }
            detachLeasedLocked(seg, e, null);
            mustClose = !e.closedByPool;
        } finally {
            seg.lock.unlock();
        }
        if (mustClose) {
            closeConnection(e, CloseMode.GRACEFUL);
        }
        freeUnit(seg, e, RouteUnit.LEASED);
    }

    // ================================================================== units

    /**
     * A connection of {@code seg} was closed (or never created): its route and pool units pass to the
     * oldest route waiter if the route and pool are within their limits, else they are given back.
     */
    void freeUnit(RouteSegment<R, C> seg, PoolEntry<R, C> closedEntry, RouteUnit from) {
        if (closedEntry != null) {
            closedEntry.placement = PoolEntry.CLOSED;
        }
        LeaseAttempt<R, C> heir = null;
        LeaseAttempt<R, C> retry = null;
        seg.lock.lock();
        try {
            uncount(seg, from);
            if (!closed && seg.allocated <= maxOf(seg) && totalAllocated.get() <= maxTotal) {
                LeaseAttempt<R, C> w;
                while ((w = oldestRouteWaiterLocked(seg)) != null) {
                    if (w.grant(LeaseAttempt.PERMIT, null, null, false)) {
                        seg.leased++;
                        heir = w;
                        break;
                    }
                }
            }
            if (heir == null) {
                seg.allocated--;
                retry = retryOneLocked(seg);
            }
        } finally {
            seg.lock.unlock();
        }
        if (heir != null) {
            heir.wake();
            return;
        }
        if (retry != null) {
            retry.wake();
        }
        releaseGlobalUnit();
    }

    /** Frees only a route unit (its pool unit went elsewhere, or never existed). */
    void freeRouteUnit(RouteSegment<R, C> seg, RouteUnit from) {
        LeaseAttempt<R, C> retry;
        seg.lock.lock();
        try {
            uncount(seg, from);
            seg.allocated--;
            retry = retryOneLocked(seg);
        } finally {
            seg.lock.unlock();
        }
        if (retry != null) {
            retry.wake();
        }
    }

    private static void uncount(RouteSegment<?, ?> seg, RouteUnit from) {
        if (from == RouteUnit.LEASED) {
            seg.leased--;
        } else if (from == RouteUnit.RESERVED) {
            seg.reserved--;
            seg.capacityWaiters--;
        }
    }

    /** Under seg.lock: a route waiter may proceed now that the route is under its limit. */
    private LeaseAttempt<R, C> retryOneLocked(RouteSegment<R, C> seg) {
        if (seg.routeWaiters == 0 || seg.allocated >= maxOf(seg)) {
            return null;
        }
        LeaseAttempt<R, C> w;
        while ((w = oldestRouteWaiterLocked(seg)) != null) {
            if (w.grant(LeaseAttempt.RETRY, null, null, false)) {
                return w;
            }
        }
        return null;
    }

    /** Takes a route unit for a lease about to wait on maxTotal; false if the route is full (or retired) now. */
    boolean reserveRouteUnitForWaiting(RouteSegment<R, C> seg) {
        seg.lock.lock();
        try {
            if (seg.retired || seg.allocated >= maxOf(seg)) {
                return false;
            }
            seg.allocated++;
            seg.reserved++;
            seg.capacityWaiters++;
            return true;
        } finally {
            seg.lock.unlock();
        }
    }

    // evictForLease outcomes, left in LeaseAttempt.evictionOutcome
    static final int EV_NONE = 0;     // nothing idle anywhere and the pool is full
    static final int EV_AGAIN = 1;    // the route filled up or was purged meanwhile: run the lease again
    static final int EV_HIT = 2;      // an idle entry of the route that the lease can use: returned, leased
    static final int EV_RESERVED = 3; // capacity was freed meanwhile: route and pool units taken
    static final int EV_EVICTED = 4;  // victim returned; a route unit taken, the victim's pool unit taken over

    /**
     * The route is under its limit and the pool is full: evicts the least recently released idle entry
     * of any route and, in the same critical section, takes a route unit of {@code seg} (HttpCore's
     * totalAvailable > freeCapacity - 1 rule). Both segment locks are held, lower order first, so no
     * observer sees the victim gone without the lease counted. See EV_* for the outcomes.
     */
    PoolEntry<R, C> evictForLease(RouteSegment<R, C> seg, LeaseAttempt<R, C> a) {
        for (;;) {
            RouteSegment<R, C> best = lruSegment(false);
            RouteSegment<R, C> first = best == null || seg.order <= best.order ? seg : best;
            RouteSegment<R, C> second = first == seg ? best : seg;
            first.lock.lock();
            if (second != null && second != first) {
                second.lock.lock();
            }
            try {
                if (seg.retired || closed) {
                    a.evictionOutcome = EV_AGAIN;
                    return null;
                }
                PoolEntry<R, C> hit = seg.claimIdle(a.state, a.requester, a.future != null, leaseClock(), a.leaseSite);
                if (hit != null) {
                    a.evictionOutcome = EV_HIT;
                    return hit;
                }
                if (seg.allocated >= maxOf(seg)) {
                    a.evictionOutcome = EV_AGAIN;
                    return null;
                }
                if (reserveGlobal()) {
                    seg.allocated++;
                    seg.leased++;
                    a.reservedId = nextId();
                    a.evictionOutcome = EV_RESERVED;
                    return null;
                }
                if (best == null) {
                    a.evictionOutcome = EV_NONE;
                    return null;
                }
                if (best.retired || best.idleTail == null) {
                    continue; // raced: look again
                }
                PoolEntry<R, C> victim = best.detachIdleTail();
                if (best == seg) {
                    seg.leased++; // the victim's route unit passes to the lease
                    a.evictedVictimOwnsRouteUnit = false;
                } else {
                    seg.allocated++;
                    seg.leased++;
                    a.evictedVictimOwnsRouteUnit = true;
                }
                a.reservedId = nextId();
                a.evictionOutcome = EV_EVICTED;
                return victim;
            } finally {
                if (second != null && second != first) {
                    second.lock.unlock();
                }
                first.lock.unlock();
            }
        }
    }

    /** The segment whose least recently released idle entry is the oldest, or null (each segment locked in turn). */
    private RouteSegment<R, C> lruSegment(boolean thorough) {
        RouteSegment<R, C> best = null;
        long bestUpdated = 0;
        for (RouteSegment<R, C> s : segments.values()) {
            if (!thorough && s.idle == 0) {
                continue;
            }
            s.lock.lock();
            try {
                PoolEntry<R, C> t = s.idleTail;
                if (t != null && (best == null || t.updated < bestUpdated)) {
                    best = s;
                    bestUpdated = t.updated;
                }
            } finally {
                s.lock.unlock();
            }
        }
        return best;
    }

    /**
     * A capacity waiter's reserved route unit becomes a lessee's. With {@code enforceLimit}, refuses
     * (and frees the route unit) if the route went over its limit while the waiter waited.
     */
    boolean reservedToLeased(RouteSegment<R, C> seg, boolean enforceLimit) {
        seg.lock.lock();
        try {
            if (!enforceLimit || seg.allocated <= maxOf(seg)) {
                seg.reserved--;
                seg.capacityWaiters--;
                seg.leased++;
                return true;
            }
        } finally {
            seg.lock.unlock();
        }
        freeRouteUnit(seg, RouteUnit.RESERVED);
        return false;
    }

    /**
     * An evicted victim turned out to be usable by the lease that evicted it: it becomes that lease's
     * entry, and the route unit the lease held ({@code from}) is freed instead.
     */
    void reuseVictim(PoolEntry<R, C> victim, RouteUnit from, LeaseAttempt<R, C> lessee) {
        RouteSegment<R, C> seg = victim.segment;
        long now = leaseClock();
        seg.lock.lock();
        try {
            seg.linkLeased(victim);
            RouteSegment.stamp(victim, lessee.requester, lessee.future != null, now, lessee.leaseSite);
            seg.leased++;
            seg.reused++;
        } finally {
            seg.lock.unlock();
        }
        freeRouteUnit(seg, from);
    }

    /** A RETRY grant that its waiter could not use goes to the next route waiter, if the route has room. */
    void passRetry(RouteSegment<R, C> seg) {
        LeaseAttempt<R, C> retry;
        seg.lock.lock();
        try {
            retry = retryOneLocked(seg);
        } finally {
            seg.lock.unlock();
        }
        if (retry != null) {
            retry.wake();
        }
    }

    /**
     * Gives back one pool unit, or passes it to the oldest capacity waiter. Pairs with
     * waitForCapacity: we decrement totalAllocated then read capacityWaiterCount; a waiter raises
     * capacityWaiterCount then reads totalAllocated; with volatiles one of us sees the other.
     */
    void releaseGlobalUnit() {
        if (capacityWaiterCount == 0) {
            totalAllocated.decrementAndGet();
            if (capacityWaiterCount == 0 || !reserveGlobal()) {
                return;
            }
        }
        for (;;) { // we hold one pool unit
            if (!closed && totalAllocated.get() <= maxTotal) {
                LeaseAttempt<R, C> w = grantCapacityWaiter(LeaseAttempt.PERMIT, null, null, false, null, null);
                if (w != null) {
                    w.wake();
                    return;
                }
            }
            totalAllocated.decrementAndGet();
            if (capacityWaiterCount == 0 || closed || !reserveGlobal()) {
                return;
            }
        }
    }

    /**
     * Idle entries exist while capacity waiters wait: evict for them, oldest waiter first. A victim
     * nobody took goes back and the count is read again, so a waiter that enqueued meanwhile (and
     * found nothing idle, the victim being detached) is not left parked.
     */
    private void serveCapacityFromIdle() {
        while (capacityWaiterCount != 0 && !closed) {
            PoolEntry<R, C> victim = evictGlobalLru(false);
            if (victim == null) {
                return;
            }
            LeaseAttempt<R, C> w = grantCapacityWaiter(LeaseAttempt.PERMIT, null, victim, true, null, null);
            if (w == null) {
                restoreIdle(victim, false);
            } else {
                w.wake();
            }
        }
    }

    // ================================================================== capacity queue

    boolean enqueueCapacityWaiter(LeaseAttempt<R, C> w, Object jfrWaitEvent) {
        capacityLock.lock();
        try {
            if (closed) {
                return false;
            }
            w.status = LeaseAttempt.WAITING;
            w.beginWaiting(jfrWaitEvent);
            w.queued = true;
            w.qprev = capTail;
            w.qnext = null;
            if (capTail != null) {
                capTail.qnext = w;
            } else {
                capHead = w;
            }
            capTail = w;
            capacityWaiterCount++;
            return true;
        } finally {
            capacityLock.unlock();
        }
    }

    void removeCapacityWaiter(LeaseAttempt<R, C> w) {
        capacityLock.lock();
        try {
            unlinkCapacityLocked(w);
        } finally {
            capacityLock.unlock();
        }
    }

    private void unlinkCapacityLocked(LeaseAttempt<R, C> w) {
        if (!w.queued) {
            return;
        }
        if (w.qprev != null) {
            w.qprev.qnext = w.qnext;
        } else {
            capHead = w.qnext;
        }
        if (w.qnext != null) {
            w.qnext.qprev = w.qprev;
        } else {
            capTail = w.qprev;
        }
        w.qprev = null;
        w.qnext = null;
        w.queued = false;
        capacityWaiterCount--;
    }

    /**
     * Grants the oldest waiting capacity waiter (of {@code onlySeg} whose state can use
     * {@code entryState}, when {@code onlySeg} is given), unlinking it in the same critical section.
     */
    private LeaseAttempt<R, C> grantCapacityWaiter(int kind, PoolEntry<R, C> entry, PoolEntry<R, C> victim,
            boolean victimOwnsRouteUnit, RouteSegment<R, C> onlySeg, Object entryState) {
        capacityLock.lock();
        try {
            LeaseAttempt<R, C> w = capHead;
            while (w != null) {
                LeaseAttempt<R, C> next = w.qnext;
                if (!w.isWaiting()) {
                    unlinkCapacityLocked(w); // abandoned; its owner's withdraw finds it unlinked
                } else if (onlySeg == null || (w.segment == onlySeg && canUse(w.state, entryState))) {
                    unlinkCapacityLocked(w);
                    if (w.grant(kind, entry, victim, victimOwnsRouteUnit)) {
                        return w;
                    }
                }
                w = next;
            }
            return null;
        } finally {
            capacityLock.unlock();
        }
    }

    // ================================================================== limits

    @Override
    public int getMaxTotal() {
        return maxTotal;
    }

    @Override
    public void setMaxTotal(int max) {
        positive(max, "maxTotal");
        int old = maxTotal;
        maxTotal = max;
        if (max < old) {
            // surplus idle connections go now, least recently released first
            while (totalAllocated.get() > maxTotal) {
                PoolEntry<R, C> victim = evictGlobalLru(true);
                if (victim == null) {
                    break;
                }
                closeConnection(victim, CloseMode.GRACEFUL);
                freeUnit(victim.segment, victim, RouteUnit.DETACHED);
            }
        } else if (max > old) {
            while (capacityWaiterCount != 0 && !closed && reserveGlobal()) {
                LeaseAttempt<R, C> w = grantCapacityWaiter(LeaseAttempt.PERMIT, null, null, false, null, null);
                if (w == null) {
                    releaseGlobalUnit();
                    break;
                }
                w.wake();
            }
        }
    }

    @Override
    public int getDefaultMaxPerRoute() {
        return defaultMaxPerRoute;
    }

    @Override
    public void setDefaultMaxPerRoute(int max) {
        positive(max, "defaultMaxPerRoute");
        defaultMaxPerRoute = max;
        for (RouteSegment<R, C> seg : segments.values()) {
            if (seg.maxOverride < 0) {
                applyRouteLimit(seg);
            }
        }
    }

    @Override
    public int getMaxPerRoute(R route) {
        requireRoute(route);
        Integer own = maxOverrides.get(route);
        return own != null ? own : defaultMaxPerRoute;
    }

    @Override
    public void setMaxPerRoute(R route, int max) {
        requireRoute(route);
        if (max < 0) {
            throw new IllegalArgumentException("maxPerRoute must be >= 0 (0 blocks the route), was " + max
                    + "; use clearMaxPerRoute to go back to the default");
        }
        maxOverrides.put(route, max);
        setOverride(route, max);
    }

    @Override
    public void clearMaxPerRoute(R route) {
        requireRoute(route);
        maxOverrides.remove(route);
        setOverride(route, -1);
    }

    private void setOverride(R route, int override) {
        // computeIfPresent serializes with the computeIfAbsent that creates the segment
        RouteSegment<R, C> seg = segments.computeIfPresent(route, (r, s) -> {
            s.maxOverride = override;
            return s;
        });
        if (seg != null) {
            applyRouteLimit(seg);
        }
    }

    /** Closes the route's surplus idle entries, or lets waiters retry if the limit went up. */
    private void applyRouteLimit(RouteSegment<R, C> seg) {
        List<PoolEntry<R, C>> surplus;
        List<LeaseAttempt<R, C>> retries = new ArrayList<>();
        seg.lock.lock();
        try {
            int max = maxOf(seg);
            surplus = detachSurplusLocked(seg, max);
            int room = max - seg.allocated;
            LeaseAttempt<R, C> w;
            while (room > 0 && (w = oldestRouteWaiterLocked(seg)) != null) {
                if (w.grant(LeaseAttempt.RETRY, null, null, false)) {
                    retries.add(w);
                    room--;
                }
            }
        } finally {
            seg.lock.unlock();
        }
        closeSurplus(seg, surplus);
        for (LeaseAttempt<R, C> w : retries) {
            w.wake();
        }
    }

    /** Under seg.lock: detaches least recently released idle entries while the route is over {@code max}. */
    List<PoolEntry<R, C>> detachSurplusLocked(RouteSegment<R, C> seg, int max) {
        List<PoolEntry<R, C>> surplus = null;
        for (int excess = seg.allocated - max; excess > 0 && seg.idle > 0; excess--) {
            if (surplus == null) {
                surplus = new ArrayList<>();
            }
            surplus.add(seg.detachIdleTail());
        }
        return surplus == null ? Collections.emptyList() : surplus;
    }

    void closeSurplus(RouteSegment<R, C> seg, List<PoolEntry<R, C>> surplus) {
        for (PoolEntry<R, C> e : surplus) {
            closeConnection(e, CloseMode.GRACEFUL);
            freeUnit(seg, e, RouteUnit.DETACHED);
        }
    }

    @Override
    public void setValidateAfterInactivity(long time, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        validateAfterInactivityNanos = time <= 0 ? 0 : saturatedNanos(time, unit);
    }

    @Override
    public long getValidateAfterInactivity(TimeUnit unit) {
        return unit.convert(validateAfterInactivityNanos, TimeUnit.NANOSECONDS);
    }

    // ================================================================== stats and enumeration

    @Override
    public PoolStats getTotalStats() {
        int leased = 0;
        int pending = 0;
        int available = 0;
        for (RouteSegment<R, C> seg : segments.values()) {
            seg.lock.lock();
            try {
                leased += seg.leased;
                pending += seg.routeWaiters + seg.capacityWaiters;
                available += seg.idle + seg.probing;
            } finally {
                seg.lock.unlock();
            }
        }
        return new PoolStats(leased, pending, available, maxTotal);
    }

    @Override
    public PoolStats getStats(R route) {
        requireRoute(route);
        for (;;) {
            RouteSegment<R, C> seg = segmentFor(route);
            seg.lock.lock();
            try {
                if (!seg.retired) {
                    return seg.stats(defaultMaxPerRoute);
                }
            } finally {
                seg.lock.unlock();
            }
        }
    }

    @Override
    public Set<R> getRoutes() {
        return new LinkedHashSet<>(segments.keySet());
    }

    @Override
    public List<PoolEntry<R, C>> availableEntries() {
        List<PoolEntry<R, C>> out = new ArrayList<>();
        for (RouteSegment<R, C> seg : segments.values()) {
            seg.lock.lock();
            try {
                for (PoolEntry<R, C> e = seg.idleHead; e != null; e = e.next) {
                    out.add(e);
                }
            } finally {
                seg.lock.unlock();
            }
        }
        return out;
    }

    @Override
    public List<PoolEntry<R, C>> leasedEntries() {
        List<PoolEntry<R, C>> out = new ArrayList<>();
        for (RouteSegment<R, C> seg : segments.values()) {
            seg.lock.lock();
            try {
                for (PoolEntry<R, C> e = seg.leasedHead; e != null; e = e.next) {
                    out.add(e);
                }
            } finally {
                seg.lock.unlock();
            }
        }
        return out;
    }

    // ================================================================== sweeps

    @Override
    public void closeIdle(long idleTime, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        long idleNanos = idleTime <= 0 ? 0 : saturatedNanos(idleTime, unit);
        long now = clock.nanoTime();
        sweep(e -> now - e.updated >= idleNanos);
    }

    @Override
    public void closeExpired() {
        long now = clock.nanoTime();
        sweep(e -> now >= e.expiry);
    }

    /**
     * Closes the idle entries {@code doomed} selects and, as HttpCore's enumAvailable does, idle
     * entries whose connection the factory reports closed. isOpen is asked outside the lock, on a
     * snapshot; an entry leased meanwhile is left to its lessee's checks.
     */
    private void sweep(java.util.function.Predicate<PoolEntry<R, C>> doomed) {
        for (RouteSegment<R, C> seg : segments.values()) {
            List<PoolEntry<R, C>> victims = new ArrayList<>();
            List<PoolEntry<R, C>> others = new ArrayList<>();
            seg.lock.lock();
            try {
                PoolEntry<R, C> e = seg.idleTail;
                while (e != null) {
                    PoolEntry<R, C> prev = e.prev;
                    if (doomed.test(e)) {
                        seg.unlinkIdle(e);
                        e.placement = PoolEntry.DETACHED;
                        victims.add(e);
                    } else {
                        others.add(e);
                    }
                    e = prev;
                }
            } finally {
                seg.lock.unlock();
            }
            List<PoolEntry<R, C>> dead = new ArrayList<>();
            try {
                for (PoolEntry<R, C> e : others) {
                    if (!isOpenSafely(e)) {
                        dead.add(e);
                    }
                }
            } finally { // the detached victims are closed and their units freed, whatever happened above
                if (!dead.isEmpty()) {
                    seg.lock.lock();
                    try {
                        for (PoolEntry<R, C> e : dead) {
                            if (e.placement == PoolEntry.IDLE) {
                                seg.unlinkIdle(e);
                                e.placement = PoolEntry.DETACHED;
                                victims.add(e);
                            }
                        }
                    } finally {
                        seg.lock.unlock();
                    }
                }
                closeSurplus(seg, victims);
            }
        }
        purgeEmptySegments();
    }

    private void purgeEmptySegments() {
        synchronized (retiredReused) { // taken before any segment lock, as getCounters does
            purgeEmptySegmentsLocked();
        }
    }

    private void purgeEmptySegmentsLocked() {
        for (RouteSegment<R, C> seg : segments.values()) {
            seg.lock.lock();
            try {
                if (!seg.retired && seg.isEmpty()) {
                    seg.retired = true;
                    retiredReused.addAndGet(seg.reused);
                    segments.remove(seg.route, seg);
                }
            } finally {
                seg.lock.unlock();
            }
        }
    }

    // ================================================================== diagnostics

    /**
     * Builds (and reports at once) the self-deadlock of {@code a}: its thread must wait for connections that
     * are all leased by itself. The caller throws the returned exception only with failOnSelfDeadlock.
     */
    SelfDeadlockException selfDeadlock(LeaseAttempt<R, C> a, R route, int limit, String limitName, List<LeaseInfo<R>> own) {
        diagnostics.selfDeadlocks.incrementAndGet();
        a.selfDeadlockLimit = limitName + " " + limit;
        String waitText = failOnSelfDeadlock
                ? "Failing at once instead of waiting (failOnSelfDeadlock)."
                : a.timeoutNanos == Long.MAX_VALUE
                        ? "It waits without a timeout: unless another thread releases one of them, it waits forever."
                        : "It waits up to " + TimeUnit.NANOSECONDS.toMillis(a.timeoutNanos)
                                + " ms; unless another thread releases one of them, that wait ends in a timeout.";
        String message = "Self-deadlock: thread \"" + a.requester.getName() + "\" asks for a connection to route "
                + Diagnostics.safeString(route) + ", but all " + own.size() + " connection(s) it could get (" + limitName
                + " " + limit + ") are leased by this same thread. " + waitText
                + " Its leases, oldest first:" + Diagnostics.describeLeases(own)
                + "\nRemedy: " + diagnostics.remedy(Diagnostic.Kind.SELF_DEADLOCK);
        Throwable here = new LeaseSite("Thread \"" + a.requester.getName() + "\" asked for the connection here");
        // when failing, the exception carries the message to the caller: the listener hears of it, the log does not
        diagnostics.report(new Diagnostic<>(Diagnostic.Kind.SELF_DEADLOCK, route, message, own, a.requester.getName()),
                here, !failOnSelfDeadlock);
        return new SelfDeadlockException(message);
    }

    /**
     * The leases of {@code thread} if they are at least maxTotal (so that no other thread can get a connection
     * until it releases one), else null. Stops at the first lease of another thread.
     */
    List<LeaseInfo<R>> heldOnlyByInPool(Thread thread) {
        long now = clock.nanoTime(); // reports read the clock: the coarse one may lag the lease times it is compared with
        List<LeaseInfo<R>> mine = new ArrayList<>();
        for (RouteSegment<R, C> seg : segments.values()) {
            if (seg.leased == 0) { // racy hint; soundness rests on counting at least maxTotal leases of ours below
                continue;
            }
            seg.lock.lock();
            try {
                if (seg.heldOnlyBy(thread) < 0) {
                    return null;
                }
                mine.addAll(seg.leaseSnapshot(now));
            } finally {
                seg.lock.unlock();
            }
        }
        if (mine.isEmpty() || mine.size() < maxTotal) {
            return null;
        }
        mine.sort((x, y) -> Long.compare(y.ageNanos(), x.ageNanos()));
        return mine;
    }

    /** The holder of a reclaimed lease released it: ignored, with a warning. */
    private void lateRelease(PoolEntry<R, C> entry, long now) {
        LeaseInfo<R> info = new LeaseInfo<>(entry.route(), entry.id(), entry.state(), Thread.currentThread().getName(),
                Thread.currentThread().getId(), Thread.currentThread().getState(), Math.max(0, now - entry.leasedAt), null,
                entry.asyncLease);
        String message = "Late release ignored: thread \"" + info.holder() + "\" released connection " + entry.id()
                + " of route " + Diagnostics.safeString(entry.route()) + ", leased " + LeaseInfo.seconds(info.ageNanos())
                + " ago, which maintenance had already reclaimed as abandoned (reclaimAbandonedAfter "
                + LeaseInfo.seconds(reclaimAfterNanos) + "): the connection was closed and its capacity given to others."
                + " Release leases sooner, or raise reclaimAbandonedAfter.";
        diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LATE_RELEASE, entry.route(), message, List.of(info), info.holder()), null);
    }

    @Override
    public void maintain() {
        maintain(clock.nanoTime());
    }

    /**
     * One maintenance pass at {@code now}: per route, closes idle entries that expired or idled longer than
     * maxIdle, drops idle entries the factory reports closed or the idle probe rejects, reclaims abandoned
     * leases, and reports leaks and stuck waiters; then the capacity queue's stuck waiters. Locks one segment
     * at a time and does all I/O and reporting outside the locks.
     */
    void maintain(long now) {
        coarse.now = now;
        List<PoolEntry<R, C>> probes = new ArrayList<>(0);
        for (RouteSegment<R, C> seg : segments.values()) {
            maintainRoute(seg, now, probes);
        }
        probeIdle(probes, now);
        reportStuckCapacityWaiters(now);
        purgeEmptySegments();
    }

    /**
     * How old a lease is taken to be for leak reports and reclaiming. With the coarse clock its leasedAt may
     * be early by as long as the clock went unrefreshed (a maintenance thread stalled by a slow close, probe or
     * log appender), so the age is also capped by how long maintenance has itself seen the lease, plus one
     * interval; a live lease is then never reclaimed early, whatever the stall.
     */
    private long judgedAge(PoolEntry<R, C> e, long now) {
        long age = now - e.leasedAt;
        if (coarseLeaseClock && e.firstSeenLeased != UNSET) {
            age = Math.min(age, saturatedAdd(now - e.firstSeenLeased, maintenanceIntervalNanos));
        }
        return age;
    }

    private void maintainRoute(RouteSegment<R, C> seg, long now, List<PoolEntry<R, C>> probes) {
        List<PoolEntry<R, C>> doomed = new ArrayList<>(0);
        List<PoolEntry<R, C>> others = new ArrayList<>(0);
        List<PoolEntry<R, C>> reclaim = new ArrayList<>(0);
        List<LeaseInfo<R>> reclaimInfo = new ArrayList<>(0);
        List<LeaseInfo<R>> leaks = new ArrayList<>(0);
        List<String> stuckThreads = new ArrayList<>(0);
        List<Long> stuckFor = new ArrayList<>(0);
        List<LeaseInfo<R>> routeLeases = null;
        PoolStats stats;
        seg.lock.lock();
        try {
            if (seg.retired) {
                return;
            }
            for (PoolEntry<R, C> e = seg.idleTail, prev; e != null; e = prev) {
                prev = e.prev;
                if (now >= e.expiry || (maxIdleNanos > 0 && now - e.updated >= maxIdleNanos)) {
                    seg.unlinkIdle(e);
                    e.placement = PoolEntry.DETACHED;
                    doomed.add(e);
                } else {
                    others.add(e);
                }
            }
            for (PoolEntry<R, C> e = seg.leasedHead, next; e != null; e = next) {
                next = e.next;
                if (e.placement != PoolEntry.LEASED || e.closedByPool) {
                    continue;
                }
                if (coarseLeaseClock && e.firstSeenLeased == UNSET) {
                    e.firstSeenLeased = now;
                }
                long age = judgedAge(e, now);
                if (reclaimAfterNanos > 0 && age >= reclaimAfterNanos) {
                    reclaimInfo.add(seg.info(e, now));
                    seg.unlinkLeased(e);
                    e.placement = PoolEntry.DETACHED; // still counted in leased until freeUnit
                    e.reclaimed = true;
                    reclaim.add(e);
                } else if (leakThresholdNanos > 0 && age >= leakThresholdNanos && !e.leakReported) {
                    e.leakReported = true;
                    leaks.add(seg.info(e, now));
                }
            }
            if (stuckWaiterNanos > 0 && seg.routeWaiters > 0) {
                for (LeaseAttempt<R, C> w = seg.waitHead; w != null; w = w.qnext) {
                    if (w.isWaiting() && !w.stuckReported && w.waitStartNanos != UNSET
                            && now - w.waitStartNanos >= stuckWaiterNanos) {
                        w.stuckReported = true;
                        stuckThreads.add(w.requester.getName());
                        stuckFor.add(now - w.waitStartNanos);
                    }
                }
                if (!stuckThreads.isEmpty()) {
                    routeLeases = seg.leaseSnapshot(now);
                }
            }
            stats = seg.stats(defaultMaxPerRoute);
        } finally {
            seg.lock.unlock();
        }
        closeSurplus(seg, doomed);
        for (int i = 0; i < reclaim.size(); i++) {
            PoolEntry<R, C> e = reclaim.get(i);
            closeConnection(e, CloseMode.IMMEDIATE); // its holder abandoned it; any I/O it still does fails
            freeUnit(seg, e, RouteUnit.LEASED);
            diagnostics.reclaimed.incrementAndGet();
            LeaseInfo<R> info = reclaimInfo.get(i);
            diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LEASE_RECLAIMED, seg.route,
                    "Abandoned lease reclaimed: " + info + " on route " + Diagnostics.safeString(seg.route)
                            + " was held longer than reclaimAbandonedAfter (" + LeaseInfo.seconds(reclaimAfterNanos)
                            + "). Its connection was closed and its capacity freed; a later release by that thread is ignored. "
                            + diagnostics.remedy(Diagnostic.Kind.LEAK_SUSPECTED),
                    List.of(info), info.holder()), info.leaseSite());
        }
        for (LeaseInfo<R> info : leaks) {
            diagnostics.leaks.incrementAndGet();
            diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LEAK_SUSPECTED, seg.route,
                    "Connection leak suspected: " + info + " on route " + Diagnostics.safeString(seg.route)
                            + ", longer than the leak threshold (" + LeaseInfo.seconds(leakThresholdNanos)
                            + "), and not released. Reported once per lease."
                            + (info.leaseSite() != null ? " Where it was leased is attached below." : "")
                            + "\nRemedy: " + diagnostics.remedy(Diagnostic.Kind.LEAK_SUSPECTED),
                    List.of(info), info.holder()), info.leaseSite());
        }
        for (int i = 0; i < stuckThreads.size(); i++) {
            String message = "Stuck waiting for a connection to route " + Diagnostics.safeString(seg.route) + ": thread \""
                    + stuckThreads.get(i) + "\" has waited " + LeaseInfo.seconds(stuckFor.get(i))
                    + " (stuck waiter threshold " + LeaseInfo.seconds(stuckWaiterNanos) + ") for the route's limit."
                    + " The route has maxPerRoute " + stats.max() + " (leased " + stats.leased() + ", available "
                    + stats.available() + ", pending " + stats.pending() + "); its leases, oldest first:"
                    + (routeLeases.isEmpty() ? " none" : Diagnostics.describeLeases(routeLeases))
                    + "\nRemedy: " + diagnostics.remedy(Diagnostic.Kind.WAITER_STUCK);
            diagnostics.report(new Diagnostic<>(Diagnostic.Kind.WAITER_STUCK, seg.route, message, routeLeases, stuckThreads.get(i)), null);
        }
        if (!others.isEmpty()) {
            dropClosedIdle(seg, others, now, probes);
        }
    }

    /**
     * Closes idle entries the factory reports closed; collects, for the probe, those idle for at least one
     * maintenance interval (at most 250 ms).
     */
    private void dropClosedIdle(RouteSegment<R, C> seg, List<PoolEntry<R, C>> candidates, long now,
            List<PoolEntry<R, C>> probes) {
        // not the connections released moments ago (likely to be leased again at once), but every other one, so
        // that a server's close is found at the next pass: within one interval
        long probeAfter = probeAfterNanos();
        for (PoolEntry<R, C> e : candidates) {
            if (isOpenSafely(e)) {
                if (idleProbe != null && now - e.updated >= probeAfter) { // racy read of updated; re-checked when probed
                    probes.add(e);
                }
                continue;
            }
            seg.lock.lock();
            try {
                if (e.placement != PoolEntry.IDLE) {
                    continue; // leased meanwhile: its lessee checks it
                }
                seg.unlinkIdle(e);
                e.placement = PoolEntry.DETACHED;
            } finally {
                seg.lock.unlock();
            }
            closeConnection(e, CloseMode.GRACEFUL);
            freeUnit(seg, e, RouteUnit.DETACHED);
        }
    }

    private long probeAfterNanos() {
        return Math.max(1, Math.min(maintenanceIntervalNanos, PROBE_MIN_IDLE_NANOS));
    }

    /**
     * Runs the idle probe on the collected entries, least recently probed first, within a time budget of a
     * quarter of the interval (a probe of a healthy HttpClient connection waits its 1 ms read timeout): with more
     * idle connections than fit, the probes rotate over the passes. A probed entry is taken out of the idle list
     * while it is probed (so that no lease can use the connection under the probe; the route still counts it as
     * available) and then put back at its place, or closed.
     */
    private void probeIdle(List<PoolEntry<R, C>> probes, long now) {
        if (probes.isEmpty()) {
            return;
        }
        // least recently probed first, by a snapshot of lastProbed (another maintain() may be writing it, and a
        // comparator over changing keys can break the sort's contract)
        long[] keys = new long[probes.size()];
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = probes.get(i).lastProbed;
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Long.compare(keys[x], keys[y]));
        List<PoolEntry<R, C>> sorted = new ArrayList<>(keys.length);
        for (Integer i : order) {
            sorted.add(probes.get(i));
        }
        probes = sorted;
        long budget = maintenanceIntervalNanos > 0 ? maintenanceIntervalNanos / 4 : Long.MAX_VALUE;
        long started = clock.nanoTime();
        long probeAfter = probeAfterNanos();
        for (PoolEntry<R, C> e : probes) {
            if (clock.nanoTime() - started >= budget || closed) {
                return;
            }
            RouteSegment<R, C> seg = e.segment;
            seg.lock.lock();
            try {
                if (e.placement != PoolEntry.IDLE || now - e.updated < probeAfter) {
                    continue; // leased, or released again, meanwhile
                }
                if (seg.routeWaiters > 0 || capacityWaiterCount != 0) {
                    continue; // leases are waiting: do not take a connection away from them for a probe
                }
                seg.unlinkIdle(e);
                e.placement = PoolEntry.DETACHED;
                e.lastProbed = now;
                seg.probing++;
            } finally {
                seg.lock.unlock();
            }
            boolean keep = false;
            try {
                keep = idleProbe.isValid(e.connection());
            } catch (RuntimeException | Error ex) {
                rethrowIfVmError(ex);
                Diagnostics.LOG.log(Level.DEBUG, "Idle probe failed on " + e + "; closing it", ex);
            } finally {
                returnProbed(seg, e, keep);
            }
        }
    }

    /** A probed entry goes back (through the same placement as a release: a waiter first) or is closed. */
    private void returnProbed(RouteSegment<R, C> seg, PoolEntry<R, C> e, boolean keep) {
        Object outcome = CLOSE;
        seg.lock.lock();
        try {
            seg.probing--;
            if (keep) {
                outcome = placeLocked(seg, e, true);
            }
        } finally {
            seg.lock.unlock();
        }
        finishPlacement(seg, e, outcome, true);
    }

    static void rethrowIfVmError(Throwable t) {
        if (t instanceof VirtualMachineError) {
            throw (VirtualMachineError) t;
        }
    }

    private void reportStuckCapacityWaiters(long now) {
        if (stuckWaiterNanos <= 0 || capacityWaiterCount == 0) {
            return;
        }
        // snapshot under the lock: once unlinked, a node's fields are reset by its owner
        List<R> routes = new ArrayList<>();
        List<String> threads = new ArrayList<>();
        List<Long> waited = new ArrayList<>();
        capacityLock.lock();
        try {
            for (LeaseAttempt<R, C> w = capHead; w != null; w = w.qnext) {
                if (w.isWaiting() && !w.stuckReported && w.waitStartNanos != UNSET && now - w.waitStartNanos >= stuckWaiterNanos) {
                    w.stuckReported = true;
                    routes.add(w.route);
                    threads.add(w.requester.getName());
                    waited.add(now - w.waitStartNanos);
                }
            }
        } finally {
            capacityLock.unlock();
        }
        if (routes.isEmpty()) {
            return;
        }
        List<LeaseInfo<R>> all = leases();
        PoolStats t = getTotalStats();
        for (int i = 0; i < routes.size(); i++) {
            String message = "Stuck waiting for a connection to route " + Diagnostics.safeString(routes.get(i)) + ": thread \""
                    + threads.get(i) + "\" has waited " + LeaseInfo.seconds(waited.get(i))
                    + " for the pool to have room (stuck waiter threshold " + LeaseInfo.seconds(stuckWaiterNanos)
                    + "). The pool has maxTotal " + t.max() + " (leased " + t.leased() + ", available " + t.available()
                    + ", pending " + t.pending() + "); its leases, oldest first:"
                    + (all.isEmpty() ? " none" : Diagnostics.describeLeases(all.subList(0, Math.min(20, all.size()))))
                    + (all.size() > 20 ? "\n    ... and " + (all.size() - 20) + " more" : "")
                    + "\nRemedy: " + diagnostics.remedy(Diagnostic.Kind.WAITER_STUCK);
            diagnostics.report(new Diagnostic<>(Diagnostic.Kind.WAITER_STUCK, routes.get(i), message, all, threads.get(i)), null);
        }
    }

    @Override
    public List<LeaseInfo<R>> leases() {
        long now = clock.nanoTime();
        List<LeaseInfo<R>> out = new ArrayList<>();
        for (RouteSegment<R, C> seg : segments.values()) {
            seg.lock.lock();
            try {
                out.addAll(seg.leaseSnapshot(now));
            } finally {
                seg.lock.unlock();
            }
        }
        out.sort((x, y) -> Long.compare(y.ageNanos(), x.ageNanos()));
        return out;
    }

    @Override
    public PoolCounters getCounters() {
        long reused = 0;
        synchronized (retiredReused) { // no segment retires while we sum: each reuse is counted once
            for (RouteSegment<R, C> seg : segments.values()) {
                seg.lock.lock();
                try {
                    if (!seg.retired) {
                        reused += seg.reused;
                    }
                } finally {
                    seg.lock.unlock();
                }
            }
            reused += retiredReused.get();
        }
        Diagnostics<R> d = diagnostics;
        return new PoolCounters(d.created.get(), d.closed.get(), reused, d.waited.get(), d.timedOut.get(),
                d.leaks.get(), d.reclaimed.get(), d.stateMismatches.get(), d.selfDeadlocks.get());
    }

    @Override
    public long getStateMismatches(R route) {
        requireRoute(route);
        return diagnostics.stateMismatches(route);
    }

    // ================================================================== close

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    @Override
    public void close(CloseMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        Maintenance.Task task = maintenanceTask;
        if (task != null) {
            task.cancel();
        }
        List<LeaseAttempt<R, C>> failed = new ArrayList<>();
        for (RouteSegment<R, C> seg : segments.values()) {
            List<PoolEntry<R, C>> idle = new ArrayList<>();
            List<PoolEntry<R, C>> leased = new ArrayList<>();
            seg.lock.lock();
            try {
                PoolEntry<R, C> e;
                while ((e = seg.detachIdleTail()) != null) {
                    idle.add(e);
                }
                for (LeaseAttempt<R, C> w : seg.drainWaiters()) {
                    if (w.grant(LeaseAttempt.FAILED, null, null, false)) {
                        failed.add(w);
                    }
                }
                if (mode == CloseMode.IMMEDIATE) {
                    for (e = seg.leasedHead; e != null; e = e.next) {
                        if (!e.closedByPool) {
                            e.closedByPool = true;
                            leased.add(e);
                        }
                    }
                }
            } finally {
                seg.lock.unlock();
            }
            for (PoolEntry<R, C> e : idle) {
                closeConnection(e, CloseMode.GRACEFUL); // idle connections are closed politely in either mode
                freeUnit(seg, e, RouteUnit.DETACHED);
            }
            for (PoolEntry<R, C> e : leased) {
                closeConnection(e, CloseMode.IMMEDIATE);
            }
        }
        LeaseAttempt<R, C> w;
        while ((w = grantCapacityWaiter(LeaseAttempt.FAILED, null, null, false, null, null)) != null) {
            failed.add(w);
        }
        for (LeaseAttempt<R, C> f : failed) {
            f.wake();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    PoolClosedException closedException() {
        return new PoolClosedException("Connection pool is closed: it refuses new leases and closes connections as they come back");
    }

    private void closeConnection(PoolEntry<R, C> e, CloseMode mode) {
        try {
            factory.close(e.connection(), mode);
        } catch (Throwable ex) { // every caller frees the connection's units next: nothing may stop it
            try {
                LOG.log(Level.WARNING, "Closing connection " + e + " failed", ex);
            } catch (Throwable ignored) {
                // the logger failed too; the units are freed all the same
            }
        }
        diagnostics.connectionClosed(e.route(), e.id());
    }

    // ================================================================== messages and helpers

    /**
     * The exception of a lease that timed out, with a message that explains itself: the route's and the pool's
     * limits and counts, the oldest lease and its holder, and whether a self-deadlock, a leak or a state
     * mismatch is suspected, with the remedy.
     */
    TimeoutException timeout(LeaseAttempt<R, C> a) {
        R route = a.route;
        diagnostics.timedOut.incrementAndGet();
        if (a.timeoutNanos == 0) {
            // a lease that asked not to wait (polling): the counts only, no scan of every route's leases
            PoolStats r = getStats(route);
            PoolStats t = getTotalStats();
            return new TimeoutException("Timeout waiting for connection from pool (no wait was asked for): route "
                    + Diagnostics.safeString(route) + " has maxPerRoute " + r.max() + " (leased " + r.leased()
                    + ", available " + r.available() + ", pending " + r.pending() + "); pool has maxTotal " + t.max()
                    + " (leased " + t.leased() + ", available " + t.available() + ", pending " + t.pending() + ")");
        }
        long now = clock.nanoTime();
        RouteSegment<R, C> seg = segments.get(route);
        PoolStats r = null;
        LeaseInfo<R> oldest = null;
        int mine = -1;
        int otherState = 0;
        if (seg != null) {
            seg.lock.lock();
            try {
                if (!seg.retired) {
                    r = seg.stats(defaultMaxPerRoute);
                    oldest = seg.oldestLease(now);
                    mine = a.future == null ? seg.heldOnlyBy(a.requester) : -1;
                    otherState = seg.idleUnusableBy(a.state);
                }
            } finally {
                seg.lock.unlock();
            }
        }
        if (r == null) {
            r = new PoolStats(0, 0, 0, getMaxPerRoute(route));
        }
        boolean oldestOfRoute = oldest != null;
        if (oldest == null) {
            oldest = oldestLeaseInPool(now);
        }
        PoolStats t = getTotalStats();
        StringBuilder m = new StringBuilder("Timeout waiting for connection from pool after ")
                .append(TimeUnit.NANOSECONDS.toMillis(a.timeoutNanos)).append(" ms: route ").append(Diagnostics.safeString(route))
                .append(" has maxPerRoute ").append(r.max()).append(" (leased ").append(r.leased())
                .append(", available ").append(r.available()).append(", pending ").append(r.pending())
                .append("); pool has maxTotal ").append(t.max()).append(" (leased ").append(t.leased())
                .append(", available ").append(t.available()).append(", pending ").append(t.pending()).append("). ");
        if (oldest != null) {
            m.append(oldestOfRoute ? "Oldest lease of the route: " : "The route has no lease; oldest lease in the pool: ")
                    .append(oldest).append(". ");
        }
        int suspects = 0;
        if (mine > 0 && mine >= r.max()) {
            suspects++;
            m.append("Self-deadlock suspected: all ").append(mine).append(" connections of the route (maxPerRoute ")
                    .append(r.max()).append(") are leased by this thread (\"").append(a.requester.getName())
                    .append("\"), which was waiting for one of them. ")
                    .append(diagnostics.remedy(Diagnostic.Kind.SELF_DEADLOCK)).append(' ');
        } else if (a.selfDeadlockLimit != null) {
            suspects++;
            m.append("Self-deadlock suspected: when this lease began to wait, all the connections it could get (")
                    .append(a.selfDeadlockLimit).append(") were leased by this thread (\"").append(a.requester.getName())
                    .append("\"). ").append(diagnostics.remedy(Diagnostic.Kind.SELF_DEADLOCK)).append(' ');
        }
        boolean endedHolder = oldest != null && oldest.holderState() == Thread.State.TERMINATED && !oldest.async();
        if (oldest != null && ((leakThresholdNanos > 0 && oldest.ageNanos() >= leakThresholdNanos) || endedHolder)) {
            suspects++;
            m.append("Leak suspected: the oldest lease ").append(endedHolder
                    ? "belongs to a thread that has ended (unless another thread releases it on that one's behalf, nobody will)"
                    : "is older than the leak threshold (" + LeaseInfo.seconds(leakThresholdNanos) + ")")
                    .append(". ").append(diagnostics.remedy(Diagnostic.Kind.LEAK_SUSPECTED)).append(' ');
        }
        if (otherState > 0) {
            suspects++;
            m.append("State mismatch suspected: ").append(otherState)
                    .append(" idle connection(s) of the route carry a state other than the requested ")
                    .append(Diagnostics.safeString(a.state)).append(" (leases affected so far: ")
                    .append(diagnostics.stateMismatches(route)).append("). ")
                    .append(diagnostics.remedy(Diagnostic.Kind.STATE_MISMATCH)).append(' ');
        }
        if (suspects == 0) {
            m.append("No leak, self-deadlock or state mismatch suspected: the connections were busy for the whole wait;"
                    + " raise maxPerRoute/maxTotal, or hold each connection for less time.");
        }
        String message = m.toString().trim();
        diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LEASE_TIMEOUT, route, message,
                oldest == null ? List.of() : List.of(oldest), a.requester.getName()), null);
        return new TimeoutException(message);
    }

    private LeaseInfo<R> oldestLeaseInPool(long now) {
        LeaseInfo<R> oldest = null;
        for (RouteSegment<R, C> seg : segments.values()) {
            if (seg.leased == 0) { // racy hint: a route without leases needs no lock
                continue;
            }
            seg.lock.lock();
            try {
                LeaseInfo<R> o = seg.oldestLease(now);
                if (o != null && (oldest == null || o.ageNanos() > oldest.ageNanos())) {
                    oldest = o;
                }
            } finally {
                seg.lock.unlock();
            }
        }
        return oldest;
    }

    /** HttpCore's matching rule: a null-state entry serves anyone; otherwise only an equal requested state. */
    static boolean canUse(Object requested, Object entryState) {
        return entryState == null || (requested != null && requested.equals(entryState));
    }

    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    private static void requireRoute(Object route) {
        if (route == null) {
            throw new IllegalArgumentException("route must not be null");
        }
    }

    static long timeoutNanos(long timeout, TimeUnit unit) {
        if (unit == null) {
            throw new IllegalArgumentException("unit must not be null");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 (0 = do not wait), was " + timeout);
        }
        return saturatedNanos(timeout, unit);
    }

    static long saturatedNanos(long value, TimeUnit unit) {
        return unit.toNanos(value); // TimeUnit saturates at Long.MAX_VALUE
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    @Override
    public String toString() {
        PoolStats t = getTotalStats();
        return "RoutePool[leased: " + t.leased() + "; pending: " + t.pending() + "; available: " + t.available()
                + "; maxTotal: " + t.max() + "; connections: " + totalAllocated.get() + "; routes: " + segments.size() + "]";
    }
}

/** Left padding of {@link CoarseClock}: keeps the clock off the cache line of the pool's read-mostly fields. */
abstract class CoarseClockPadLeft {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The pool's coarse clock (see LockLightPool.coarse), alone on its cache line. */
abstract class CoarseClockValue extends CoarseClockPadLeft {
    /** Refreshed by maintenance and by releases at most once per millisecond; racy writes, see LockLightPool. */
    volatile long now;
}

final class CoarseClock extends CoarseClockValue {
    long p11, p12, p13, p14, p15, p16, p17, p18;
}

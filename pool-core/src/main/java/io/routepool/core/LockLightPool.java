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
     */

    private static final System.Logger LOG = System.getLogger(KeyedPool.class.getName());

    static final long UNSET = Long.MIN_VALUE;

    final ConnectionFactory<R, C> factory;
    final ConnectionValidator<? super C> validator;
    final TimeSource clock;
    final Executor asyncExecutor;
    private final long timeToLiveNanos;

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
        if (seg != null) {
            PoolEntry<R, C> e;
            while ((e = tryClaimIdle(seg, state)) != null) {
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
        attempt.thread = Thread.currentThread();
        attempt.timeoutNanos = timeoutNanos;
        if (start != UNSET) {
            attempt.deadline = saturatedAdd(start, timeoutNanos);
        }
        return attempt.runBlocking();
    }

    private PoolEntry<R, C> tryClaimIdle(RouteSegment<R, C> seg, Object state) {
        seg.lock.lock();
        try {
            return seg.retired || closed ? null : seg.claimIdle(state);
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
        C conn = e.connection();
        try {
            if (!factory.isOpen(conn)) {
                return false;
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.DEBUG, "isOpen failed on " + e + "; treating it as closed", ex);
            return false;
        }
        long v = validateAfterInactivityNanos;
        if (v > 0 && now - e.updated >= v) {
            try {
                return validator.isValid(conn);
            } catch (RuntimeException ex) {
                LOG.log(Level.DEBUG, "Validator failed on " + e + "; treating it as invalid", ex);
                return false;
            }
        }
        return true;
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
    PoolEntry<R, C> createConnection(RouteSegment<R, C> seg, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit, long id)
            throws IOException {
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
            }
        } finally {
            seg.lock.unlock();
        }
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
            outcome = placeLocked(seg, victim);
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
            if (entry.placement != PoolEntry.LEASED && entry.placement != PoolEntry.GRANTED) {
                throw new IllegalStateException("Entry " + entry + " is not leased");
            }
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
        Object outcome;
        seg.lock.lock();
        try {
            if (entry.placement != PoolEntry.LEASED) {
                throw new IllegalStateException("Entry " + entry + " is not leased: released twice?");
            }
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
        } finally {
            seg.lock.unlock();
        }
        finishPlacement(seg, entry, outcome, true);
    }

    /** Outcomes of {@link #placeLocked} besides a waiter to wake. */
    private static final Object POOLED = "pooled";
    /** Close it; it is counted in allocated only. */
    private static final Object CLOSE = "close";
    /** Close it; it is still counted in leased. */
    private static final Object CLOSE_LEASED = "close leased";
    /** Already closed by close(IMMEDIATE); still counted in leased. */
    private static final Object ALREADY_CLOSED = "already closed";

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
        seg.pushIdle(entry);
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
                PoolEntry<R, C> hit = seg.claimIdle(a.state);
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
    void reuseVictim(PoolEntry<R, C> victim, RouteUnit from) {
        RouteSegment<R, C> seg = victim.segment;
        seg.lock.lock();
        try {
            seg.linkLeased(victim);
            seg.leased++;
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

    boolean enqueueCapacityWaiter(LeaseAttempt<R, C> w) {
        capacityLock.lock();
        try {
            if (closed) {
                return false;
            }
            w.status = LeaseAttempt.WAITING;
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
                available += seg.idle;
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
            for (PoolEntry<R, C> e : others) {
                if (!factory.isOpen(e.connection())) {
                    dead.add(e);
                }
            }
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
        purgeEmptySegments();
    }

    private void purgeEmptySegments() {
        for (RouteSegment<R, C> seg : segments.values()) {
            seg.lock.lock();
            try {
                if (!seg.retired && seg.isEmpty()) {
                    seg.retired = true;
                    segments.remove(seg.route, seg);
                }
            } finally {
                seg.lock.unlock();
            }
        }
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
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "Closing connection " + e + " failed", ex);
        }
    }

    // ================================================================== messages and helpers

    TimeoutException timeout(R route, long timeoutNanos) {
        PoolStats r = getStats(route);
        PoolStats t = getTotalStats();
        return new TimeoutException("Timeout waiting for connection from pool after "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: route " + route
                + " has maxPerRoute " + r.max() + " (leased " + r.leased() + ", available " + r.available()
                + ", pending " + r.pending() + "); pool has maxTotal " + t.max() + " (leased " + t.leased()
                + ", available " + t.available() + ", pending " + t.pending() + ")");
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

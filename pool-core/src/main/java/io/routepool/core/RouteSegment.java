package io.routepool.core;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One route's pool (HttpCore's {@code RouteSpecificPool}): its idle and leased entries, the waiters only a
 * connection of this route can serve, and its counters. Everything but {@link #maxOverride} is guarded by
 * {@link #lock}, and every method asserts it; the counters change only through the methods here.
 *
 * <p>The lock is never held during I/O or user callbacks (but {@code state.equals}, see {@link IdleIndex}).
 * Two segment locks are held together only by a lease's cross-route eviction, lower {@link #order} first; the
 * capacity queue's lock may be taken while holding one, never the other way round.
 *
 * <p>Invariants (under the lock):
 * <ul>
 *   <li>{@code allocated == idle + probing + leased + reserved + (entries DETACHED for closing)};</li>
 *   <li>{@code allocated <= max} at every instant, except after the limit was lowered below the leased count;
 *       and {@code idle > 0} implies {@code allocated <= max} (surplus idle entries are closed at once);</li>
 *   <li>a route waiter is enqueued only while {@code idle == 0};</li>
 *   <li>{@code idle > 0} implies {@link #inIdleSegments} (see {@link Segments#idleSegments()});</li>
 *   <li>the segment leaves the pool's map only when {@link #isEmpty()}, and is then {@link #retired}.</li>
 * </ul>
 */
final class RouteSegment<R, C> {

    final R route;
    /** The pool's segment map that made it (an identity token: which pool an entry came from). */
    final Object owner;
    /** Lock order: when two segment locks are held (eviction for a lease), the lower order is taken first. */
    final long order;
    final ReentrantLock lock = new ReentrantLock();
    final IdleIndex<R, C> idle;
    /** Leased and granted entries, in no particular order (for enumeration, reports and close). */
    final IntrusiveList<PoolEntry<R, C>> leasedEntries = new IntrusiveList<>();
    /** Waiters blocked on this route's limit. */
    final WaiterQueue<R, C> waiters = new WaiterQueue<>(lock);

    /** This route's own limit, or -1 for the pool default. Written under the segment map's bin lock; read racily. */
    volatile int maxOverride;

    /** Leased entries + creations in flight for a lessee + entries unlinked for closing by their lessee. */
    private int leased;
    /** Idle entries taken out for maintenance's probe; counted as available. */
    private int probing;
    /** Route units held by this route's waiters in the pool's capacity queue. */
    private int reserved;
    /**
     * Of those, the waiters that joined the capacity queue (stats count them as pending): raised in the critical
     * section that links the node, lowered when its owner handles its grant or withdraws it.
     */
    private int capacityWaiters;
    /** Route units in use (see the invariants). */
    private int allocated;
    /** Idle entries handed to leases (claimed or granted), including those then found unusable. */
    private long reused;
    /** Removed from the pool's map; a thread that finds it retired looks the route up again. */
    private boolean retired;
    /** In the pool's list of segments that may have idle entries. */
    boolean inIdleSegments;

    RouteSegment(Object owner, R route, int maxOverride, long order, boolean fifo) {
        this.idle = new IdleIndex<>(lock, fifo);
        this.owner = owner;
        this.route = route;
        this.order = order;
        this.maxOverride = maxOverride;
    }

    int max(int defaultMax) {
        int own = maxOverride;
        return own >= 0 ? own : defaultMax;
    }

    private boolean held() {
        return lock.isHeldByCurrentThread();
    }

    // ---------------------------------------------------------------- reads (under the lock)

    int leased() {
        assert held();
        return leased;
    }

    int allocated() {
        assert held();
        return allocated;
    }

    int idleCount() {
        assert held();
        return idle.size();
    }

    /** This route's waiters linked in the capacity queue. */
    int capacityWaiters() {
        assert held();
        return capacityWaiters;
    }

    /** Racy hint for scans that lock only segments that look relevant; exact under the lock. */
    int leasedHint() {
        return leased;
    }

    long reused() {
        assert held();
        return reused;
    }

    boolean isRetired() {
        assert held();
        return retired;
    }

    boolean isEmpty() {
        assert held();
        return allocated == 0 && waiters.size() == 0 && capacityWaiters == 0;
    }

    PoolStats stats(int defaultMax) {
        assert held();
        return new PoolStats(leased, waiters.size() + capacityWaiters, idle.size() + probing, max(defaultMax));
    }

    // ---------------------------------------------------------------- transitions of entries and units

    /**
     * A lease claims the most recently released usable idle entry (see {@link IdleIndex#claim}), or null; callers
     * go through {@link LeaseLedger#claim}, which records the new lease.
     */
    PoolEntry<R, C> claimIdle(Object state) {
        assert held();
        PoolEntry<R, C> e = idle.claim(state);
        if (e != null) {
            e.claim();
            leasedEntries.addFirst(e);
            leased++;
            reused++;
        }
        return e;
    }

    /** A lease takes a route unit to create a connection (the pool unit was taken with it). */
    void takeUnitForCreate() {
        assert held() && !retired;
        allocated++;
        leased++;
    }

    /** The units of an evicted victim pass to a lease of this route: its route unit if it was ours, else a new one. */
    void takeOverVictim(boolean victimOfThisRoute) {
        assert held();
        if (!victimOfThisRoute) {
            allocated++;
        }
        leased++;
    }

    /** A freed unit becomes a route waiter's permit to create. */
    void unitToPermit() {
        assert held();
        leased++;
    }

    /** A new connection for a lessee whose unit is already counted. */
    void linkCreated(PoolEntry<R, C> e) {
        assert held();
        leasedEntries.addFirst(e);
    }

    /** A detached victim is reused by the lease that evicted it. */
    void reuseDetached(PoolEntry<R, C> e) {
        assert held();
        e.reuseDetached();
        leasedEntries.addFirst(e);
        leased++;
        reused++;
    }

    /** An entry is handed to a waiter; {@code countedLeased}: its unit is already in leased. */
    void grantEntry(PoolEntry<R, C> e, boolean countedLeased) {
        assert held();
        if (!leasedEntries.contains(e)) {
            leasedEntries.addFirst(e);
        }
        e.toGranted();
        reused++;
        if (!countedLeased) {
            leased++;
        }
    }

    /** A leased or granted entry leaves the leased list to be closed (still counted in leased until freed). */
    void unlinkForClosing(PoolEntry<R, C> e) {
        assert held();
        leasedEntries.remove(e);
        e.toReleasing();
    }

    /** A leased or granted entry becomes a permit's victim: its units pass to the waiter (leased stays). */
    void detachAsVictim(PoolEntry<R, C> e) {
        assert held();
        leasedEntries.remove(e);
        e.detach();
    }

    /** An entry goes idle; {@code keepPosition}: filed by its release time instead of as the newest. */
    void toIdle(PoolEntry<R, C> e, boolean countedLeased, boolean keepPosition) {
        assert held();
        if (countedLeased) {
            leasedEntries.remove(e);
            leased--;
        }
        e.toIdle();
        if (keepPosition) {
            idle.insertByReleaseTime(e);
        } else {
            idle.push(e);
        }
    }

    /** Detaches the least recently released idle entry (it stays in allocated until closed), or returns null. */
    PoolEntry<R, C> detachOldestIdle() {
        assert held();
        PoolEntry<R, C> e = idle.removeOldest();
        if (e != null) {
            e.detach();
        }
        return e;
    }

    /** Detaches a given idle entry (a sweep's or maintenance's choice). */
    void detachIdle(PoolEntry<R, C> e) {
        assert held();
        idle.take(e);
        e.detach();
    }

    /** An idle entry is taken out for a probe; it still counts as available. */
    void startProbe(PoolEntry<R, C> e) {
        assert held();
        idle.take(e);
        e.startProbe();
        probing++;
    }

    /** The probe is over: the entry is DETACHED, to be placed again or closed. */
    void endProbe(PoolEntry<R, C> e) {
        assert held();
        probing--;
        e.detach();
    }

    /** Maintenance takes an abandoned lease back (closed outside the lock, then freed as leased). */
    void reclaim(PoolEntry<R, C> e) {
        assert held();
        leasedEntries.remove(e);
        e.reclaim();
    }

    /** Gives back the count that held a unit; the caller then passes the unit on or frees it. */
    void uncount(RouteUnit from) {
        assert held();
        if (from == RouteUnit.LEASED) {
            leased--;
        } else if (from == RouteUnit.RESERVED) {
            reserved--;
            capacityWaiters--;
        }
    }

    /** The closed entry's unit: uncounted from where it was; the entry is now CLOSED (or stays RECLAIMED). */
    void uncountClosed(PoolEntry<R, C> e) {
        assert held();
        uncount(e.countedLeased() ? RouteUnit.LEASED : RouteUnit.DETACHED);
        e.toClosed();
    }

    /** A route unit leaves the route. */
    void freeRouteUnit() {
        assert held() && allocated > 0;
        allocated--;
    }

    /** A lease about to wait on maxTotal reserves a route unit; it is linked in the capacity queue next. */
    void reserveForCapacityWait() {
        assert held();
        allocated++;
        reserved++;
        capacityWaiters++;
    }

    /** A capacity waiter's reserved route unit becomes its lease's. */
    void reservedToLeased() {
        assert held();
        reserved--;
        capacityWaiters--;
        leased++;
    }

    /** Removed from the pool's map; returns its reused count for the pool's total. */
    long retire() {
        assert held() && isEmpty();
        retired = true;
        return reused;
    }
}

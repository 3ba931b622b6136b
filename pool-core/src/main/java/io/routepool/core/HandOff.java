package io.routepool.core;

/**
 * The hand-off: a freed entry, route unit, pool unit or retry goes to exactly one waiter, or back to the
 * pool; never both, never neither. Each grant is a CAS on one waiter node made under the lock of the queue
 * holding it (see {@link Waiter}), followed by one wake outside every lock; waiters never herd.
 *
 * <h2>Lost wake-ups</h2>
 * A lease enqueues only after re-checking, under the lock of the queue it joins, that what it waits for is
 * not there: a route waiter under its segment lock (where units and entries of the route change), a capacity
 * waiter after raising the capacity queue's count (see {@link CapacityQueue}) by taking a pool unit or
 * evicting an idle entry again. A thread that frees a route unit or places an entry does so under the segment
 * lock and grants from the route queue in the same critical section; one that frees a pool unit returns it to
 * the counter and then reads the capacity count (and one that pools an idle entry reads it after unlocking).
 * Either the waiter sees what was freed, or the freer sees the waiter.
 *
 * <h2>Limits</h2>
 * A route or pool over its limit (one that was lowered) gets nothing handed on: a reusable entry placed while
 * over is closed, and a freed unit is given back. Waiters wait until the limit allows them.
 */
final class HandOff<R, C> {

    /** What happens to an entry after {@link #placeLocked}, decided under its segment's lock. */
    enum Disposal {
        /** Filed in the idle index. */
        POOLED,
        /** Granted to a waiter (as its entry, or as its permit's victim): wake it. */
        HANDED_OFF,
        /** Close the connection, then free the units. */
        CLOSE,
        /** Its connection was closed by close(IMMEDIATE): free the units. */
        ALREADY_CLOSED
    }

    private final PoolState pool;
    private final CapacityQueue<R, C> capacity;
    private final Eviction<R, C> eviction;
    private final UserCode<R, C> calls;
    private final Clocks clocks;

    HandOff(PoolState pool, CapacityQueue<R, C> capacity, Eviction<R, C> eviction,
            UserCode<R, C> calls, Clocks clocks) {
        this.pool = pool;
        this.capacity = capacity;
        this.eviction = eviction;
        this.calls = calls;
        this.clocks = clocks;
    }

    int maxOf(RouteSegment<R, C> seg) {
        return seg.max(pool.defaultMaxPerRoute);
    }

    // ---------------------------------------------------------------- entries

    /**
     * Under seg.lock: decides where a reusable entry goes. It is LEASED or GRANTED (a release, a grant given
     * back) or DETACHED (a victim or a probed entry put back). In order: closed if the pool is closed or the
     * route or pool is over its limit; the oldest route waiter whose state can use it; the oldest capacity
     * waiter of this route that can use it; a permit with this entry as victim to the oldest route waiter of
     * another state (HttpCore's excess rule, at once); else the idle index (the linearization point of a
     * release). {@code keepPosition} files an idle entry by its release time instead of as the newest.
     *
     * @return the waiter to wake, or null (then {@link #disposal} reads the outcome from the entry's state)
     */
    Waiter<R, C> placeLocked(RouteSegment<R, C> seg, PoolEntry<R, C> entry, boolean keepPosition) {
        assert seg.lock.isHeldByCurrentThread();
        boolean countedLeased = entry.isLeasedOrGranted();
        if (pool.closed || seg.allocated() > maxOf(seg) || pool.overTotal() || olderWaiterElsewhere(seg)) {
            if (countedLeased) {
                seg.unlinkForClosing(entry);
            }
            return null;
        }
        Waiter<R, C> w = null;
        if (seg.waiters.size() > 0) {
            w = seg.waiters.grantOldest(Grant.ENTRY, entry, null, false, null, true, entry.state());
        }
        if (w == null && seg.capacityWaiters() > 0) {
            w = capacity.grantOldest(Grant.ENTRY, entry, null, false, seg, entry.state());
        }
        if (w != null) {
            seg.grantEntry(entry, countedLeased);
            LeaseLedger.lease(entry, w.requester, w.isAsync(), clocks.leaseTime(), w.leaseSite);
            return w;
        }
        if (seg.waiters.size() > 0 && (w = seg.waiters.grantOldest(Grant.PERMIT, entry)) != null) {
            if (countedLeased) {
                seg.detachAsVictim(entry); // its units now back the waiter's new connection
            } else {
                seg.unitToPermit();
            }
            return w;
        }
        seg.toIdle(entry, countedLeased, keepPosition);
        seg.registerIdle();
        return null;
    }

    /**
     * Under seg.lock: whether a waiter of another route, waiting for pool capacity, arrived before every waiter of
     * this route. Then what this route frees must not go to its own waiters (under load on a full pool, they would
     * starve the other route until it times out): the connection is closed and its pool unit goes to that older
     * waiter, first come, first served across routes (StrictConnPool's order). Costs one volatile read when nobody
     * waits for capacity.
     */
    private boolean olderWaiterElsewhere(RouteSegment<R, C> seg) {
        assert seg.lock.isHeldByCurrentThread();
        if (capacity.count() == 0) {
            return false;
        }
        Waiter<R, C> mine = seg.waiters.size() > 0 ? seg.waiters.oldestWaiting() : null;
        if (mine == null && seg.capacityWaiters() == 0) {
            return false; // nobody of this route waits: the entry goes idle, and serveCapacityFromIdle evicts it for them
        }
        return capacity.oldestIsOtherRouteBefore(seg, mine != null ? mine.arrival : Long.MAX_VALUE);
    }

    /** Under seg.lock, right after {@link #placeLocked} or a detach: what the caller does once unlocked. */
    static Disposal disposal(PoolEntry<?, ?> entry, Waiter<?, ?> handedTo) {
        if (handedTo != null) {
            return Disposal.HANDED_OFF;
        }
        if (entry.is(PoolEntry.IDLE)) {
            return Disposal.POOLED;
        }
        return entry.is(PoolEntry.RELEASING_SHUT) ? Disposal.ALREADY_CLOSED : Disposal.CLOSE;
    }

    /** Outside every lock: carries out a disposal. {@code serveWaiters}: a pooled entry may go to capacity waiters. */
    void finish(RouteSegment<R, C> seg, PoolEntry<R, C> entry, Disposal d, Waiter<R, C> handedTo, boolean serveWaiters) {
        // if-chain, not a switch: a switch on an enum reads a synthetic lookup array, on every release
        if (d == Disposal.POOLED) {
            if (serveWaiters && capacity.count() != 0) {
                serveCapacityFromIdle();
            }
        } else if (d == Disposal.HANDED_OFF) {
            handedTo.wake();
        } else if (d == Disposal.CLOSE) {
            calls.close(entry, CloseMode.GRACEFUL);
            freeEntry(seg, entry);
        } else {
            assert d == Disposal.ALREADY_CLOSED : d;
            freeEntry(seg, entry);
        }
    }

    /** Places a DETACHED entry again (a victim that was not needed, a probed entry), keeping its timestamps. */
    void placeAgain(PoolEntry<R, C> entry, boolean serveWaiters) {
        RouteSegment<R, C> seg = entry.segment;
        Waiter<R, C> w;
        Disposal d;
        seg.lockExact();
        try {
            w = placeLocked(seg, entry, true);
            d = disposal(entry, w);
        } finally {
            seg.unlockExact();
        }
        finish(seg, entry, d, w, serveWaiters);
    }

    /**
     * Puts back an entry that a lease obtained but cannot hand to its caller (cancelled or interrupted at the
     * same moment): like a reusable release, but keeping its {@code updated} and {@code expiry}.
     */
    void requeue(PoolEntry<R, C> entry) {
        RouteSegment<R, C> seg = entry.segment;
        Waiter<R, C> w = null;
        Disposal d;
        seg.lockExact();
        try {
            if (entry.is(PoolEntry.RECLAIMED)) {
                return; // maintenance reclaimed it meanwhile: it closes it and frees its units
            }
            if (!entry.isLeasedOrGranted()) {
                throw new IllegalStateException("Entry " + entry + " is not leased");
            }
            LeaseLedger.release(entry);
            if (entry.isShut()) {
                seg.unlinkForClosing(entry);
            } else {
                w = placeLocked(seg, entry, false);
            }
            d = disposal(entry, w);
        } finally {
            seg.unlockExact();
        }
        finish(seg, entry, d, w, true);
    }

    /** A waiter granted {@code entry} takes it: GRANTED becomes LEASED. False if close(IMMEDIATE) closed it meanwhile. */
    boolean takeGranted(PoolEntry<R, C> entry) {
        RouteSegment<R, C> seg = entry.segment;
        boolean shut;
        seg.lockExact();
        try {
            shut = entry.isShut();
            if (shut) {
                seg.unlinkForClosing(entry);
            } else {
                entry.takeGrant();
            }
        } finally {
            seg.unlockExact();
        }
        if (shut) {
            freeEntry(seg, entry);
        }
        return !shut;
    }

    /** Closes a lessee's entry that failed its checks and passes its units on. */
    void discardLeased(PoolEntry<R, C> e) {
        RouteSegment<R, C> seg = e.segment;
        seg.lockExact();
        try {
            if (e.is(PoolEntry.RECLAIMED)) {
                return; // maintenance reclaimed it while it was being checked: it closes it and frees its units
            }
            seg.unlinkForClosing(e);
        } finally {
            seg.unlockExact();
        }
        if (e.is(PoolEntry.RELEASING)) { // owned by us now: no other thread changes it
            calls.close(e, CloseMode.GRACEFUL);
        }
        freeEntry(seg, e);
    }

    /**
     * Idle entries exist while capacity waiters wait: evict for them, oldest waiter first. A victim nobody took
     * goes back and the count is read again, so a waiter that enqueued meanwhile (and found nothing idle, the
     * victim being detached) is not left parked.
     */
    void serveCapacityFromIdle() {
        while (capacity.count() != 0 && !pool.closed) {
            PoolEntry<R, C> victim = eviction.globalLru();
            if (victim == null) {
                return;
            }
            Waiter<R, C> w = capacity.grantPermit(victim, true);
            if (w == null) {
                placeAgain(victim, false);
            } else {
                w.wake();
            }
        }
    }

    // ---------------------------------------------------------------- units

    /** A closed entry's units: to the oldest route waiter if the route and pool are within their limits, else back. */
    void freeEntry(RouteSegment<R, C> seg, PoolEntry<R, C> closed) {
        free(seg, closed, null);
    }

    /** A unit without a connection (a creation that failed or was given up): as {@link #freeEntry}. */
    void freeUnit(RouteSegment<R, C> seg, RouteUnit from) {
        free(seg, null, from);
    }

    /**
     * When nobody waits for pool capacity, the pool unit is given back to the counter in the same critical
     * section that uncounts the route's unit: a thread that sees the route's counts drop (stats, or a lease of
     * this route under its lock) then finds the unit free too. Given back after unlocking, a zero-timeout lease
     * could see the route empty and still fail on maxTotal (found by LeaseLinearizabilityTest's stress run).
     */
    private void free(RouteSegment<R, C> seg, PoolEntry<R, C> closed, RouteUnit from) {
        Waiter<R, C> heir = null;
        Waiter<R, C> retry = null;
        boolean unitReturned = false;
        seg.lockExact();
        try {
            if (closed != null) {
                seg.uncountClosed(closed);
            } else {
                seg.uncount(from);
            }
            if (!pool.closed && seg.allocated() <= maxOf(seg) && !pool.overTotal() && !olderWaiterElsewhere(seg)
                    && (heir = seg.waiters.grantOldest(Grant.PERMIT, null)) != null) {
                seg.unitToPermit();
            } else {
                seg.freeRouteUnit();
                if (capacity.count() == 0) {
                    pool.returnUnit();
                    unitReturned = true;
                }
                retry = retryOneLocked(seg);
            }
        } finally {
            seg.unlockExact();
        }
        if (heir != null) {
            heir.wake();
            return;
        }
        if (retry != null) {
            retry.wake();
        }
        if (unitReturned) {
            passReturnedUnit();
        } else {
            releasePoolUnit();
        }
    }

    /** Frees only a route unit (its pool unit went elsewhere, or never existed). */
    void freeRouteUnit(RouteSegment<R, C> seg, RouteUnit from) {
        Waiter<R, C> retry;
        seg.lockExact();
        try {
            seg.uncount(from);
            seg.freeRouteUnit();
            retry = retryOneLocked(seg);
        } finally {
            seg.unlockExact();
        }
        if (retry != null) {
            retry.wake();
        }
    }

    /** A victim that was closed by the lease that evicted it: CLOSED, and its route unit freed if it kept one. */
    void closedVictim(PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        RouteSegment<R, C> seg = victim.segment;
        Waiter<R, C> retry = null;
        seg.lockExact();
        try {
            victim.toClosed();
            if (victimOwnsRouteUnit) {
                seg.freeRouteUnit();
                retry = retryOneLocked(seg);
            }
        } finally {
            seg.unlockExact();
        }
        if (retry != null) {
            retry.wake();
        }
    }

    /** Under seg.lock: a route waiter may run again now that the route is under its limit. */
    Waiter<R, C> retryOneLocked(RouteSegment<R, C> seg) {
        assert seg.lock.isHeldByCurrentThread();
        if (seg.waiters.size() == 0 || seg.allocated() >= maxOf(seg)) {
            return null;
        }
        return seg.waiters.grantOldest(Grant.RETRY, null);
    }

    /** A RETRY grant that its waiter could not use goes to the next route waiter, if the route has room. */
    void passRetry(RouteSegment<R, C> seg) {
        Waiter<R, C> retry;
        seg.lockExact();
        try {
            retry = retryOneLocked(seg);
        } finally {
            seg.unlockExact();
        }
        if (retry != null) {
            retry.wake();
        }
    }

    /**
     * Gives back one pool unit, or passes it to the oldest capacity waiter (see "Lost wake-ups"): we return it
     * to the counter, then read the capacity count; a waiter raises the count, then takes a unit.
     */
    void releasePoolUnit() {
        if (capacity.count() == 0) {
            pool.returnUnit();
            passReturnedUnit();
            return;
        }
        grantHeldUnit();
    }

    /** After returning a pool unit to the counter: a capacity waiter that queued meanwhile gets one. */
    private void passReturnedUnit() {
        if (capacity.count() != 0 && pool.reserveUnit()) {
            grantHeldUnit();
        }
    }

    /** We hold one pool unit: to the oldest capacity waiter, else back to the counter (then look again). */
    private void grantHeldUnit() {
        for (;;) {
            if (!pool.closed && !pool.overTotal()) {
                Waiter<R, C> w = capacity.grantPermit(null, false);
                if (w != null) {
                    w.wake();
                    return;
                }
            }
            pool.returnUnit();
            if (capacity.count() == 0 || pool.closed || !pool.reserveUnit()) {
                return;
            }
        }
    }
}

package io.routepool.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Eviction: which idle entries must go to make room. It only detaches (the entry leaves the idle index and
 * becomes DETACHED, still holding its units); whoever called closes the connection and frees or passes on
 * the units ({@link HandOff}). Two rules, both HttpCore's:
 * <ul>
 *   <li>cross-route LRU ({@code totalAvailable > freeCapacity - 1}): when the pool is full, a lease whose
 *       route has room evicts the least recently released idle entry of any route;</li>
 *   <li>surplus: a route over its limit (lowered) closes its least recently released idle entries.</li>
 * </ul>
 * Scans visit only {@link Segments#idleSegments()}, so their cost follows the segments holding idle entries,
 * not every route the pool has seen.
 */
final class Eviction<R, C> {

    /** What {@link #forLease} did. */
    enum Outcome {
        /** Nothing idle anywhere and the pool is full. */
        NONE,
        /** The route filled up or was purged meanwhile: run the lease again. */
        AGAIN,
        /** An idle entry of the route that the lease can use: {@link Result#entry}, claimed (LEASED). */
        HIT,
        /** Capacity was freed meanwhile: route and pool units taken, {@link Result#id} drawn. */
        RESERVED,
        /** {@link Result#entry} detached as the victim; a route unit taken, the victim's pool unit taken over. */
        EVICTED
    }

    /** What {@link #forLease} leaves for its lease (one per lease attempt; owner-confined). */
    static final class Result<R, C> {
        Outcome outcome;
        PoolEntry<R, C> entry;
        long id;
        /** The victim keeps its route unit (it is another route's): freed after it is closed. */
        boolean victimOwnsRouteUnit;
    }

    private final Segments<R, C> segments;
    private final PoolState pool;

    Eviction(Segments<R, C> segments, PoolState pool) {
        this.segments = segments;
        this.pool = pool;
    }

    /**
     * Detaches the least recently released idle entry of any route (HttpCore's global LRU), or returns null.
     * The caller takes over its pool unit; its route unit is freed after it is closed.
     */
    PoolEntry<R, C> globalLru() {
        for (;;) {
            RouteSegment<R, C> best = lruSegment();
            if (best == null) {
                return null;
            }
            best.lockExact();
            try {
                if (pool.closed) {
                    return null;
                }
                PoolEntry<R, C> victim = best.detachOldestIdle();
                if (victim != null) {
                    return victim;
                }
            } finally {
                best.unlockExact();
            }
        }
    }

    /** The segment whose least recently released idle entry is the oldest, or null (each segment locked in turn). */
    private RouteSegment<R, C> lruSegment() {
        RouteSegment<R, C> best = null;
        long bestUpdated = 0;
        for (Iterator<RouteSegment<R, C>> it = segments.idleSegments(); it.hasNext();) {
            RouteSegment<R, C> s = it.next();
            boolean drop;
            s.lockExact();
            try {
                drop = segments.dropIfNoIdle(s);
                PoolEntry<R, C> t = s.idle.oldest();
                if (!drop && (best == null || t.updated < bestUpdated)) {
                    best = s;
                    bestUpdated = t.updated;
                }
            } finally {
                s.unlockExact();
            }
            if (drop) {
                it.remove();
            }
        }
        return best;
    }

    /**
     * The route is under its limit and the pool is full: evicts the least recently released idle entry of any
     * route and, in the same critical section, takes a route unit of {@code seg} (HttpCore's totalAvailable >
     * freeCapacity - 1 rule). Both segment locks are held, lower order first, so no observer sees the victim
     * gone without the lease counted.
     */
    void forLease(RouteSegment<R, C> seg, Waiter<R, C> lessee, long now, Result<R, C> out) {
        for (;;) {
            RouteSegment<R, C> best = lruSegment();
            RouteSegment<R, C> first = best == null || seg.order <= best.order ? seg : best;
            RouteSegment<R, C> second = first == seg ? best : seg;
            first.lockExact();
            if (second != null && second != first) {
                second.lockExact();
            }
            try {
                if (decideLocked(seg, best, lessee, now, out)) {
                    return;
                }
            } finally {
                if (second != null && second != first) {
                    second.unlockExact();
                }
                first.unlockExact();
            }
        }
    }

    /**
     * Under both locks; false if the victim segment raced away (look again). An idle entry that appeared on the
     * route meanwhile is claimed for {@code lessee}, whose lease (borrower, time, site) is recorded at once.
     */
    private boolean decideLocked(RouteSegment<R, C> seg, RouteSegment<R, C> best, Waiter<R, C> lessee, long now,
            Result<R, C> out) {
        out.entry = null;
        if (seg.isRetired() || pool.closed) {
            out.outcome = Outcome.AGAIN;
            return true;
        }
        PoolEntry<R, C> hit = LeaseLedger.claim(seg, lessee.state, lessee.requester, lessee.isAsync(), now, lessee.leaseSite);
        if (hit != null) {
            out.outcome = Outcome.HIT;
            out.entry = hit;
            return true;
        }
        if (seg.allocated() >= seg.max(pool.defaultMaxPerRoute)) {
            out.outcome = Outcome.AGAIN;
            return true;
        }
        if (pool.reserveUnit()) {
            seg.takeUnitForCreate();
            out.id = pool.nextId();
            out.outcome = Outcome.RESERVED;
            return true;
        }
        if (best == null) {
            out.outcome = Outcome.NONE;
            return true;
        }
        if (best.isRetired() || best.idleCount() == 0) {
            return false;
        }
        out.entry = best.detachOldestIdle();
        out.victimOwnsRouteUnit = best != seg;
        seg.takeOverVictim(best == seg);
        out.id = pool.nextId();
        out.outcome = Outcome.EVICTED;
        return true;
    }

    /** Under seg.lock: detaches least recently released idle entries while the route is over {@code max}. */
    static <R, C> List<PoolEntry<R, C>> surplusLocked(RouteSegment<R, C> seg, int max) {
        List<PoolEntry<R, C>> surplus = null;
        for (int excess = seg.allocated() - max; excess > 0 && seg.idleCount() > 0; excess--) {
            if (surplus == null) {
                surplus = new ArrayList<>();
            }
            surplus.add(seg.detachOldestIdle());
        }
        return surplus == null ? Collections.<PoolEntry<R, C>>emptyList() : surplus;
    }
}

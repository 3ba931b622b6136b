package io.routepool.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Changing a limit at run time. Lowered: surplus idle connections are closed at once (least recently released
 * first), leased ones when they come back (see {@link HandOff}); raised: waiters get the new room at once.
 */
final class LimitChanges<R, C> {

    private final PoolParts<R, C> p;

    LimitChanges(PoolParts<R, C> parts) {
        this.p = parts;
    }

    void setMaxTotal(int max) {
        int old = p.pool.maxTotal;
        p.pool.maxTotal = max;
        if (max < old) {
            while (p.pool.overTotal()) {
                PoolEntry<R, C> victim = p.eviction.globalLru();
                if (victim == null) {
                    break;
                }
                p.calls.close(victim, CloseMode.GRACEFUL);
                p.handOff.freeEntry(victim.segment, victim);
            }
        } else if (max > old) {
            while (p.capacity.count() != 0 && !p.pool.closed && p.pool.reserveUnit()) {
                Waiter<R, C> w = p.capacity.grantPermit(null, false);
                if (w == null) {
                    p.handOff.releasePoolUnit();
                    break;
                }
                w.wake();
            }
        }
    }

    void setDefaultMaxPerRoute(int max) {
        p.pool.defaultMaxPerRoute = max;
        for (RouteSegment<R, C> seg : p.segments.all()) {
            if (seg.maxOverride < 0) {
                apply(seg);
            }
        }
    }

    /** {@code override < 0}: back to the default. */
    void setRouteOverride(R route, int override) {
        RouteSegment<R, C> seg = p.segments.setOverride(route, override);
        if (seg != null) {
            apply(seg);
        }
    }

    /** Closes the route's surplus idle entries, or lets waiters retry if the limit went up. */
    private void apply(RouteSegment<R, C> seg) {
        List<PoolEntry<R, C>> surplus;
        List<Waiter<R, C>> retries = new ArrayList<>();
        seg.lockExact();
        try {
            int max = seg.max(p.pool.defaultMaxPerRoute);
            surplus = Eviction.surplusLocked(seg, max);
            int room = max - seg.allocated();
            Waiter<R, C> w;
            while (room > 0 && (w = seg.waiters.grantOldest(Grant.RETRY, null)) != null) {
                retries.add(w);
                room--;
            }
        } finally {
            seg.unlockExact();
        }
        p.connections.closeDetached(seg, surplus);
        for (Waiter<R, C> w : retries) {
            w.wake();
        }
    }
}

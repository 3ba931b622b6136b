package io.routepool.core;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The route-to-segment map, the per-route limits that outlive purged segments, and the list of segments that
 * may hold idle entries (what cross-route eviction scans instead of every route the pool has seen).
 */
final class Segments<R, C> {

    /** Route -> segment. A segment leaves the map only when empty, retired under its lock. */
    private final ConcurrentHashMap<R, RouteSegment<R, C>> map = new ConcurrentHashMap<>();
    /** Route limits set by setMaxPerRoute; they outlive purged segments. */
    private final ConcurrentHashMap<R, Integer> maxOverrides = new ConcurrentHashMap<>();
    /**
     * What routes learned of their servers' idle close (IdleCloses), kept when their segment is purged so that a
     * route that empties (its server closed every connection) neither learns nor says it again. Only routes that
     * learned a close are here, at most {@link #MAX_LEARNED_ROUTES} of them.
     */
    private final ConcurrentHashMap<R, IdleCloses> learned = new ConcurrentHashMap<>();
    static final int MAX_LEARNED_ROUTES = 10_000;
    private final AtomicLong order = new AtomicLong();
    /**
     * Segments that may hold idle entries. Invariant: a segment with idle entries has {@code inIdleSegments}
     * set, and the node added when it was last set is still here (set, and the node added, under the segment's
     * lock when an entry goes idle in a segment without the flag; cleared, under the lock, only by a scan that
     * finds the segment without idle entries, which then removes the node it found). Extra nodes for one
     * segment are harmless (a scan visits it twice). So a scan visits every segment with idle entries, and each
     * segment once more after it emptied: eviction costs O(segments with idle entries), not O(routes seen).
     */
    private final ConcurrentLinkedQueue<RouteSegment<R, C>> idleSegments = new ConcurrentLinkedQueue<>();
    /**
     * reused counts of segments purged from the map (reusedTotal adds the live ones). Its monitor is held by
     * purges and by reusedTotal (always before any segment lock), so that a reuse is counted exactly once.
     */
    private final AtomicLong retiredReused = new AtomicLong();
    /** Leases take the least recently released usable idle entry (else the most recently released). */
    private final boolean fifo;
    private final PoolState pool;

    private final int spots;
    /** Routes named by PoolBuilder.warmRoutes: their segments are made by the first maintenance pass and never purged. */
    final Set<R> warmRoutes;

    /** {@code route} learned its server's idle close: remembered beyond its segment (up to MAX_LEARNED_ROUTES routes). */
    void learned(R route, IdleCloses what) {
        if (learned.size() < MAX_LEARNED_ROUTES) {
            learned.putIfAbsent(route, what);
        }
    }

    Segments(boolean fifo, PoolState pool, int spots, Set<R> warmRoutes) {
        this.warmRoutes = warmRoutes;
        this.fifo = fifo;
        this.pool = pool;
        this.spots = spots;
    }

    RouteSegment<R, C> get(R route) {
        return map.get(route);
    }

    /** The map itself, for the façade's fast path (one hop fewer); read only. */
    ConcurrentHashMap<R, RouteSegment<R, C>> map() {
        return map;
    }

    /** The route's segment, created if absent (then registered with the route's own limit, if it has one). */
    RouteSegment<R, C> getOrCreate(R route) {
        RouteSegment<R, C> seg = map.get(route);
        return seg != null ? seg : map.computeIfAbsent(route,
                r -> new RouteSegment<>(this, r, maxOverrides.getOrDefault(r, -1), order.incrementAndGet(), fifo, pool, spots,
                        idleSegments, learned.getOrDefault(r, new IdleCloses()), warmRoutes.contains(r)));
    }

    int size() {
        return map.size();
    }

    Set<R> routes() {
        return new LinkedHashSet<>(map.keySet());
    }

    Iterable<RouteSegment<R, C>> all() {
        return map.values();
    }

    /**
     * Runs {@code action} on every segment in turn, under its lock (one segment lock at a time; retired segments
     * skipped). The action must not do I/O or call user code.
     */
    void forEachLocked(Consumer<RouteSegment<R, C>> action) {
        for (RouteSegment<R, C> seg : map.values()) {
            seg.lockExact();
            try {
                if (!seg.isRetired()) {
                    action.accept(seg);
                }
            } finally {
                seg.unlockExact();
            }
        }
    }

    // ---------------------------------------------------------------- limits of routes

    Integer override(R route) {
        return maxOverrides.get(route);
    }

    /**
     * Records the route's own limit ({@code override < 0}: the default again) and returns its live segment,
     * whose limit is now the new one, or null. computeIfPresent serializes with the computeIfAbsent that
     * creates the segment, so a new segment cannot miss the change.
     */
    RouteSegment<R, C> setOverride(R route, int override) {
        if (override < 0) {
            maxOverrides.remove(route);
        } else {
            maxOverrides.put(route, override);
        }
        return map.computeIfPresent(route, (r, s) -> {
            s.maxOverride = override;
            return s;
        });
    }

    // ---------------------------------------------------------------- idle segments

    /**
     * The segments that may hold idle entries, for a scan that locks each in turn and calls
     * {@link #dropIfNoIdle} on those it finds without any.
     */
    Iterator<RouteSegment<R, C>> idleSegments() {
        return idleSegments.iterator();
    }

    /**
     * Under {@code seg}'s lock, during a scan positioned at {@code seg}: true if it has no idle entry, in which
     * case its flag is cleared and the caller removes the node (after unlocking is fine: a new idle entry adds a
     * new node).
     */
    boolean dropIfNoIdle(RouteSegment<R, C> seg) {
        assert seg.lock.isHeldByCurrentThread();
        if (seg.idleCount() == 0 || seg.isRetired()) {
            seg.inIdleSegments = false;
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- purge and counts

    /**
     * Removes empty segments from the map (each retired under its lock; never a route named to keep warm), and their
     * nodes from the idle segments: a retired segment never holds an entry again, and left there it would pin its route and make the next
     * eviction scan visit every route that was ever purged.
     */
    void purgeEmpty() {
        Set<RouteSegment<R, C>> retiredIdle = null;
        synchronized (retiredReused) { // taken before any segment lock, as reusedTotal does
            for (RouteSegment<R, C> seg : map.values()) {
                seg.lockExact();
                try {
                    if (!seg.isRetired() && seg.isEmpty() && !seg.warm.named && !seg.warm.inFlight) { // inFlight: its task connects next
                        retiredReused.addAndGet(seg.retire());
                        map.remove(seg.route, seg);
                        if (seg.inIdleSegments) {
                            seg.inIdleSegments = false;
                            if (retiredIdle == null) {
                                retiredIdle = Collections.newSetFromMap(new IdentityHashMap<>());
                            }
                            retiredIdle.add(seg);
                        }
                    }
                } finally {
                    seg.unlockExact();
                }
            }
        }
        if (retiredIdle != null) {
            idleSegments.removeIf(retiredIdle::contains); // one pass, whatever the number purged
        }
    }

    /** Reuses over the pool's life: live segments' counts plus those of purged ones, each counted once. */
    long reusedTotal() {
        long[] reused = {0};
        synchronized (retiredReused) { // no segment retires while we sum
            forEachLocked(seg -> reused[0] += seg.reused());
            return reused[0] + retiredReused.get();
        }
    }
}

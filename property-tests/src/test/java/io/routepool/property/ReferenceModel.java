package io.routepool.property;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The pool's rules written as plainly as possible: single-threaded, lists and maps, no concurrency,
 * no waiting (every lease is a zero-timeout lease). It is HttpCore 4.4's AbstractConnPool algorithm
 * plus routepool's documented differences (eager closing of surplus idle connections, validation
 * within the lease, ISE on a release of an entry that is not leased). It is the oracle of the time
 * tests and the sequential specification of the Lincheck tests.
 */
final class ReferenceModel {

    static final long NEVER = Long.MAX_VALUE;

    static final class Entry {
        final String route;
        final Conn conn;
        final long created;
        final long validity;
        Object state;
        long updated;
        long expiry;
        long releaseSeq;
        boolean closedByPool;

        Entry(String route, Conn conn, long created, long validity) {
            this.route = route;
            this.conn = conn;
            this.created = created;
            this.validity = validity;
            this.updated = created;
            this.expiry = validity;
        }

        @Override
        public String toString() {
            return conn.toString();
        }
    }

    static final class Route {
        final Deque<Entry> available = new ArrayDeque<>(); // head = most recently released
        final List<Entry> leased = new ArrayList<>();

        int allocated() {
            return available.size() + leased.size();
        }
    }

    private final LongSupplier clock;
    private final long ttl;
    private long validateAfter;
    private int maxTotal;
    private int defaultMax;
    private final Map<String, Integer> overrides = new HashMap<>();
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final List<Conn> created = new ArrayList<>();
    private long seq;
    private boolean closed;

    ReferenceModel(int maxPerRoute, int maxTotal, long ttlNanos, long validateAfterNanos, LongSupplier clock) {
        this.defaultMax = maxPerRoute;
        this.maxTotal = maxTotal;
        this.ttl = ttlNanos;
        this.validateAfter = validateAfterNanos;
        this.clock = clock;
    }

    private Route route(String r) {
        return routes.computeIfAbsent(r, k -> new Route());
    }

    int maxOf(String r) {
        return overrides.getOrDefault(r, defaultMax);
    }

    private int totalAllocated() {
        return routes.values().stream().mapToInt(Route::allocated).sum();
    }

    private void close(Entry e) {
        if (!e.closedByPool) {
            e.conn.open = false;
            e.conn.closes.incrementAndGet();
        }
    }

    /** A zero-timeout lease: the entry, or null where the pool would time out. */
    Entry lease(String r, Object state) {
        return lease(r, state, null);
    }

    /**
     * A zero-timeout lease by a thread that last released {@code affine} on this route (or null): routepool's
     * thread affinity takes that entry if it is idle and its state equals {@code state}, before HttpCore's rule.
     */
    Entry lease(String r, Object state, Entry affine) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        Route rp = route(r);
        for (;;) {
            Entry e = affine != null && rp.available.contains(affine) && java.util.Objects.equals(affine.state, state)
                    ? affine : getFree(rp, state);
            affine = null;
            if (e == null) {
                break;
            }
            rp.available.remove(e);
            long now = clock.getAsLong();
            boolean usable = now < e.expiry && e.conn.open
                    && !(validateAfter > 0 && now - e.updated >= validateAfter && e.conn.stale);
            if (usable) {
                rp.leased.add(e);
                return e;
            }
            close(e);
        }
        for (;;) {
            int max = maxOf(r);
            if (rp.allocated() >= max) {
                if (!rp.available.isEmpty() && rp.allocated() == max) {
                    close(rp.available.removeLast()); // per-route excess rule
                    return create(r, rp);
                }
                if (!rp.available.isEmpty()) {
                    while (rp.allocated() > max && !rp.available.isEmpty()) {
                        close(rp.available.removeLast());
                    }
                    continue;
                }
                return null;
            }
            if (totalAllocated() < maxTotal) {
                return create(r, rp);
            }
            Entry lru = globalLru();
            if (lru == null) {
                return null;
            }
            routes.get(lru.route).available.remove(lru);
            close(lru);
            return create(r, rp);
        }
    }

    private static Entry getFree(Route rp, Object state) {
        if (state != null) {
            for (Entry e : rp.available) {
                if (state.equals(e.state)) {
                    return e;
                }
            }
        }
        for (Entry e : rp.available) {
            if (e.state == null) {
                return e;
            }
        }
        return null;
    }

    private Entry globalLru() {
        Entry best = null;
        for (Route rp : routes.values()) {
            Entry tail = rp.available.peekLast();
            if (tail != null && (best == null || tail.releaseSeq < best.releaseSeq)) {
                best = tail;
            }
        }
        return best;
    }

    private Entry create(String r, Route rp) {
        long now = clock.getAsLong();
        Conn c = new Conn(r, created.size() + 1);
        created.add(c);
        Entry e = new Entry(r, c, now, ttl > 0 ? now + ttl : NEVER);
        e.releaseSeq = ++seq;
        rp.leased.add(e);
        return e;
    }

    void release(Entry e, boolean reusable, long keepAliveNanos) {
        Route rp = routes.get(e.route);
        if (rp == null || !rp.leased.remove(e)) {
            throw new IllegalStateException("Entry " + e + " is not leased: released twice?");
        }
        if (closed || !reusable) {
            close(e);
            return;
        }
        long now = clock.getAsLong();
        e.updated = now;
        e.expiry = keepAliveNanos > 0 ? Math.min(now + keepAliveNanos, e.validity) : e.validity;
        e.releaseSeq = ++seq;
        if (rp.allocated() + 1 > maxOf(e.route) || totalAllocated() + 1 > maxTotal) {
            close(e); // surplus after a lowered limit
            return;
        }
        rp.available.addFirst(e);
    }

    void setMaxTotal(int max) {
        int old = maxTotal;
        maxTotal = max;
        if (max < old) {
            Entry lru;
            while (totalAllocated() > maxTotal && (lru = globalLru()) != null) {
                routes.get(lru.route).available.remove(lru);
                close(lru);
            }
        }
    }

    void setMaxPerRoute(String r, int max) {
        overrides.put(r, max);
        shrink(r);
    }

    void clearMaxPerRoute(String r) {
        overrides.remove(r);
        shrink(r);
    }

    void setDefaultMaxPerRoute(int max) {
        defaultMax = max;
        for (String r : routes.keySet()) {
            if (!overrides.containsKey(r)) {
                shrink(r);
            }
        }
    }

    private void shrink(String r) {
        Route rp = routes.get(r);
        if (rp == null) {
            return;
        }
        while (rp.allocated() > maxOf(r) && !rp.available.isEmpty()) {
            close(rp.available.removeLast());
        }
    }

    void setValidateAfterInactivity(long nanos) {
        validateAfter = nanos;
    }

    void closeIdle(long idleNanos) {
        long now = clock.getAsLong();
        sweep(e -> now - e.updated >= Math.max(0, idleNanos));
    }

    void closeExpired() {
        long now = clock.getAsLong();
        sweep(e -> now >= e.expiry);
    }

    private void sweep(java.util.function.Predicate<Entry> doomed) {
        for (Route rp : routes.values()) {
            for (Iterator<Entry> it = rp.available.iterator(); it.hasNext();) {
                Entry e = it.next();
                if (doomed.test(e) || !e.conn.open) { // sweeps also drop connections found closed
                    it.remove();
                    close(e);
                }
            }
        }
        routes.values().removeIf(rp -> rp.allocated() == 0);
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Route rp : routes.values()) {
            rp.available.forEach(this::close);
            rp.available.clear();
            for (Entry e : rp.leased) {
                close(e);
                e.closedByPool = true;
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** "[leased: x; pending: 0; available: y; max: m]", as PoolStats prints. Registers the route, as the pool does. */
    String stats(String r) {
        Route rp = route(r);
        return "[leased: " + rp.leased.size() + "; pending: 0; available: " + rp.available.size() + "; max: " + maxOf(r) + "]";
    }

    String totalStats() {
        int leased = 0;
        int available = 0;
        for (Route rp : routes.values()) {
            leased += rp.leased.size();
            available += rp.available.size();
        }
        return "[leased: " + leased + "; pending: 0; available: " + available + "; max: " + maxTotal + "]";
    }

    /** Routes with a connection (empty route pools are an implementation detail of both pools). */
    Set<String> routesInUse() {
        Set<String> out = new TreeSet<>();
        routes.forEach((r, rp) -> {
            if (rp.allocated() > 0) {
                out.add(r);
            }
        });
        return out;
    }

    Set<Integer> closedSerials() {
        Set<Integer> out = new LinkedHashSet<>();
        for (Conn c : created) {
            if (!c.open) {
                out.add(c.serial);
            }
        }
        return out;
    }

    List<Conn> created() {
        return created;
    }
}

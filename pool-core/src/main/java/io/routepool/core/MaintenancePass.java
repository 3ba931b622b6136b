package io.routepool.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One maintenance pass ({@link KeyedPool#maintain()}, or the scheduled task): per route, closes idle entries
 * that expired or idled longer than maxIdle, drops idle entries the factory reports closed or the idle probe
 * rejects, reclaims abandoned leases, and reports leaks and stuck waiters; then the capacity queue's stuck
 * waiters; and keeps minIdlePerRoute idle connections on used and named routes ({@link Warming}, which makes them on
 * its own executor). Locks one segment at a time and does all I/O and reporting outside the locks.
 *
 * <p>It may run in several threads at once (a maintain() caller and the scheduled task): every decision is
 * made under the segment lock and each report is guarded by a flag set under it. It uses only the ordinary
 * transitions: idle entries it closes are DETACHED and their units freed through {@link HandOff} (so waiters
 * get them); an entry it probes is PROBING (no lease can use a connection being read; the route still counts
 * it as available) and is then placed again as a victim would be, by its release time; an abandoned lease it
 * reclaims becomes RECLAIMED under the lock, is closed IMMEDIATE outside it, and its units are freed. A
 * RECLAIMED entry is never placed again, so its late release is recognised and ignored with a warning.
 */
final class MaintenancePass<R, C> {

    /** Maintenance probes idle connections idle at least this long (or one interval, if shorter). */
    private static final long PROBE_MIN_IDLE_NANOS = 250_000_000;

    private final PoolParts<R, C> p;
    private final Settings settings;
    private final Warming<R, C> warming;

    MaintenancePass(PoolParts<R, C> parts) {
        this.p = parts;
        this.settings = parts.settings;
        this.warming = new Warming<>(parts);
    }

    /** A scheduled pass, at the time source's now. */
    void run() {
        run(p.clocks.now());
    }

    void run(long now) {
        p.clocks.maintained(now);
        List<PoolEntry<R, C>> probes = new ArrayList<>(0);
        if (warming.enabled()) {
            warming.ensureNamed();
        }
        for (RouteSegment<R, C> seg : p.segments.all()) {
            maintainRoute(seg, now, probes);
        }
        probeIdle(probes, now);
        reportStuckCapacityWaiters(now);
        p.segments.purgeEmpty();
    }

    /**
     * How old a lease is taken to be for leak reports and reclaiming. With the coarse clock its leasedAt may be
     * early by as long as the clock went unrefreshed (a maintenance thread stalled by a slow close, probe or log
     * appender), so the age is also capped by how long maintenance has itself seen the lease, plus one
     * interval; a live lease is then never reclaimed early, whatever the stall.
     */
    private long judgedAge(PoolEntry<R, C> e, long now) {
        long age = now - e.leasedAt;
        if (p.clocks.isCoarse() && e.firstSeenLeased != Clocks.UNSET) {
            age = Math.min(age, Arithmetic.saturatedAdd(now - e.firstSeenLeased, settings.maintenanceIntervalNanos));
        }
        return age;
    }

    /** What one route's pass found under its lock, to act on after it. */
    private static final class RouteFindings<R, C> {
        final List<PoolEntry<R, C>> doomed = new ArrayList<>(0);
        final List<PoolEntry<R, C>> others = new ArrayList<>(0);
        final List<PoolEntry<R, C>> reclaim = new ArrayList<>(0);
        final List<LeaseInfo<R>> reclaimInfo = new ArrayList<>(0);
        final List<LeaseInfo<R>> leaks = new ArrayList<>(0);
        final List<String> stuckThreads = new ArrayList<>(0);
        final List<Long> stuckFor = new ArrayList<>(0);
        /** One of the stuck leases asked to wait without a timeout. */
        boolean stuckWithoutTimeout;
        List<LeaseInfo<R>> routeLeases;
        PoolStats stats;
        /** Units reserved for the route's warm connections (minIdlePerRoute), to start after the lock. */
        int warmConnections;
    }

    private void maintainRoute(RouteSegment<R, C> seg, long now, List<PoolEntry<R, C>> probes) {
        RouteFindings<R, C> f = new RouteFindings<>();
        seg.lockExact();
        try {
            if (seg.isRetired()) {
                return;
            }
            findIdle(seg, now, f);
            findLeases(seg, now, f);
            findStuckWaiters(seg, now, f);
            f.warmConnections = warming.planLocked(seg, now);
            f.stats = seg.stats(p.pool.defaultMaxPerRoute);
        } finally {
            seg.unlockExact();
        }
        p.connections.closeDetached(seg, f.doomed);
        if (f.warmConnections > 0) {
            warming.start(seg, f.warmConnections);
        }
        for (int i = 0; i < f.reclaim.size(); i++) {
            PoolEntry<R, C> e = f.reclaim.get(i);
            p.calls.close(e, CloseMode.IMMEDIATE); // its holder abandoned it; any I/O it still does fails
            p.handOff.freeEntry(seg, e);
            p.diagnostics.reclaimed.incrementAndGet();
            LeaseInfo<R> info = f.reclaimInfo.get(i);
            p.diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LEASE_RECLAIMED, seg.route,
                    Reports.reclaimed(settings.poolName, info, settings.reclaimAfterNanos, p.diagnostics.remedies.leak()),
                    Diagnostics.one(info), info.holder()));
        }
        for (LeaseInfo<R> info : f.leaks) {
            p.diagnostics.leaks.incrementAndGet();
            p.diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LEAK_SUSPECTED, seg.route,
                    Reports.leak(settings.poolName, info, settings.leakThresholdNanos, p.diagnostics.remedies.leak()),
                    Diagnostics.one(info), info.holder()));
        }
        if (!f.stuckThreads.isEmpty()) { // one report for the route's leases found stuck in this pass
            String message = Reports.stuckWaiters(settings.poolName, seg.route, false, f.stuckThreads, f.stuckFor,
                    settings.stuckWaiterNanos, f.stats, f.routeLeases, p.diagnostics.remedies.stuck(f.stuckWithoutTimeout));
            p.diagnostics.report(new Diagnostic<>(Diagnostic.Kind.WAITER_STUCK, seg.route, message, f.routeLeases,
                    f.stuckThreads.get(0)));
        }
        if (!f.others.isEmpty()) {
            dropClosedIdle(seg, f.others, now, probes);
        }
    }

    private void findIdle(RouteSegment<R, C> seg, long now, RouteFindings<R, C> f) {
        for (PoolEntry<R, C> e = seg.idle.oldest(), prev; e != null; e = prev) {
            prev = e.prev;
            if (now >= e.expiry || (settings.maxIdleNanos > 0 && now - e.updated >= settings.maxIdleNanos)
                    || (settings.learnIdleClose && seg.idleCloses.expired(now - e.updated))) {
                seg.detachIdle(e);
                f.doomed.add(e);
            } else {
                f.others.add(e);
            }
        }
    }

    private void findLeases(RouteSegment<R, C> seg, long now, RouteFindings<R, C> f) {
        for (PoolEntry<R, C> e = seg.leasedEntries.head(), next; e != null; e = next) {
            next = e.next;
            int w = e.word(); // one lease, judged by its generation: a lock-free release and claim may end it meanwhile
            if (!PoolEntry.isSettledLease(w)) {
                continue; // not a lease, or a lock-free claim still writing it (then it is new)
            }
            if (p.clocks.isCoarse() && e.firstSeenLeased == Clocks.UNSET) {
                e.firstSeenLeased = now;
            }
            long age = judgedAge(e, now);
            if (settings.reclaimAfterNanos > 0 && age >= settings.reclaimAfterNanos) {
                LeaseInfo<R> info = LeaseLedger.info(e, now);
                if (seg.reclaim(e, w)) { // still counted in leased until its units are freed
                    f.reclaimInfo.add(info);
                    f.reclaim.add(e);
                }
            } else if (settings.leakThresholdNanos > 0 && age >= settings.leakThresholdNanos && !e.leakReported) {
                LeaseInfo<R> info = LeaseLedger.info(e, now);
                if (e.word() == w) { // the same lease still: its fields were this lease's
                    e.leakReported = true;
                    f.leaks.add(info);
                }
            }
        }
    }

    private void findStuckWaiters(RouteSegment<R, C> seg, long now, RouteFindings<R, C> f) {
        if (settings.stuckWaiterNanos <= 0 || seg.waiters.size() == 0) {
            return;
        }
        for (Waiter<R, C> w = seg.waiters.oldest(); w != null; w = w.next) {
            if (isStuck(w, now)) {
                w.stuckReported = true;
                f.stuckThreads.add(w.requester.getName());
                f.stuckFor.add(now - w.waitStartNanos);
                f.stuckWithoutTimeout |= askedToWaitForever(w);
            }
        }
        if (!f.stuckThreads.isEmpty()) {
            f.routeLeases = LeaseLedger.leases(seg, now);
        }
    }

    /** Under the lock of the queue holding {@code w} (its owner set its timeout before queueing it). */
    private static boolean askedToWaitForever(Waiter<?, ?> w) {
        return w instanceof Lessee && (((Lessee<?, ?>) w).waitCapped || ((Lessee<?, ?>) w).waitsForever());
    }

    /** Under the lock of the queue holding {@code w}. */
    private boolean isStuck(Waiter<R, C> w, long now) {
        return w.isWaiting() && !w.stuckReported && w.waitStartNanos != Clocks.UNSET
                && now - w.waitStartNanos >= settings.stuckWaiterNanos;
    }

    /**
     * Closes idle entries the factory reports closed; collects, for the probe, those idle long enough: not the
     * connections released moments ago (likely to be leased again at once), but every other one, so that a
     * server's close is found at the next pass, within one interval.
     */
    private void dropClosedIdle(RouteSegment<R, C> seg, List<PoolEntry<R, C>> candidates, long now,
            List<PoolEntry<R, C>> probes) {
        long probeAfter = probeAfterNanos();
        for (PoolEntry<R, C> e : candidates) {
            if (p.calls.isOpen(e)) {
                if (p.calls.idleProbe != null && now - e.updated >= probeAfter) { // racy read; re-checked when probed
                    probes.add(e);
                }
                continue;
            }
            seg.lockExact();
            try {
                if (!e.is(PoolEntry.IDLE)) {
                    continue; // leased meanwhile: its lessee checks it
                }
                seg.detachIdle(e);
            } finally {
                seg.unlockExact();
            }
            p.connections.foundStale(e, Math.max(0, now - e.updated), now);
            p.calls.close(e, CloseMode.GRACEFUL);
            p.handOff.freeEntry(seg, e);
        }
    }

    private long probeAfterNanos() {
        return Math.max(1, Math.min(settings.maintenanceIntervalNanos, PROBE_MIN_IDLE_NANOS));
    }

    /**
     * Runs the idle probe on the collected entries, least recently probed first, within a time budget of a
     * quarter of the interval (a probe of a healthy HttpClient connection waits its 1 ms read timeout): with
     * more idle connections than fit, the probes rotate over the passes.
     */
    private void probeIdle(List<PoolEntry<R, C>> probes, long now) {
        if (probes.isEmpty()) {
            return;
        }
        long budget = settings.maintenanceIntervalNanos > 0 ? settings.maintenanceIntervalNanos / 4 : Long.MAX_VALUE;
        long started = p.clocks.now();
        long probeAfter = probeAfterNanos();
        for (PoolEntry<R, C> e : leastRecentlyProbedFirst(probes)) {
            if (p.clocks.now() - started >= budget || p.pool.closed) {
                return;
            }
            RouteSegment<R, C> seg = e.segment;
            seg.lockExact();
            try {
                if (!e.is(PoolEntry.IDLE) || now - e.updated < probeAfter) {
                    continue; // leased, or released again, meanwhile
                }
                if (seg.waiters.size() > 0 || p.capacity.count() != 0) {
                    continue; // leases are waiting: do not take a connection away from them for a probe
                }
                seg.startProbe(e);
                e.lastProbed = now;
            } finally {
                seg.unlockExact();
            }
            long idle = now - e.updated; // PROBING: no release changes it until returnProbed
            boolean keep = false;
            try {
                keep = p.calls.probe(e);
            } finally {
                if (keep && settings.learnIdleClose) {
                    seg.idleCloses.proved(idle); // its server had not closed it after idling that long
                }
                returnProbed(seg, e, keep);
            }
            if (!keep) {
                p.connections.foundStale(e, idle, now); // closed by returnProbed: nobody else reads or writes it
            }
        }
    }

    /**
     * Sorted by a snapshot of lastProbed (another pass may be writing it, and a comparator over changing keys
     * can break the sort's contract).
     */
    private static <R, C> List<PoolEntry<R, C>> leastRecentlyProbedFirst(List<PoolEntry<R, C>> probes) {
        long[] keys = new long[probes.size()];
        Integer[] order = new Integer[keys.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = probes.get(i).lastProbed;
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Long.compare(keys[x], keys[y]));
        List<PoolEntry<R, C>> sorted = new ArrayList<>(keys.length);
        for (Integer i : order) {
            sorted.add(probes.get(i));
        }
        return sorted;
    }

    /** A probed entry goes back (as a victim would: a waiter first, else by its release time) or is closed. */
    private void returnProbed(RouteSegment<R, C> seg, PoolEntry<R, C> e, boolean keep) {
        Waiter<R, C> w = null;
        HandOff.Disposal d = HandOff.Disposal.CLOSE;
        seg.lockExact();
        try {
            seg.endProbe(e); // in one critical section with its placement: stats never miss it
            if (keep) {
                w = p.handOff.placeLocked(seg, e, true);
                d = HandOff.disposal(e, w);
            }
        } finally {
            seg.unlockExact();
        }
        p.handOff.finish(seg, e, d, w, true);
    }

    /** One report per route for the capacity queue's leases found stuck in this pass (a route's, in queue order). */
    private void reportStuckCapacityWaiters(long now) {
        if (settings.stuckWaiterNanos <= 0 || p.capacity.count() == 0) {
            return;
        }
        // snapshot under the lock: once unlinked, a node's fields are reset by its owner
        Map<R, RouteFindings<R, C>> byRoute = new LinkedHashMap<>();
        p.capacity.lock.lock();
        try {
            for (Waiter<R, C> w = p.capacity.oldestLocked(); w != null; w = w.next) {
                if (isStuck(w, now)) {
                    w.stuckReported = true;
                    RouteFindings<R, C> f = byRoute.get(w.route);
                    if (f == null) {
                        byRoute.put(w.route, f = new RouteFindings<>());
                    }
                    f.stuckThreads.add(w.requester.getName());
                    f.stuckFor.add(now - w.waitStartNanos);
                    f.stuckWithoutTimeout |= askedToWaitForever(w);
                }
            }
        } finally {
            p.capacity.lock.unlock();
        }
        if (byRoute.isEmpty()) {
            return;
        }
        List<LeaseInfo<R>> all = p.diagnosis.leases();
        PoolStats t = p.diagnosis.totalStats();
        for (Map.Entry<R, RouteFindings<R, C>> e : byRoute.entrySet()) {
            RouteFindings<R, C> f = e.getValue();
            String message = Reports.stuckWaiters(settings.poolName, e.getKey(), true, f.stuckThreads, f.stuckFor,
                    settings.stuckWaiterNanos, t, all, p.diagnostics.remedies.stuck(f.stuckWithoutTimeout));
            p.diagnostics.report(new Diagnostic<>(Diagnostic.Kind.WAITER_STUCK, e.getKey(), message, all, f.stuckThreads.get(0)));
        }
    }
}

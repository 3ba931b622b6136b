package io.routepool.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The pool's questions about itself, asked on slow paths: its counts, who holds what, whether a waiting
 * thread holds everything it waits for, and what a timed-out lease should be told. Each takes its snapshot
 * under the segment locks, one at a time, and builds text (through {@link Reports}) after releasing them.
 */
final class Diagnosis<R, C> {

    private final Segments<R, C> segments;
    private final PoolState pool;
    private final Clocks clocks;
    private final Diagnostics<R> diagnostics;
    private final Settings settings;

    Diagnosis(Segments<R, C> segments, PoolState pool, Clocks clocks,
            Diagnostics<R> diagnostics, Settings settings) {
        this.segments = segments;
        this.pool = pool;
        this.clocks = clocks;
        this.diagnostics = diagnostics;
        this.settings = settings;
    }

    // ---------------------------------------------------------------- counts

    /** Summed segment by segment (deliberately not one atomic snapshot, as HttpCore's is under its global lock). */
    PoolStats totalStats() {
        int[] sum = new int[3];
        segments.forEachLocked(seg -> {
            PoolStats s = seg.stats(pool.defaultMaxPerRoute);
            sum[0] += s.leased();
            sum[1] += s.pending();
            sum[2] += s.available();
        });
        return new PoolStats(sum[0], sum[1], sum[2], pool.maxTotal);
    }

    PoolStats routeStats(R route) {
        for (;;) {
            RouteSegment<R, C> seg = segments.getOrCreate(route);
            seg.lockExact();
            try {
                if (!seg.isRetired()) {
                    return seg.stats(pool.defaultMaxPerRoute);
                }
            } finally {
                seg.unlockExact();
            }
        }
    }

    /** Every lease, oldest first. */
    List<LeaseInfo<R>> leases() {
        long now = clocks.now();
        List<LeaseInfo<R>> out = new ArrayList<>();
        segments.forEachLocked(seg -> out.addAll(LeaseLedger.leases(seg, now)));
        Collections.sort(out, LeaseLedger.OLDEST_FIRST);
        return out;
    }

    private LeaseInfo<R> oldestLeaseInPool(long now) {
        List<LeaseInfo<R>> oldest = new ArrayList<>(1);
        for (RouteSegment<R, C> seg : segments.all()) {
            if (seg.leasedHint() == 0) { // racy hint: a route without leases needs no lock
                continue;
            }
            seg.lockExact();
            try {
                LeaseInfo<R> o = LeaseLedger.oldest(seg, now);
                if (o != null && (oldest.isEmpty() || o.ageNanos() > oldest.get(0).ageNanos())) {
                    oldest.clear();
                    oldest.add(o);
                }
            } finally {
                seg.unlockExact();
            }
        }
        return oldest.isEmpty() ? null : oldest.get(0);
    }

    // ---------------------------------------------------------------- self-deadlock

    /**
     * The leases of {@code thread} if they are at least maxTotal (so that no other thread can get a connection
     * until it releases one), else null. Stops at the first lease of another thread. Sound although the scan
     * is not atomic: only the thread itself could add to its leases, and it is here.
     */
    List<LeaseInfo<R>> heldOnlyByInPool(Thread thread) {
        long now = clocks.now(); // reports read the clock: the coarse one may lag the lease times it is compared with
        List<LeaseInfo<R>> mine = new ArrayList<>();
        for (RouteSegment<R, C> seg : segments.all()) {
            if (seg.leasedHint() == 0) { // racy hint; soundness rests on counting at least maxTotal leases of ours
                continue;
            }
            seg.lockExact();
            try {
                if (LeaseLedger.heldOnlyBy(seg, thread) < 0) {
                    return null;
                }
                mine.addAll(LeaseLedger.leases(seg, now));
            } finally {
                seg.unlockExact();
            }
        }
        if (mine.isEmpty() || mine.size() < pool.maxTotal) {
            return null;
        }
        Collections.sort(mine, LeaseLedger.OLDEST_FIRST);
        return mine;
    }

    /**
     * Reports (at once) the self-deadlock of {@code w}: its thread must wait for connections that are all leased
     * by itself. The caller throws the returned exception only with failOnSelfDeadlock.
     */
    SelfDeadlockException selfDeadlock(Lessee<R, C> w, int limit, String limitName, List<LeaseInfo<R>> own,
            long timeoutNanos) {
        diagnostics.selfDeadlocks.incrementAndGet();
        String thread = w.requester.getName();
        // where it asked, only when stacks are captured (a stack walk; and a report shows it as frames)
        Throwable askedAt = settings.captureLeaseStacks ? new LeaseSite("asked") : null;
        String message = Reports.selfDeadlock(settings.poolName, thread, w.route, own.size(), limitName, limit,
                settings.failOnSelfDeadlock, timeoutNanos, w.waitCapped, own, askedAt, diagnostics.remedies.selfDeadlock());
        // when failing, the exception carries the message to the caller: the listener hears of it, the log does not
        diagnostics.report(new Diagnostic<>(Diagnostic.Kind.SELF_DEADLOCK, w.route, message, own, thread),
                !settings.failOnSelfDeadlock);
        return new SelfDeadlockException(message);
    }

    // ---------------------------------------------------------------- timeouts

    /** The exception of a lease that timed out, with a message that explains itself (see {@link TimeoutReport}). */
    /** A lease refused a wait by a cap on waiting leases; outside every lock (it reads the route's and pool's counts). */
    PendingLimitException pendingLimit(Lessee<R, C> w, String limitName, int limit) {
        diagnostics.pendingRefused.incrementAndGet();
        return new PendingLimitException(Reports.pendingLimit(settings.poolName, w.route, limitName, limit,
                routeStats(w.route), totalStats()), limitName, limit);
    }

    TimeoutException timeout(Lessee<R, C> w, long timeoutNanos, String selfDeadlockLimit) {
        diagnostics.timedOut.incrementAndGet();
        if (timeoutNanos == 0) {
            return new TimeoutException(Reports.pollTimeout(settings.poolName, w.route, routeStats(w.route), totalStats()));
        }
        TimeoutReport<R> t = new TimeoutReport<>();
        long now = clocks.now();
        RouteSegment<R, C> seg = segments.get(w.route);
        if (seg != null) {
            seg.lockExact();
            try {
                if (!seg.isRetired()) {
                    t.routeStats = seg.stats(pool.defaultMaxPerRoute);
                    t.oldest = LeaseLedger.oldest(seg, now);
                    t.heldByThread = w.isAsync() ? -1 : LeaseLedger.heldOnlyBy(seg, w.requester);
                    t.idleOtherState = seg.idle.unusableBy(w.state);
                }
            } finally {
                seg.unlockExact();
            }
        }
        if (t.routeStats == null) {
            Integer own = segments.override(w.route);
            t.routeStats = new PoolStats(0, 0, 0, own != null ? own : pool.defaultMaxPerRoute);
        }
        t.oldestOfRoute = t.oldest != null;
        if (t.oldest == null) {
            t.oldest = oldestLeaseInPool(now);
        }
        t.totalStats = totalStats();
        t.route = w.route;
        t.requestedState = w.state;
        t.timeoutNanos = timeoutNanos;
        t.thread = w.requester.getName();
        t.selfDeadlockLimit = selfDeadlockLimit;
        t.mismatches = diagnostics.stateMismatches(w.route);
        t.leakThresholdNanos = settings.leakThresholdNanos;
        t.pool = settings.poolName;
        t.capped = w.waitCapped;
        t.maxLeaseWaitRemedy = diagnostics.remedies.maxLeaseWait();
        t.selfDeadlockRemedy = diagnostics.remedies.selfDeadlock();
        t.leakRemedy = diagnostics.remedies.leak();
        t.mismatchRemedy = diagnostics.remedies.stateMismatch();
        String message = t.message();
        List<LeaseInfo<R>> subject = new ArrayList<>(1);
        if (t.oldest != null) {
            subject.add(t.oldest);
        }
        diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LEASE_TIMEOUT, w.route, message, subject, t.thread));
        return new TimeoutException(message);
    }

    /** The holder of a reclaimed lease released it: ignored, with a warning. */
    void lateRelease(PoolEntry<R, C> entry, long now) {
        LeaseInfo<R> info = LeaseLedger.lateRelease(entry, now);
        diagnostics.report(new Diagnostic<>(Diagnostic.Kind.LATE_RELEASE, entry.route(),
                Reports.lateRelease(settings.poolName, info, settings.reclaimAfterNanos), Diagnostics.one(info), info.holder()));
    }
}

package io.routepool.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Who holds what: every transition into LEASED or GRANTED records, under the segment lock, the borrower (the
 * thread that asked) and the lease time ({@link #lease}); release clears the borrower under the same lock
 * ({@link #release}). So a reader holding the segment lock (maintenance, leases(), the timeout message,
 * self-deadlock detection) sees a consistent (entry, holder, since) triple. The hot path pays a few field
 * stores under a lock it already holds. Whether lease sites are captured is bound when the pool is built.
 */
final class LeaseLedger {

    /** Oldest first. */
    static final Comparator<LeaseInfo<?>> OLDEST_FIRST = (x, y) -> Long.compare(y.ageNanos(), x.ageNanos());

    private final boolean captureSites;

    LeaseLedger(boolean captureSites) {
        this.captureSites = captureSites;
    }

    /**
     * The requester's stack, or null unless stack capture is on; made before any lock is taken. (One final
     * field read: the JIT folds it, as it would a null-object call.)
     */
    Throwable site(Thread requester) {
        return captureSites ? new LeaseSite(requester) : null;
    }

    /** Under the entry's lock: the entry's new lease, held by {@code borrower} since {@code now}. */
    static void lease(PoolEntry<?, ?> e, Thread borrower, boolean async, long now, Throwable site) {
        assert e.segment.lock.isHeldByCurrentThread();
        record(e, borrower, async, now, site);
    }

    private static void record(PoolEntry<?, ?> e, Thread borrower, boolean async, long now, Throwable site) {
        e.borrower = borrower;
        e.asyncLease = async;
        e.leasedAt = now;
        e.leases++;
        e.firstSeenLeased = Clocks.UNSET;
        e.leaseSite = site;
        e.leakReported = false;
    }

    /**
     * Without a lock, right after a lock-free claim (the entry is LEASED|FRESH, so nobody else reads these as this
     * lease's yet): the new lease, then FRESH cleared.
     */
    static void leaseClaimed(PoolEntry<?, ?> e, Thread borrower, long now, Throwable site) {
        record(e, borrower, false, now, site);
        e.fastReuses++;
        e.leaseStarted();
    }

    /** Without a lock, by the lessee before its lock-free release: as {@link #release}. */
    static void releasing(PoolEntry<?, ?> e) {
        e.borrower = null;
        if (e.leaseSite != null) {
            e.leaseSite = null;
        }
    }

    /**
     * Under seg.lock: claims the route's most recently released idle entry that {@code state} can use (see
     * {@link IdleIndex#claim}) for a new lease and records it, or returns null. Every claim goes through here, so
     * none can hand out an entry that still carries its previous lease's holder and time.
     */
    static <R, C> PoolEntry<R, C> claim(RouteSegment<R, C> seg, Object state, Thread borrower, boolean async, long now,
            Throwable site) {
        PoolEntry<R, C> e = seg.claimIdle(state);
        if (e != null) {
            lease(e, borrower, async, now, site);
        }
        return e;
    }

    /** As {@link #claim}, for thread affinity alone (see {@link RouteSegment#claimAffine}); needs no exact view. */
    static <R, C> PoolEntry<R, C> claimAffine(RouteSegment<R, C> seg, Object state, Thread borrower, long now, Throwable site) {
        PoolEntry<R, C> e = seg.claimAffine(state);
        if (e != null) {
            lease(e, borrower, false, now, site);
        }
        return e;
    }

    /** As {@link #claim}, for the index's newest entry of exactly {@code state} (see {@link RouteSegment#claimOfState}). */
    static <R, C> PoolEntry<R, C> claimOfState(RouteSegment<R, C> seg, Object state, Thread borrower, long now, Throwable site) {
        PoolEntry<R, C> e = seg.claimOfState(state);
        if (e != null) {
            lease(e, borrower, false, now, site);
        }
        return e;
    }

    /** Under the entry's lock, at release: the entry stops holding its borrower and lease site. */
    static void release(PoolEntry<?, ?> e) {
        assert e.segment.lock.isHeldByCurrentThread();
        releasing(e);
    }

    /** A snapshot of {@code e}'s lease at {@code now} (under its lock). */
    static <R> LeaseInfo<R> info(PoolEntry<R, ?> e, long now) {
        Thread t = e.borrower;
        String name = t == null ? "?" : t.getName();
        long id = t == null ? -1 : t.getId();
        Thread.State st = t == null ? null : t.getState();
        return new LeaseInfo<>(e.route(), e.id(), e.state(), name, id, st, Math.max(0, now - e.leasedAt), e.leaseSite,
                e.asyncLease);
    }

    /** A lease that maintenance took back, released late by the current thread (for the warning). */
    static <R> LeaseInfo<R> lateRelease(PoolEntry<R, ?> e, long now) {
        Thread me = Thread.currentThread();
        return new LeaseInfo<>(e.route(), e.id(), e.state(), me.getName(), me.getId(), me.getState(),
                Math.max(0, now - e.leasedAt), null, e.asyncLease);
    }

    /** The route's leases, oldest first (under its lock). */
    static <R, C> List<LeaseInfo<R>> leases(RouteSegment<R, C> seg, long now) {
        assert seg.lock.isHeldByCurrentThread();
        List<LeaseInfo<R>> out = new ArrayList<>();
        for (PoolEntry<R, C> e = seg.leasedEntries.head(); e != null; e = e.next) {
            if (e.isHeld()) {
                out.add(info(e, now));
            }
        }
        Collections.sort(out, OLDEST_FIRST);
        return out;
    }

    /** The route's oldest lease, or null (under its lock). */
    static <R, C> LeaseInfo<R> oldest(RouteSegment<R, C> seg, long now) {
        assert seg.lock.isHeldByCurrentThread();
        PoolEntry<R, C> oldest = null;
        for (PoolEntry<R, C> e = seg.leasedEntries.head(); e != null; e = e.next) {
            if (e.isHeld() && (oldest == null || e.leasedAt < oldest.leasedAt)) {
                oldest = e;
            }
        }
        return oldest == null ? null : info(oldest, now);
    }

    /**
     * How many entries {@code thread} holds on the route, if it holds every lease of it (no other thread's
     * lease, grant or creation in flight, and no async lease, whose completion runs elsewhere), else -1.
     */
    static int heldOnlyBy(RouteSegment<?, ?> seg, Thread thread) {
        assert seg.lock.isHeldByCurrentThread();
        int mine = 0;
        for (PoolEntry<?, ?> e = seg.leasedEntries.head(); e != null; e = e.next) {
            if (!e.isHeld() || e.borrower != thread || e.asyncLease) {
                return -1;
            }
            mine++;
        }
        return mine == seg.leased() ? mine : -1;
    }
}

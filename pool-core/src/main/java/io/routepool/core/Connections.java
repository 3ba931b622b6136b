package io.routepool.core;

import java.io.IOException;
import java.util.List;

/**
 * What a lease does outside every lock with the entry or the units it obtained: check a reused entry, create
 * a connection on units it holds (first closing the victim whose units it took over), close what it detached.
 * Any failure gives the units back through {@link HandOff}, so no capacity is lost.
 */
final class Connections<R, C> {

    private final PoolState pool;
    private final Clocks clocks;
    private final UserCode<R, C> calls;
    private final HandOff<R, C> handOff;
    private final Diagnostics<R> diagnostics;
    private final long timeToLiveNanos;
    /** Settings.timeToLiveJitter: each connection's time to live is shortened by up to this part of it, at random. */
    private final double timeToLiveJitter;
    /** Settings.learnIdleClose: each route's IdleCloses decides checks and expiry too. */
    private final boolean learnIdleClose;
    private final String poolName;
    private final Segments<R, C> segments;

    Connections(PoolState pool, Clocks clocks, UserCode<R, C> calls, HandOff<R, C> handOff, Diagnostics<R> diagnostics,
            Settings settings, Segments<R, C> segments) {
        this.segments = segments;
        this.pool = pool;
        this.clocks = clocks;
        this.calls = calls;
        this.handOff = handOff;
        this.diagnostics = diagnostics;
        this.timeToLiveNanos = settings.timeToLiveNanos;
        this.timeToLiveJitter = settings.timeToLiveJitter;
        this.learnIdleClose = settings.learnIdleClose;
        this.poolName = settings.poolName;
    }

    /** A new connection's validity deadline: created + the time to live, shortened by its jitter; NEVER without one. */
    long validityDeadline(long created) {
        if (timeToLiveNanos <= 0) {
            return PoolEntry.NEVER;
        }
        long ttl = timeToLiveNanos;
        if (timeToLiveJitter > 0) {
            ttl -= (long) (ttl * timeToLiveJitter * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        }
        return Arithmetic.saturatedAdd(created, ttl);
    }

    /** The time a check of {@code e} needs, or {@link Clocks#UNSET} when it needs none (no expiry, no validation). */
    long checkTime(PoolEntry<R, C> e) {
        return e.expiry != PoolEntry.NEVER || pool.validateAfterInactivityNanos > 0 ? clocks.now() : Clocks.UNSET;
    }

    /**
     * Checks a claimed or granted entry at {@code now} (UNSET when {@link #checkTime} found no check needing it):
     * its expiry, what its route learned of its server's idle close (IdleCloses: an expiry, or a validation), isOpen,
     * then the validator when it idled at least validateAfterInactivity or its route asks for one. An unusable one is
     * discarded (units freed) and null returned; one found closed or invalid is a stale connection found.
     */
    PoolEntry<R, C> checkOut(PoolEntry<R, C> e, long now) {
        if (now != Clocks.UNSET && now >= e.expiry) {
            handOff.discardLeased(e);
            return null;
        }
        long validateAfter = pool.validateAfterInactivityNanos;
        boolean validate = validateAfter > 0 && now - e.updated >= validateAfter;
        long idle = 0;
        if (learnIdleClose) {
            IdleCloses learned = e.segment.idleCloses;
            idle = Math.max(0, e.leasedAt - e.updated); // on the lease clock: no clock read
            if (learned.expired(idle)) {
                handOff.discardLeased(e);
                return null;
            }
            validate |= validateAfter > 0 && learned.toValidate(idle, e.updated);
        }
        if (calls.usable(e, validate)) {
            return e;
        }
        if (learnIdleClose) {
            foundStale(e, idle, e.leasedAt);
        } else {
            diagnostics.staleFound.incrementAndGet();
        }
        handOff.discardLeased(e);
        return null;
    }

    /**
     * A connection of {@code e}'s route, released at {@code e.updated} and idle {@code idle}, was found closed by its
     * server at {@code foundAt} (a check, maintenance, or {@link KeyedPool#releaseStale}): counted, and learned by the
     * route (IdleCloses); the first close a route learns is logged, once. Outside any lock.
     */
    void foundStale(PoolEntry<R, C> e, long idle, long foundAt) {
        diagnostics.staleFound.incrementAndGet();
        if (!learnIdleClose) {
            return;
        }
        IdleCloses learned = e.segment.idleCloses;
        if (learned.foundClosed(idle, e.updated, foundAt)) {
            segments.learned(e.route(), learned);
            diagnostics.log.warn(PoolLogger.DIAGNOSTICS, Reports.idleCloseLearned(poolName, e.route(), idle,
                    learned.expireAfter), null);
        }
    }

    /**
     * Creates a connection on a route and pool unit the lessee holds (counted in leased), first closing
     * {@code victim} whose units it took over. {@code id} 0: draw a number now.
     */
    PoolEntry<R, C> create(RouteSegment<R, C> seg, PoolEntry<R, C> victim, boolean victimOwnsRouteUnit, long id,
            Waiter<R, C> lessee) throws IOException {
        if (victim != null) {
            closeVictim(victim, victimOwnsRouteUnit);
        }
        C conn;
        try {
            conn = calls.create(seg.route);
        } catch (IOException | RuntimeException | Error ex) {
            handOff.freeUnit(seg, RouteUnit.LEASED);
            throw ex;
        }
        long now = clocks.now();
        PoolEntry<R, C> e = new PoolEntry<>(seg, id != 0 ? id : pool.nextId(), conn, now,
                validityDeadline(now));
        boolean open;
        seg.lockExact();
        try {
            open = !pool.closed;
            if (open) {
                seg.linkCreated(e);
                LeaseLedger.lease(e, lessee.requester, lessee.isAsync(), now, lessee.leaseSite);
            }
        } finally {
            seg.unlockExact();
        }
        diagnostics.connectionCreated(seg.route, e.id());
        if (!open) {
            calls.close(e, CloseMode.GRACEFUL);
            handOff.freeUnit(seg, RouteUnit.LEASED);
            throw pool.closedException();
        }
        return e;
    }

    /** Closes a victim whose units a lease took over (its route unit is freed if it kept one). */
    void closeVictim(PoolEntry<R, C> victim, boolean victimOwnsRouteUnit) {
        calls.close(victim, CloseMode.GRACEFUL);
        handOff.closedVictim(victim, victimOwnsRouteUnit);
    }

    /** Closes detached idle entries (surplus, expired, swept) and frees their units. */
    void closeDetached(RouteSegment<R, C> seg, List<PoolEntry<R, C>> detached) {
        for (PoolEntry<R, C> e : detached) {
            calls.close(e, CloseMode.GRACEFUL);
            handOff.freeEntry(seg, e);
        }
    }
}

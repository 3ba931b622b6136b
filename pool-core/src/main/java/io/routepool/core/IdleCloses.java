package io.routepool.core;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one route has learned about its server's idle close (DESIGN.md, "Stale connections"): servers close
 * keep-alive connections that idled past their own timeout, often without a {@code Keep-Alive} header saying so,
 * and a connection so closed fails the next request sent on it.
 *
 * <ul>
 *   <li>{@link #provenIdle}: the longest idle time after which a reused connection of the route then served its
 *       lease (released reusable), or passed maintenance's idle probe. The server's timeout is longer than that.</li>
 *   <li>{@link #closedAfter}: the shortest idle time after which one was found closed by its server, counted only
 *       when at least {@link #provenIdle} and {@link #EXPLORE_FLOOR_NANOS} (a connection closed younger than one known
 *       to survive, or within moments of its last use, was closed for another reason, a restart say, and teaches
 *       nothing about the timeout). A connection proven to survive {@link #closedAfter} or longer shows that close
 *       was not the timeout either: what was learned is then forgotten.</li>
 *   <li>{@link #expireAfter}: idle connections idle this long expire (are closed instead of handed out): a margin
 *       before {@link #closedAfter}, never below {@link #provenIdle}.</li>
 *   <li>{@link #suspectBefore}: when a stale connection was last found on the route. Idle connections released
 *       before it were idle when it closed, and usually closed with it: each is validated before a lease gets it.</li>
 * </ul>
 *
 * <p>A lease validates (when the pool has a validator and validation after inactivity is on) a reused connection
 * that idled longer than {@link #provenIdle} (and at least {@link #EXPLORE_FLOOR_NANOS}), or one released before
 * {@link #suspectBefore}, whatever {@code validateAfterInactivity} says: so the first stale connection after a
 * server's idle close is found by the check, not by a failed request.
 *
 * <p>Concurrency: every field is volatile and read without a lock (the lease and release paths read
 * {@link #provenIdle} and {@link #expireAfter}; neither is written in steady state). Writes are rare (a record
 * idle time, a stale connection found) and go through the synchronized methods, so that the invariants hold
 * between writers: {@code provenIdle <= expireAfter} and {@code expireAfter = max(closedAfter - margin(closedAfter),
 * provenIdle)} whenever {@code closedAfter} is set, and {@code provenIdle < closedAfter}; {@code provenIdle} and
 * {@code suspectBefore} only grow, {@code closedAfter} only shrinks but for being forgotten (back to NONE). A reader may see one field's new value with another's old: each decision it
 * makes is then one the previous or the next state would make too.
 */
final class IdleCloses {

    static final long NONE = Long.MAX_VALUE;
    /** Connections idle less than this are never validated for exploration: no server closes them so soon. */
    static final long EXPLORE_FLOOR_NANOS = 100_000_000L;
    /** The least margin by which learned expiry precedes a learned close. */
    static final long MIN_MARGIN_NANOS = 50_000_000L;

    volatile long provenIdle;
    volatile long closedAfter = NONE;
    volatile long expireAfter = NONE;
    volatile long suspectBefore = Clocks.UNSET;
    /** Set by the one caller that logs the route's first learned close. */
    final AtomicBoolean told = new AtomicBoolean();

    /** A reused connection that idled {@code idle} served its lease, or an idle one passed the probe. */
    void proved(long idle) {
        if (idle > provenIdle) { // racy pre-check: the common case writes nothing
            raise(idle);
        }
    }

    private synchronized void raise(long idle) {
        if (idle <= provenIdle) {
            return;
        }
        provenIdle = idle;
        if (idle >= closedAfter) { // it outlived the learned close: that close was not the server's timeout
            closedAfter = NONE;
            expireAfter = NONE;
        } else if (closedAfter != NONE) {
            expireAfter = expiry(closedAfter);
        }
    }

    private long expiry(long closed) {
        return Math.max(closed - Math.max(closed / 8, MIN_MARGIN_NANOS), provenIdle);
    }

    /**
     * A connection released at {@code releasedAt}, idle {@code idle}, was found closed by its server at
     * {@code foundAt}. Returns true if this lowered {@link #closedAfter} for the first time on this route (the
     * caller then says so, once).
     */
    synchronized boolean foundClosed(long idle, long releasedAt, long foundAt) {
        if (foundAt > suspectBefore) {
            suspectBefore = foundAt;
        }
        if (idle <= provenIdle || idle >= closedAfter || idle < EXPLORE_FLOOR_NANOS) {
            return false;
        }
        boolean first = closedAfter == NONE;
        closedAfter = idle;
        expireAfter = expiry(idle);
        return first && told.compareAndSet(false, true);
    }

    /** Whether a connection idle {@code idle} since {@code releasedAt} is to be validated before it is handed out. */
    boolean toValidate(long idle, long releasedAt) {
        return idle > provenIdle && idle >= EXPLORE_FLOOR_NANOS || releasedAt < suspectBefore;
    }

    /** Whether a connection idle {@code idle} has expired by what the route learned. */
    boolean expired(long idle) {
        return idle >= expireAfter;
    }
}

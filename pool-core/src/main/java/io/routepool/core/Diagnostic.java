package io.routepool.core;

import java.util.List;

/**
 * A problem the pool noticed, as reported to a {@link PoolListener} (and, for most kinds, logged at
 * WARNING on the {@code io.routepool.core.PoolDiagnostics} {@link System.Logger}).
 *
 * @param kind    what was noticed
 * @param route   the route it concerns
 * @param message the full text, written for the person debugging a hang: what is wrong, where, what to change
 * @param leases  the leases relevant to it (the route's, or the one suspected), oldest first
 * @param thread  the thread concerned: the waiting one for {@link Kind#SELF_DEADLOCK},
 *                {@link Kind#WAITER_STUCK} and {@link Kind#LEASE_TIMEOUT}; the one releasing late for
 *                {@link Kind#LATE_RELEASE}; else the borrower of the lease, or {@code null}
 */
public record Diagnostic<R>(Kind kind, R route, String message, List<LeaseInfo<R>> leases, String thread) {

    public Diagnostic {
        leases = List.copyOf(leases);
    }

    /** What the pool noticed. */
    public enum Kind {
        /** A lease has been held longer than {@link PoolBuilder#leakThreshold}; reported once per lease. */
        LEAK_SUSPECTED,
        /** A lease held longer than {@link PoolBuilder#reclaimAbandonedAfter} was taken back: its connection closed, its capacity freed. */
        LEASE_RECLAIMED,
        /** The holder of a reclaimed lease released it; the release was ignored. */
        LATE_RELEASE,
        /** A thread must wait for connections that are all leased by itself. */
        SELF_DEADLOCK,
        /** A lease has waited longer than {@link PoolBuilder#stuckWaiterThreshold}; reported once per lease. */
        WAITER_STUCK,
        /** A lease opened a new connection or waited while idle connections of its route carried another state; logged once per route. */
        STATE_MISMATCH,
        /** A lease timed out; the message is the exception's. Not logged (the exception carries it). */
        LEASE_TIMEOUT
    }
}

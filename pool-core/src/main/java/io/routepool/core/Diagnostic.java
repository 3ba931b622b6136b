package io.routepool.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A problem the pool noticed, as reported to a {@link PoolListener} (and, for most kinds, logged at
 * WARNING on the {@code io.routepool.core.PoolDiagnostics} logger, see {@link PoolLogger}).
 *
 * <p>Its fields, in the order of the constructor's parameters:
 * <ul>
 *   <li>{@code kind}: what was noticed</li>
 *   <li>{@code route}: the route it concerns</li>
 *   <li>{@code message}: the full text, written for the person debugging a hang: what is wrong, where, what to change</li>
 *   <li>{@code leases}: the leases relevant to it (the route's, or the one suspected), oldest first</li>
 *   <li>{@code thread}: the thread concerned: the waiting one for {@link Kind#SELF_DEADLOCK}, {@link Kind#WAITER_STUCK} (the longest waiting) and {@link Kind#LEASE_TIMEOUT}; the one releasing late for {@link Kind#LATE_RELEASE}; else the borrower of the lease, or {@code null}</li>
 * </ul>
 */
public final class Diagnostic<R> {

    private final Kind kind;
    private final R route;
    private final String message;
    private final List<LeaseInfo<R>> leases;
    private final String thread;

    /** The fields, in the order of the accessors; {@code leases} is copied (unmodifiable, no null element). */
    public Diagnostic(Kind kind, R route, String message, List<LeaseInfo<R>> leases, String thread) {
        this.kind = kind;
        this.route = route;
        this.message = message;
        List<LeaseInfo<R>> copy = new ArrayList<>(leases);
        for (LeaseInfo<R> l : copy) {
            Objects.requireNonNull(l, "leases must not contain null");
        }
        this.leases = Collections.unmodifiableList(copy);
        this.thread = thread;
    }

    /** What was noticed. */
    public Kind kind() {
        return kind;
    }

    /** The route it concerns. */
    public R route() {
        return route;
    }

    /** The full text, written for the person debugging a hang: what is wrong, where, what to change. */
    public String message() {
        return message;
    }

    /** The leases relevant to it (the route's, or the one suspected), oldest first; unmodifiable. */
    public List<LeaseInfo<R>> leases() {
        return leases;
    }

    /** The thread concerned (see the class description), or {@code null}. */
    public String thread() {
        return thread;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Diagnostic)) {
            return false;
        }
        Diagnostic<?> d = (Diagnostic<?>) o;
        return kind == d.kind && Objects.equals(route, d.route) && Objects.equals(message, d.message)
                && leases.equals(d.leases) && Objects.equals(thread, d.thread);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, route, message, leases, thread);
    }

    @Override
    public String toString() {
        return "Diagnostic[kind=" + kind + ", route=" + route + ", message=" + message + ", leases=" + leases
                + ", thread=" + thread + "]";
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
        /**
         * Leases have waited longer than {@link PoolBuilder#stuckWaiterThreshold}: one report per route for the
         * leases a maintenance pass finds stuck, each lease in one report only; {@link #thread()} is the longest waiting.
         */
        WAITER_STUCK,
        /** A lease opened a new connection or waited while idle connections of its route carried another state; logged once per route. */
        STATE_MISMATCH,
        /** A lease timed out; the message is the exception's. Not logged (the exception carries it). */
        LEASE_TIMEOUT
    }
}

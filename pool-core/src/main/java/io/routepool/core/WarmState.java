package io.routepool.core;

/**
 * One route's pre-warming ({@link Warming}): every field but {@link #named} is guarded by its segment's lock.
 * Invariants: {@link #inFlight} is set from a pass that gives the route a task until that task ends (or is taken for
 * dropped, {@link Warming#ABANDONED_TASK_NANOS}), so a route normally has one task; a task holds at most one reserved
 * unit at a time, from just before a connect until the connection is placed or the unit freed; {@link #failures} is the length of the current run of failed attempts, and
 * {@link #notBefore} is UNSET when it is 0; {@link #told} is set from the run's first failure (logged once) until an
 * attempt succeeds.
 */
final class WarmState {

    /** Named by warmRoutes: warmed from the first pass, never purged. Final in effect: set when the segment is made. */
    final boolean named;
    /** A lease has run on the route (its slow path, which every route's first lease takes); warming may start. */
    boolean used;
    /** The pool-clock time of the route's latest lease a pass has seen (a slow-path lease, or a changed reused count). */
    long lastLease = Clocks.UNSET;
    /** The route's reused count at the pass that last saw it change. */
    long reusedSeen;
    boolean inFlight;
    /** When the current task was planned or last reserved a unit: how a dropped task is recognised. */
    long progressAt;
    int failures;
    /** The pool-clock time before which the route is not warmed again (its backoff), or UNSET. */
    long notBefore = Clocks.UNSET;
    boolean told;

    WarmState(boolean named) {
        this.named = named;
    }
}

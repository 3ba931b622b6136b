package io.routepool.core;

/**
 * One route's pre-warming ({@link Warming}): every field is guarded by its segment's lock. Invariants: {@link #inFlight}
 * is set exactly while a warming task of the route holds reserved units (counted in the segment's {@code leased}), so
 * a route has at most one task; {@link #failures} is the length of the current run of failed attempts, and
 * {@link #notBefore} is UNSET when it is 0; {@link #told} is set from the run's first failure (logged once) until an
 * attempt succeeds.
 */
final class WarmState {

    /** A lease has run on the route (its slow path, which every route's first lease takes); warming may start. */
    boolean used;
    boolean inFlight;
    int failures;
    /** The pool-clock time before which the route is not warmed again (its backoff), or UNSET. */
    long notBefore = Clocks.UNSET;
    boolean told;
}

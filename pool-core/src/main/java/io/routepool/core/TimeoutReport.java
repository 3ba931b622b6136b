package io.routepool.core;

/**
 * The facts a timed-out lease gathers (under the locks, by {@link Diagnosis#timeout}) and the message they make:
 * the route's and the pool's limits and counts, the oldest lease and its holder, and whether a self-deadlock, a
 * leak or a state mismatch is suspected, with the remedy.
 */
final class TimeoutReport<R> {

    String pool;
    Object route;
    Object requestedState;
    /** The caller asked to wait forever and maxLeaseWait bounded the wait ({@link #timeoutNanos} is the cap). */
    boolean capped;
    String maxLeaseWaitRemedy;
    long timeoutNanos;
    String thread;
    /** The route's counts, and the pool's. */
    PoolStats routeStats;
    PoolStats totalStats;
    /** The oldest lease of the route, else of the pool, or null; {@code oldestOfRoute} says which. */
    LeaseInfo<R> oldest;
    boolean oldestOfRoute;
    /** How many of the route's leases the waiting thread holds, if it holds all of them, else -1. */
    int heldByThread = -1;
    /** The limit this lease found all taken by its own thread when it began to wait ("maxTotal 20"), or null. */
    String selfDeadlockLimit;
    /** Idle entries of the route carrying another state, and the leases so affected so far. */
    int idleOtherState;
    long mismatches;
    long leakThresholdNanos;
    String selfDeadlockRemedy;
    String leakRemedy;
    String mismatchRemedy;

    /** The message: a head line (pool, wait, route), then indented details (see {@link Reports}). */
    String message() {
        StringBuilder m = new StringBuilder(400).append("Timeout waiting for connection from pool ").append(pool)
                .append(" after ").append(Texts.millis(timeoutNanos)).append(" ms, route ")
                .append(Texts.brief(route, Reports.HEAD_ROUTE));
        Reports.fullRouteIfCut(m, route);
        Texts.detail(m, 2, Reports.counts(routeStats, totalStats));
        if (capped) {
            Texts.detail(m, 2, "The caller asked to wait without a timeout; maxLeaseWait (" + Texts.seconds(timeoutNanos)
                    + ") capped the wait. " + maxLeaseWaitRemedy);
        }
        if (oldest != null) {
            Texts.detail(m, 2, (oldestOfRoute ? "Oldest lease of the route: " : "The route has no lease; oldest lease in the pool: ")
                    + oldest + ".");
        }
        int suspects = selfDeadlock(m) + leak(m) + mismatch(m);
        if (suspects == 0) {
            Texts.detail(m, 2, "No leak, self-deadlock or state mismatch suspected: the connections were busy for the"
                    + " whole wait; raise maxPerRoute/maxTotal, or hold each connection for less time.");
        }
        return m.toString();
    }

    private int selfDeadlock(StringBuilder m) {
        if (heldByThread > 0 && heldByThread >= routeStats.max()) {
            Texts.detail(m, 2, "Self-deadlock suspected: all " + heldByThread + " connections of the route (maxPerRoute "
                    + routeStats.max() + ") are leased by this thread (\"" + thread
                    + "\"), which was waiting for one of them. " + selfDeadlockRemedy);
            return 1;
        }
        if (selfDeadlockLimit != null) {
            Texts.detail(m, 2, "Self-deadlock suspected: when this lease began to wait, all the connections it could get ("
                    + selfDeadlockLimit + ") were leased by this thread (\"" + thread + "\"). " + selfDeadlockRemedy);
            return 1;
        }
        return 0;
    }

    private int leak(StringBuilder m) {
        boolean endedHolder = oldest != null && oldest.holderState() == Thread.State.TERMINATED && !oldest.async();
        if (oldest == null || !((leakThresholdNanos > 0 && oldest.ageNanos() >= leakThresholdNanos) || endedHolder)) {
            return 0;
        }
        Texts.detail(m, 2, "Leak suspected: the oldest lease " + (endedHolder
                ? "belongs to a thread that has ended (unless another thread releases it on that one's behalf, nobody will)"
                : "is older than the leak threshold (" + Texts.seconds(leakThresholdNanos) + ")")
                + ". " + leakRemedy);
        return 1;
    }

    private int mismatch(StringBuilder m) {
        if (idleOtherState <= 0) {
            return 0;
        }
        Texts.detail(m, 2, "State mismatch suspected: " + idleOtherState
                + " idle connection(s) of the route carry a state other than the requested "
                + Texts.safeString(requestedState) + " (leases affected so far: " + mismatches + "). " + mismatchRemedy);
        return 1;
    }
}

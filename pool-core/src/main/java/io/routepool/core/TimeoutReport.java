package io.routepool.core;

/**
 * The facts a timed-out lease gathers (under the locks, by {@link Diagnosis#timeout}) and the message they make:
 * the route's and the pool's limits and counts, the oldest lease and its holder, and whether a self-deadlock, a
 * leak or a state mismatch is suspected, with the remedy.
 */
final class TimeoutReport<R> {

    Object route;
    Object requestedState;
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

    String message() {
        PoolStats r = routeStats;
        PoolStats t = totalStats;
        StringBuilder m = new StringBuilder("Timeout waiting for connection from pool after ")
                .append(Texts.millis(timeoutNanos)).append(" ms: route ").append(Texts.safeString(route))
                .append(" has maxPerRoute ").append(r.max()).append(" (leased ").append(r.leased())
                .append(", available ").append(r.available()).append(", pending ").append(r.pending())
                .append("); pool has maxTotal ").append(t.max()).append(" (leased ").append(t.leased())
                .append(", available ").append(t.available()).append(", pending ").append(t.pending()).append("). ");
        if (oldest != null) {
            m.append(oldestOfRoute ? "Oldest lease of the route: " : "The route has no lease; oldest lease in the pool: ")
                    .append(oldest).append(". ");
        }
        int suspects = selfDeadlock(m) + leak(m) + mismatch(m);
        if (suspects == 0) {
            m.append("No leak, self-deadlock or state mismatch suspected: the connections were busy for the whole wait;"
                    + " raise maxPerRoute/maxTotal, or hold each connection for less time.");
        }
        return m.toString().trim();
    }

    private int selfDeadlock(StringBuilder m) {
        if (heldByThread > 0 && heldByThread >= routeStats.max()) {
            m.append("Self-deadlock suspected: all ").append(heldByThread).append(" connections of the route (maxPerRoute ")
                    .append(routeStats.max()).append(") are leased by this thread (\"").append(thread)
                    .append("\"), which was waiting for one of them. ").append(selfDeadlockRemedy).append(' ');
            return 1;
        }
        if (selfDeadlockLimit != null) {
            m.append("Self-deadlock suspected: when this lease began to wait, all the connections it could get (")
                    .append(selfDeadlockLimit).append(") were leased by this thread (\"").append(thread)
                    .append("\"). ").append(selfDeadlockRemedy).append(' ');
            return 1;
        }
        return 0;
    }

    private int leak(StringBuilder m) {
        boolean endedHolder = oldest != null && oldest.holderState() == Thread.State.TERMINATED && !oldest.async();
        if (oldest == null || !((leakThresholdNanos > 0 && oldest.ageNanos() >= leakThresholdNanos) || endedHolder)) {
            return 0;
        }
        m.append("Leak suspected: the oldest lease ").append(endedHolder
                ? "belongs to a thread that has ended (unless another thread releases it on that one's behalf, nobody will)"
                : "is older than the leak threshold (" + Texts.seconds(leakThresholdNanos) + ")")
                .append(". ").append(leakRemedy).append(' ');
        return 1;
    }

    private int mismatch(StringBuilder m) {
        if (idleOtherState <= 0) {
            return 0;
        }
        m.append("State mismatch suspected: ").append(idleOtherState)
                .append(" idle connection(s) of the route carry a state other than the requested ")
                .append(Texts.safeString(requestedState)).append(" (leases affected so far: ")
                .append(mismatches).append("). ").append(mismatchRemedy).append(' ');
        return 1;
    }
}

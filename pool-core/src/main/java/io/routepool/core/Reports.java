package io.routepool.core;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The text of every report and timeout message: pure functions of snapshots taken under the pool's locks,
 * called after they are released. Written for the person debugging a hang: what is wrong, where, what to
 * change.
 */
final class Reports {

    private Reports() {
    }

    /** The advice that ends each kind of report, in pool terms (the adapter replaces it with HttpClient's). */
    static final Map<Diagnostic.Kind, String> DEFAULT_REMEDIES = new EnumMap<>(Diagnostic.Kind.class);

    static {
        DEFAULT_REMEDIES.put(Diagnostic.Kind.SELF_DEADLOCK, "Release the connections this thread holds before asking for"
                + " another one (close, or fully consume, whatever holds them).");
        DEFAULT_REMEDIES.put(Diagnostic.Kind.LEAK_SUSPECTED, "Every lease must be released exactly once, also on"
                + " exceptions (try/finally). Turn on captureLeaseStacks to see where each connection was leased.");
        DEFAULT_REMEDIES.put(Diagnostic.Kind.WAITER_STUCK, "If the holders are leaked or self-deadlocked, see those"
                + " reports; otherwise the route is too small for the load: raise maxPerRoute/maxTotal or set a"
                + " lease timeout so that callers fail instead of hanging.");
        DEFAULT_REMEDIES.put(Diagnostic.Kind.STATE_MISMATCH, "Lease with the state the connections carry, or release"
                + " them with a null state, so that idle connections can be reused.");
    }

    static String selfDeadlock(String thread, Object route, int count, String limitName, int limit, boolean failing,
            long timeoutNanos, List<? extends LeaseInfo<?>> own, String remedy) {
        String waitText = failing
                ? "Failing at once instead of waiting (failOnSelfDeadlock)."
                : timeoutNanos == Long.MAX_VALUE
                        ? "It waits without a timeout: unless another thread releases one of them, it waits forever."
                        : "It waits up to " + Texts.millis(timeoutNanos)
                                + " ms; unless another thread releases one of them, that wait ends in a timeout.";
        return "Self-deadlock: thread \"" + thread + "\" asks for a connection to route " + Texts.safeString(route)
                + ", but all " + count + " connection(s) it could get (" + limitName + " " + limit
                + ") are leased by this same thread. " + waitText + " Its leases, oldest first:" + leases(own)
                + "\nRemedy: " + remedy;
    }

    static String lateRelease(LeaseInfo<?> info, long reclaimAfterNanos) {
        return "Late release ignored: thread \"" + info.holder() + "\" released connection " + info.connectionId()
                + " of route " + Texts.safeString(info.route()) + ", leased " + Texts.seconds(info.ageNanos())
                + " ago, which maintenance had already reclaimed as abandoned (reclaimAbandonedAfter "
                + Texts.seconds(reclaimAfterNanos) + "): the connection was closed and its capacity given to others."
                + " Release leases sooner, or raise reclaimAbandonedAfter.";
    }

    static String reclaimed(LeaseInfo<?> info, long reclaimAfterNanos, String leakRemedy) {
        return "Abandoned lease reclaimed: " + info + " on route " + Texts.safeString(info.route())
                + " was held longer than reclaimAbandonedAfter (" + Texts.seconds(reclaimAfterNanos)
                + "). Its connection was closed and its capacity freed; a later release by that thread is ignored. "
                + leakRemedy;
    }

    static String leak(LeaseInfo<?> info, long leakThresholdNanos, String remedy) {
        return "Connection leak suspected: " + info + " on route " + Texts.safeString(info.route())
                + ", longer than the leak threshold (" + Texts.seconds(leakThresholdNanos)
                + "), and not released. Reported once per lease."
                + (info.leaseSite() != null ? " Where it was leased is attached below." : "")
                + "\nRemedy: " + remedy;
    }

    static String stuckRouteWaiter(Object route, String thread, long waitedNanos, long thresholdNanos, PoolStats route_,
            List<? extends LeaseInfo<?>> routeLeases, String remedy) {
        return "Stuck waiting for a connection to route " + Texts.safeString(route) + ": thread \"" + thread
                + "\" has waited " + Texts.seconds(waitedNanos) + " (stuck waiter threshold "
                + Texts.seconds(thresholdNanos) + ") for the route's limit. The route has maxPerRoute " + route_.max()
                + " (leased " + route_.leased() + ", available " + route_.available() + ", pending " + route_.pending()
                + "); its leases, oldest first:" + (routeLeases.isEmpty() ? " none" : leases(routeLeases))
                + "\nRemedy: " + remedy;
    }

    static String stuckCapacityWaiter(Object route, String thread, long waitedNanos, long thresholdNanos, PoolStats total,
            List<? extends LeaseInfo<?>> all, String remedy) {
        return "Stuck waiting for a connection to route " + Texts.safeString(route) + ": thread \"" + thread
                + "\" has waited " + Texts.seconds(waitedNanos) + " for the pool to have room (stuck waiter threshold "
                + Texts.seconds(thresholdNanos) + "). The pool has maxTotal " + total.max() + " (leased " + total.leased()
                + ", available " + total.available() + ", pending " + total.pending() + "); its leases, oldest first:"
                + (all.isEmpty() ? " none" : leases(all.subList(0, Math.min(20, all.size()))))
                + (all.size() > 20 ? "\n    ... and " + (all.size() - 20) + " more" : "")
                + "\nRemedy: " + remedy;
    }

    static String stateMismatch(Object route, Object requested, int idle, Object[] idleStates, boolean opened, String remedy) {
        StringBuilder states = new StringBuilder();
        for (Object s : idleStates) {
            if (s != null) {
                states.append(states.length() == 0 ? "" : ", ").append(Texts.safeString(s));
            }
        }
        return "State mismatch on route " + Texts.safeString(route) + ": a lease for state " + Texts.safeString(requested)
                + (opened ? " opened a new connection" : " had to wait") + " while " + idle
                + " idle connection(s) of the route carried another state (" + states
                + "). A lease only reuses a connection whose state equals the one it asks for (a null request only"
                + " takes null-state connections), so these idle connections are never reused and every such lease"
                + " opens or waits for another. Counted in getStateMismatches(route); logged once per route. Remedy: "
                + remedy;
    }

    /** A lease that asked not to wait (polling): the counts only, no scan of every route's leases. */
    static String pollTimeout(Object route, PoolStats r, PoolStats t) {
        return "Timeout waiting for connection from pool (no wait was asked for): route " + Texts.safeString(route)
                + " has maxPerRoute " + r.max() + " (leased " + r.leased() + ", available " + r.available()
                + ", pending " + r.pending() + "); pool has maxTotal " + t.max() + " (leased " + t.leased()
                + ", available " + t.available() + ", pending " + t.pending() + ")";
    }

    private static String leases(List<? extends LeaseInfo<?>> leases) {
        StringBuilder b = new StringBuilder();
        for (LeaseInfo<?> l : leases) {
            b.append("\n    ").append(l);
        }
        return b.toString();
    }
}

package io.routepool.core;

import java.util.List;

/**
 * The text of every report and timeout message: pure functions of snapshots taken under the pool's locks,
 * called after they are released. Written for the person debugging a hang. Each starts with a short head, one
 * line of what is wrong, in which pool and on which route (the route cut to {@value #HEAD_ROUTE} characters), so
 * that it reads whole in an alert or a log list (under about 100 columns for the usual route); the details follow,
 * one fact per indented line: the counts, the leases concerned (with their lease sites as "leased at" frames when
 * stacks are captured, never as an exception), and the remedy.
 */
final class Reports {

    /** Characters of a route shown in a head line. */
    static final int HEAD_ROUTE = 40;
    /** Leases listed in a report; the rest are counted. */
    static final int MAX_LEASES = 20;
    /** Threads named in an aggregated stuck-waiter report; the rest are counted. */
    static final int MAX_THREADS = 10;

    private Reports() {
    }

    /** The head line; a route cut short in it is given whole on the next line. */
    private static StringBuilder head(String pool, String what, Object route, String rest) {
        StringBuilder b = new StringBuilder(200).append(pool).append(": ").append(what).append(" on route ")
                .append(Texts.brief(route, HEAD_ROUTE)).append(rest);
        fullRouteIfCut(b, route);
        return b;
    }

    static void fullRouteIfCut(StringBuilder b, Object route) {
        String full = Texts.safeString(route);
        if (full.length() > HEAD_ROUTE) {
            Texts.detail(b, 2, "Route: " + full);
        }
    }

    private static void remedy(StringBuilder b, String remedy) {
        if (!remedy.isEmpty()) {
            Texts.detail(b, 2, "Remedy: " + remedy);
        }
    }

    private static void leases(StringBuilder b, String title, List<? extends LeaseInfo<?>> leases) {
        Texts.detail(b, 2, title + (leases.isEmpty() ? " none." : ":"));
        int shown = Math.min(leases.size(), MAX_LEASES);
        for (int i = 0; i < shown; i++) {
            LeaseInfo<?> l = leases.get(i);
            Texts.detail(b, 4, l.toString());
            Texts.frames(b, 6, "leased at", l.leaseSite());
        }
        if (leases.size() > shown) {
            Texts.detail(b, 4, "... and " + (leases.size() - shown) + " more");
        }
    }

    static String selfDeadlock(String pool, String thread, Object route, int count, String limitName, int limit,
            boolean failing, long timeoutNanos, boolean capped, List<? extends LeaseInfo<?>> own, Throwable askedAt,
            String remedy) {
        StringBuilder b = head(pool, "Self-deadlock", route, ": thread \"" + thread + "\" holds all it could get");
        Texts.detail(b, 2, "All " + count + " connection(s) it could get (" + limitName + " " + limit
                + ") are leased by this same thread.");
        Texts.detail(b, 2, (failing
                        ? "Failing at once instead of waiting (failOnSelfDeadlock)."
                        : capped
                                ? "It asked to wait without a timeout, so it waits maxLeaseWait (" + Texts.seconds(timeoutNanos)
                                        + "); unless another thread releases one of them, that wait ends in a timeout."
                                : timeoutNanos == Long.MAX_VALUE
                                        ? "It waits without a timeout: unless another thread releases one of them, it waits forever."
                                        : "It waits up to " + Texts.millis(timeoutNanos)
                                                + " ms; unless another thread releases one of them, that wait ends in a timeout."));
        leases(b, "Its leases, oldest first", own);
        Texts.frames(b, 2, "asked at", askedAt);
        remedy(b, remedy);
        return b.toString();
    }

    static String idleCloseLearned(String pool, Object route, long idleNanos, long expireAfterNanos) {
        StringBuilder b = head(pool, "Server idle close learned", route, ": its server closed a connection idle "
                + Texts.seconds(idleNanos));
        Texts.detail(b, 2, "No Keep-Alive header said so. Idle connections of this route now expire after "
                + Texts.seconds(expireAfterNanos) + " (learnIdleClose); said once per route.");
        remedy(b, "Keep connections alive for less than the server's idle timeout (a keep-alive, maxIdleTime or time to"
                + " live below it), or raise the server's.");
        return b.toString();
    }

    static String warmingFailed(String pool, Object route, int minIdle, long retryNanos, long maxBackoffNanos,
            Throwable cause) {
        StringBuilder b = head(pool, "Pre-warming failed", route, ": could not make an idle connection ahead of a lease"
                + " (minIdlePerRoute " + minIdle + "): " + Texts.safeString(cause));
        Texts.detail(b, 2, "The route is tried again in " + Texts.seconds(retryNanos) + ", backing off up to "
                + Texts.seconds(maxBackoffNanos) + " while attempts fail; said once until one succeeds."
                + " Leases of the route are not affected: they connect as they would without warming.");
        remedy(b, "Check that the route's server is reachable, or leave it out of warmRoutes.");
        return b.toString();
    }

    static String lateRelease(String pool, LeaseInfo<?> info, long reclaimAfterNanos) {
        StringBuilder b = head(pool, "Late release ignored", info.route(), ": connection " + info.connectionId());
        Texts.detail(b, 2, "Connection " + info.connectionId() + " was released by thread \"" + info.holder() + "\", "
                + Texts.seconds(info.ageNanos()) + " after it was leased.");
        Texts.detail(b, 2, "Maintenance had already reclaimed it as abandoned (reclaimAbandonedAfter "
                + Texts.seconds(reclaimAfterNanos) + "): the connection was closed and its capacity given to others.");
        remedy(b, "Release leases sooner, or raise reclaimAbandonedAfter.");
        return b.toString();
    }

    static String reclaimed(String pool, LeaseInfo<?> info, long reclaimAfterNanos, String leakRemedy) {
        StringBuilder b = oneLease(pool, "Abandoned lease reclaimed", info, ", longer than reclaimAbandonedAfter ("
                + Texts.seconds(reclaimAfterNanos) + ").");
        Texts.detail(b, 2, "Its connection was closed and its capacity freed; a later release by that thread is ignored.");
        remedy(b, leakRemedy);
        return b.toString();
    }

    static String leak(String pool, LeaseInfo<?> info, long leakThresholdNanos, String remedy) {
        StringBuilder b = oneLease(pool, "Connection leak suspected", info, ", not released within the leak threshold ("
                + Texts.seconds(leakThresholdNanos) + "). Reported once per lease.");
        remedy(b, remedy);
        return b.toString();
    }

    /** The start of a report about one lease: its head, the lease with {@code why}, its lease site if captured. */
    private static StringBuilder oneLease(String pool, String what, LeaseInfo<?> info, String why) {
        StringBuilder b = head(pool, what, info.route(), ": connection " + info.connectionId() + ", leased "
                + Texts.seconds(info.ageNanos()) + " ago");
        Texts.detail(b, 2, Texts.safeString(info) + why);
        Texts.frames(b, 4, "leased at", info.leaseSite());
        return b;
    }

    /**
     * One report for all the leases of one route that maintenance found stuck in one pass: {@code threads} and
     * {@code waitedNanos} in queue order (oldest first). {@code forPool}: they wait for the pool's room (maxTotal),
     * else for the route's limit.
     */
    static String stuckWaiters(String pool, Object route, boolean forPool, List<String> threads, List<Long> waitedNanos,
            long thresholdNanos, PoolStats stats, List<? extends LeaseInfo<?>> leases, String remedy) {
        int n = threads.size();
        StringBuilder b = head(pool, n == 1 ? "Lease stuck waiting" : n + " leases stuck waiting", route,
                ", up to " + Texts.seconds(waitedNanos.get(0)));
        StringBuilder who = new StringBuilder();
        for (int i = 0; i < Math.min(n, MAX_THREADS); i++) {
            who.append(i == 0 ? "" : ", ").append("thread \"").append(threads.get(i)).append("\" for ")
                    .append(Texts.seconds(waitedNanos.get(i)));
        }
        if (n > MAX_THREADS) {
            who.append(" and ").append(n - MAX_THREADS).append(" more");
        }
        Texts.detail(b, 2, "Waiting longer than the stuck waiter threshold (" + Texts.seconds(thresholdNanos) + ") for "
                + (forPool ? "the pool to have room" : "the route's limit") + ": " + who + ". Reported once per lease.");
        Texts.detail(b, 2, (forPool ? "The pool has maxTotal " : "The route has maxPerRoute ") + stats.max() + " (leased "
                + stats.leased() + ", available " + stats.available() + ", pending " + stats.pending() + ").");
        leases(b, (forPool ? "The pool's" : "The route's") + " leases, oldest first", leases);
        remedy(b, remedy);
        return b.toString();
    }

    static String stateMismatch(String pool, Object route, Object requested, int idle, Object[] idleStates, boolean opened,
            String remedy) {
        StringBuilder states = new StringBuilder();
        for (Object s : idleStates) {
            if (s != null) {
                states.append(states.length() == 0 ? "" : ", ").append(Texts.safeString(s));
            }
        }
        StringBuilder b = head(pool, "State mismatch", route, ": idle connections not reused");
        Texts.detail(b, 2, "A lease for state " + Texts.safeString(requested)
                + (opened ? " opened a new connection" : " had to wait") + " while " + idle
                + " idle connection(s) of the route carried another state (" + states
                + ").");
        Texts.detail(b, 2, "A lease only reuses a connection whose state equals the one it asks for (a null request"
                + " only takes null-state connections), so these idle connections are never reused and every such"
                + " lease opens or waits for another.");
        Texts.detail(b, 2, "Counted in getStateMismatches(route); logged once per route.");
        remedy(b, remedy);
        return b.toString();
    }

    static String counts(PoolStats r, PoolStats t) {
        return "The route has maxPerRoute " + r.max() + " (leased " + r.leased() + ", available " + r.available()
                + ", pending " + r.pending() + "); the pool has maxTotal " + t.max() + " (leased " + t.leased()
                + ", available " + t.available() + ", pending " + t.pending() + ").";
    }

    /** A lease that asked not to wait (polling): the counts only, no scan of every route's leases. */
    static String pendingLimit(String pool, Object route, String limitName, int limit, PoolStats r, PoolStats t) {
        StringBuilder b = new StringBuilder(240).append("Lease refused at once by pool ").append(pool).append(": ")
                .append(limitName).append(' ').append(limit).append(" leases already wait")
                .append("maxPending".equals(limitName) ? " in the pool" : " on the route").append(", route ")
                .append(Texts.brief(route, HEAD_ROUTE));
        fullRouteIfCut(b, route);
        Texts.detail(b, 2, counts(r, t));
        return b.toString();
    }

    static String pollTimeout(String pool, Object route, PoolStats r, PoolStats t) {
        StringBuilder b = new StringBuilder(200).append("Timeout waiting for connection from pool ").append(pool)
                .append(" (no wait), route ").append(Texts.brief(route, HEAD_ROUTE));
        fullRouteIfCut(b, route);
        Texts.detail(b, 2, counts(r, t));
        return b.toString();
    }
}

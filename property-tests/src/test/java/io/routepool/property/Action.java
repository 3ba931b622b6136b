package io.routepool.property;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One step of a generated sequence. Targets ("pick") are resolved modulo the candidates present when
 * the step runs, so that any subsequence of a sequence (shrinking) is still a valid sequence.
 */
sealed interface Action {

    String[] ROUTES = {"a", "b", "c"};
    Object[] STATES = {null, null, "u", "v"};
    long SECOND = 1_000_000_000L;

    record Lease(String route, Object state) implements Action { }

    /** Releases the pick-th leased connection (in lease order) after setting its state. */
    record Release(int pick, boolean reusable, Object state, long keepAliveNanos) implements Action { }

    /** Releases a connection that is not leased (idle or closed): a double release. */
    record ReleaseNotLeased(int pick) implements Action { }

    record SetMaxTotal(int max) implements Action { }

    record SetMaxPerRoute(String route, int max) implements Action { }

    record ClearMaxPerRoute(String route) implements Action { }

    record SetDefaultMaxPerRoute(int max) implements Action { }

    record CloseIdle(long idleNanos) implements Action { }

    record CloseExpired() implements Action { }

    /** The peer closes the pick-th idle connection: the pool finds it closed at lease. */
    record PeerClose(int pick) implements Action { }

    /** The peer half-closes the pick-th idle connection: only validation notices. */
    record MarkStale(int pick) implements Action { }

    record Advance(long nanos) implements Action { }

    record Close() implements Action { }

    /** What a sequence runs against: the limits it starts with and its time settings. */
    record Config(int maxPerRoute, int maxTotal, long ttlNanos, long validateAfterNanos) {
        static Config random(Random rnd, boolean time) {
            return new Config(1 + rnd.nextInt(3), 1 + rnd.nextInt(6),
                    time ? new long[] {0, 20 * SECOND, 100 * SECOND}[rnd.nextInt(3)] : 0,
                    time ? new long[] {0, 2 * SECOND, 10 * SECOND}[rnd.nextInt(3)] : 0);
        }
    }

    /**
     * A random sequence. {@code time == false}: only what HttpCore can replay deterministically (no
     * clock-dependent outcome: keep-alive is none or expires at once, closeIdle closes all or none).
     */
    static List<Action> generate(Random rnd, int length, boolean time) {
        List<Action> out = new ArrayList<>(length);
        for (int i = 0; i < length; i++) {
            int dice = rnd.nextInt(100);
            String route = ROUTES[rnd.nextInt(ROUTES.length)];
            Action a;
            if (dice < 36) {
                a = new Lease(route, STATES[rnd.nextInt(STATES.length)]);
            } else if (dice < 66) {
                long ka = time ? new long[] {0, 5 * SECOND, 30 * SECOND}[rnd.nextInt(3)] : (rnd.nextInt(4) == 0 ? 1 : 0);
                a = new Release(rnd.nextInt(8), rnd.nextInt(6) != 0, STATES[rnd.nextInt(STATES.length)], ka);
            } else if (dice < 69) {
                a = new ReleaseNotLeased(rnd.nextInt(8));
            } else if (dice < 72) {
                a = new SetMaxTotal(1 + rnd.nextInt(6));
            } else if (dice < 76) {
                a = new SetMaxPerRoute(route, rnd.nextInt(4));
            } else if (dice < 77) {
                a = new ClearMaxPerRoute(route);
            } else if (dice < 79) {
                a = new SetDefaultMaxPerRoute(1 + rnd.nextInt(3));
            } else if (dice < 82) {
                a = new CloseIdle(time ? new long[] {0, 5 * SECOND, 30 * SECOND}[rnd.nextInt(3)]
                        : (rnd.nextBoolean() ? 0 : 3600 * SECOND));
            } else if (dice < 85) {
                a = new CloseExpired();
            } else if (dice < 88) {
                a = new PeerClose(rnd.nextInt(8));
            } else if (dice < 99) {
                a = time ? (dice < 92 ? new MarkStale(rnd.nextInt(8)) : new Advance(new long[] {SECOND, 3 * SECOND, 10 * SECOND, 25 * SECOND}[rnd.nextInt(4)]))
                        : new Lease(route, STATES[rnd.nextInt(STATES.length)]);
            } else {
                a = rnd.nextInt(4) == 0 ? new Close() : new Lease(route, null);
            }
            out.add(a);
        }
        return out;
    }
}

package io.routepool.core;

import java.util.EnumMap;
import java.util.Map;

/**
 * The advice of each report, checked against the pool's configuration: a kind's base advice (the layer above the
 * pool may reword it, {@link PoolBuilder#remedy}) and the {@link RemedyHint}s added only where they apply.
 * Immutable once built.
 */
final class Remedies {

    private static final Map<Diagnostic.Kind, String> DEFAULTS = new EnumMap<>(Diagnostic.Kind.class);
    private static final Map<RemedyHint, String> DEFAULT_HINTS = new EnumMap<>(RemedyHint.class);

    static {
        DEFAULTS.put(Diagnostic.Kind.SELF_DEADLOCK, "Release the connections this thread holds before asking for"
                + " another one (close, or fully consume, whatever holds them).");
        DEFAULTS.put(Diagnostic.Kind.LEAK_SUSPECTED, "Every lease must be released exactly once, also on"
                + " exceptions (try/finally).");
        DEFAULTS.put(Diagnostic.Kind.WAITER_STUCK, "If the holders are leaked or self-deadlocked, see those"
                + " reports; otherwise the route is too small for the load: raise maxPerRoute/maxTotal, or hold each"
                + " connection for less time.");
        DEFAULTS.put(Diagnostic.Kind.STATE_MISMATCH, "Lease with the state the connections carry, or release"
                + " them with a null state, so that idle connections can be reused.");
        DEFAULT_HINTS.put(RemedyHint.CAPTURE_LEASE_STACKS, "To see where each connection was leased, turn on"
                + " PoolBuilder.captureLeaseStacks(true).");
        DEFAULT_HINTS.put(RemedyHint.LEASE_TIMEOUT, "Give leases a timeout so that callers fail instead of hanging.");
        DEFAULT_HINTS.put(RemedyHint.MAX_LEASE_WAIT, "PoolBuilder.maxLeaseWait sets this cap (0 waits forever).");
    }

    private final Map<Diagnostic.Kind, String> base;
    private final Map<RemedyHint, String> hints;
    private final boolean stacksCaptured;

    Remedies(Map<Diagnostic.Kind, String> userRemedies, Map<RemedyHint, String> userHints, boolean stacksCaptured) {
        this.base = new EnumMap<>(DEFAULTS);
        this.base.putAll(userRemedies);
        this.hints = new EnumMap<>(DEFAULT_HINTS);
        this.hints.putAll(userHints);
        this.stacksCaptured = stacksCaptured;
    }

    /** The pool's own advice for {@code kind} (tests compare against it). */
    static String defaultFor(Diagnostic.Kind kind) {
        return DEFAULTS.get(kind);
    }

    String selfDeadlock() {
        return text(base.get(Diagnostic.Kind.SELF_DEADLOCK));
    }

    String stateMismatch() {
        return text(base.get(Diagnostic.Kind.STATE_MISMATCH));
    }

    /** For leaks and reclaimed leases: asks for lease stacks only while they are not captured. */
    String leak() {
        return join(base.get(Diagnostic.Kind.LEAK_SUSPECTED), stacksCaptured ? null : hints.get(RemedyHint.CAPTURE_LEASE_STACKS));
    }

    /** Asks for a lease timeout only when a stuck lease has none. */
    String stuck(boolean someWaitWithoutTimeout) {
        return join(base.get(Diagnostic.Kind.WAITER_STUCK), someWaitWithoutTimeout ? hints.get(RemedyHint.LEASE_TIMEOUT) : null);
    }

    String maxLeaseWait() {
        return text(hints.get(RemedyHint.MAX_LEASE_WAIT));
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    private static String join(String a, String b) {
        if (b == null || b.isEmpty()) {
            return text(a);
        }
        return a == null || a.isEmpty() ? b : a + " " + b;
    }
}

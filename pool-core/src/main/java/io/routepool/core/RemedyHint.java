package io.routepool.core;

/**
 * Advice a report adds only when the configuration calls for it, so that no report advises what is already done
 * (a leak report does not ask for lease stacks when they are captured). The pool gives each in its own terms; a
 * layer above it (HttpClient's adapters) names its own option through {@link PoolBuilder#remedyHint}.
 */
public enum RemedyHint {
    /** Added to leak and reclaim reports while {@link PoolBuilder#captureLeaseStacks} is off. */
    CAPTURE_LEASE_STACKS,
    /** Added to stuck-waiter reports when a stuck lease asked to wait without a timeout. */
    LEASE_TIMEOUT,
    /** Added to a timeout whose wait {@link PoolBuilder#maxLeaseWait} capped: how to change the cap. */
    MAX_LEASE_WAIT
}

package io.routepool.core;

import java.util.concurrent.TimeoutException;

/**
 * Thrown at once by a lease that would have waited beyond {@link PoolBuilder#maxPendingPerRoute} or
 * {@link PoolBuilder#maxPending}: the message names the cap and the route's and pool's counts. A
 * {@link TimeoutException}, so that callers (and HttpClient's managers) that handle a lease timing out handle this
 * too: the lease got no connection within the time it was allowed, which here was none.
 */
public final class PendingLimitException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    private final String limitName;
    private final int limit;

    public PendingLimitException(String message, String limitName, int limit) {
        super(message);
        this.limitName = limitName;
        this.limit = limit;
    }

    /** {@code "maxPendingPerRoute"} or {@code "maxPending"}. */
    public String limitName() {
        return limitName;
    }

    public int limit() {
        return limit;
    }
}

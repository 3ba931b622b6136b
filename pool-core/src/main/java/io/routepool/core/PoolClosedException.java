package io.routepool.core;

/** Thrown by a lease when the pool is closed, or was closed while the lease waited. */
public final class PoolClosedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public PoolClosedException(String message) {
        super(message);
    }
}

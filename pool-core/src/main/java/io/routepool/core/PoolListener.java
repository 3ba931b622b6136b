package io.routepool.core;

/**
 * Receives the pool's diagnostics and connection events. Every method has a no-op default, so an
 * implementation overrides only what it needs; a pool without a listener calls a shared no-op
 * instance. Called outside any pool lock, on the thread that noticed the event (a leasing or
 * releasing thread, or the maintenance thread); a listener must be quick and must not throw
 * (exceptions are logged and dropped). A listener that references whatever owns the pool (for instance
 * HttpClient's connection manager) keeps it reachable, so that it is never closed by a Cleaner.
 */
public interface PoolListener<R> {

    /** A problem the pool noticed. */
    default void onDiagnostic(Diagnostic<R> diagnostic) {
    }

    /** A connection was created for {@code route}. */
    default void onConnectionCreated(R route, long connectionId) {
    }

    /** A connection of {@code route} was closed. */
    default void onConnectionClosed(R route, long connectionId) {
    }

    /** A lease for {@code route} that had to wait ended: granted, or timed out, cancelled, interrupted or failed. */
    default void onLeaseWaited(R route, long waitedNanos, boolean granted) {
    }

    /** The listener that does nothing. */
    @SuppressWarnings("unchecked")
    static <R> PoolListener<R> none() {
        return (PoolListener<R>) NoListener.INSTANCE;
    }
}

/** The null object: a pool without a listener calls this, never a null check. */
enum NoListener implements PoolListener<Object> {
    INSTANCE
}

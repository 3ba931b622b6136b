package io.routepool.core;

/**
 * Checks a connection that has been idle longer than {@code validateAfterInactivity} before it is
 * handed out (HttpClient: the stale check). Runs outside any lock, on the leasing thread.
 * A {@code false} result or an exception closes the connection and the lease continues.
 */
@FunctionalInterface
public interface ConnectionValidator<C> {

    boolean isValid(C connection);

    /** A validator that accepts every connection. */
    static <C> ConnectionValidator<C> alwaysValid() {
        return c -> true;
    }
}

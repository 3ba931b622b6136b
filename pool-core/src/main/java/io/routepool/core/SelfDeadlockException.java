package io.routepool.core;

/**
 * Thrown instead of waiting, when {@link PoolBuilder#failOnSelfDeadlock(boolean)} is on, by a lease whose
 * thread already holds every connection it could get: no other thread can release them, so the wait
 * could never end. The message names the route, the count, the lease ages and the remedy.
 */
public class SelfDeadlockException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public SelfDeadlockException(String message) {
        super(message);
    }
}

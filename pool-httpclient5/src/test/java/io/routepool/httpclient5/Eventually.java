package io.routepool.httpclient5;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling, with a bound that fails the test instead of hanging it. */
final class Eventually {

    private Eventually() {
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, Duration.ofSeconds(10), condition);
    }

    static void until(String what, Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + bound + " waiting until " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Waits until {@code duration} has passed since {@code startNanos}: for tests whose subject is a deadline
     * (time to live, idle timeout, keep-alive), where the passing of time is the condition.
     */
    static void elapsed(long startNanos, Duration duration) {
        long target = startNanos + duration.toNanos();
        until(duration + " has passed", duration.plusSeconds(10), () -> System.nanoTime() - target >= 0);
    }

    /** Milliseconds since {@code startNanos}. */
    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}

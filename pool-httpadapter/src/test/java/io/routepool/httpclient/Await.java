package io.routepool.httpclient;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling, with a bound that fails the test instead of hanging it. */
final class Await {

    private Await() {
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

    /** Waits until {@code millis} have passed since {@code startNanos} (for deadlines that are the subject of the test). */
    static void elapsed(long startNanos, long millis) {
        long target = startNanos + millis * 1_000_000L;
        until(millis + " ms have passed", Duration.ofMillis(millis + 10_000), () -> System.nanoTime() - target >= 0);
    }
}

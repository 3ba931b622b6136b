package io.routepool.httpclient5;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition by polling, with a bound that fails the test instead of hanging it. */
final class ContractAwait {

    static final Duration BOUND = Duration.ofSeconds(10);

    private ContractAwait() {
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, BOUND, condition);
    }

    static void until(String what, Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("Timed out after " + bound + " waiting until " + what);
            }
            LockSupport.parkNanos(200_000);
        }
    }

    /** Waits until the wall clock (the one PoolEntry and Deadline use) is past {@code millis}. */
    static void wallClockPast(long millis) {
        until("the wall clock passes " + millis, () -> System.currentTimeMillis() > millis);
    }

    /** Waits until the thread is parked (blocked in a wait), e.g. inside Future.get. */
    static void parked(Thread thread) {
        until(thread.getName() + " is waiting", () -> {
            Thread.State s = thread.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        });
    }
}

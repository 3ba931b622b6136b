package io.routepool.core;

/**
 * The pool's only clock. Values are nanoseconds on an arbitrary, monotonic origin; they must never
 * decrease and must stay in {@code [0, Long.MAX_VALUE)} ({@code Long.MAX_VALUE} means "never").
 * Tests inject a fake one and advance it instead of sleeping.
 */
@FunctionalInterface
public interface TimeSource {

    /** The current time in nanoseconds; non-decreasing. */
    long nanoTime();

    /** {@link System#nanoTime()} shifted so that it starts near zero when this class is loaded. */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }
}

/** Shifted so that deadlines ({@code now + timeout}) cannot overflow for any realistic uptime. */

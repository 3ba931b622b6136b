package io.routepool.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Saturating time arithmetic and the argument checks every entry point shares. */
final class Arithmetic {

    private Arithmetic() {
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    static long saturatedNanos(long value, TimeUnit unit) {
        return unit.toNanos(value); // TimeUnit saturates at Long.MAX_VALUE
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }

    /** A limit where 0 means none: refuses a negative one, naming it. */
    static int nonNegativeLimit(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be 0 (no limit) or positive, was " + value);
        }
        return value;
    }

    static void requireRoute(Object route) {
        if (route == null) {
            throw new IllegalArgumentException("route must not be null");
        }
    }

    static TimeUnit requireUnit(TimeUnit unit) {
        if (unit == null) {
            throw new IllegalArgumentException("unit must not be null");
        }
        return unit;
    }

    /** A lease's timeout: {@code timeout >= 0} (0 = do not wait), saturated. */
    static long timeoutNanos(long timeout, TimeUnit unit) {
        requireUnit(unit);
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 (0 = do not wait), was " + timeout);
        }
        return saturatedNanos(timeout, unit);
    }

    /**
     * A builder option's duration that must not be negative, saturated to nanoseconds.
     *
     * @param zeroMeans what 0 means for the option, for the message
     * @throws IllegalArgumentException negative, naming the option
     */
    static long nonNegativeOption(Duration d, String option, String zeroMeans) {
        long nanos = saturatedNanos(java.util.Objects.requireNonNull(d, option));
        if (nanos < 0) {
            throw new IllegalArgumentException(option + " must be >= 0 (0 = " + zeroMeans + "), was " + d);
        }
        return nanos;
    }

    /** A duration where zero or less means "none": 0, else the saturated nanoseconds. */
    static long nonNegativeNanos(long time, TimeUnit unit) {
        requireUnit(unit);
        return time <= 0 ? 0 : saturatedNanos(time, unit);
    }
}

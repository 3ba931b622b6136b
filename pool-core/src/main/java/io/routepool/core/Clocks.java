package io.routepool.core;

/**
 * The pool's clocks, bound when the pool is built: the {@link TimeSource} (expiry, validation, waits, reports)
 * and the coarse clock that stamps lease and release times. On the system time source that is the {@link Ticker},
 * so a lease and release served from the idle connections read no clock but where a check needs the exact time
 * (an expiry, validation). On another time source (tests): with background maintenance, lease times come from a
 * coarse clock that maintenance refreshes every pass and releases refresh when it is a millisecond old, and
 * releases read the time source; without maintenance, both read the time source.
 */
abstract class Clocks {

    /** "No time": a deadline or a wait start not set yet. */
    static final long UNSET = Long.MIN_VALUE;
    private static final long COARSE_REFRESH_NANOS = 1_000_000;

    final TimeSource source;

    private Clocks(TimeSource source) {
        this.source = source;
    }

    static Clocks of(TimeSource source, boolean coarse) {
        if (source == SystemTimeSource.INSTANCE) {
            return new Ticked(source);
        }
        return coarse ? new Coarse(source) : new Direct(source);
    }

    /**
     * The time a release stamps as the entry's {@code updated} (and its expiry's start): coarse where the pool has a
     * coarse clock. A keep-alive expiry computed from it is early by at most the clock's age: a connection may expire
     * a millisecond before its keep-alive says, never after.
     */
    abstract long releaseTime();

    long now() {
        return source.nanoTime();
    }

    /** The time a lease begins. */
    abstract long leaseTime();

    /** A release read the time source at {@code now}. */
    abstract void released(long now);

    /** A maintenance pass runs at {@code now}. */
    abstract void maintained(long now);

    /**
     * Whether lease times may be early by as long as the clock went unrefreshed (so maintenance caps the ages
     * it judges by how long it has itself seen a lease).
     */
    abstract boolean isCoarse();

    /** A clock that keeps nothing: the direct source, or the shared ticker. */
    private abstract static class Stateless extends Clocks {
        Stateless(TimeSource source) {
            super(source);
        }

        @Override
        void released(long now) {
        }

        @Override
        void maintained(long now) {
        }
    }

    private static final class Direct extends Stateless {
        Direct(TimeSource source) {
            super(source);
        }

        @Override
        long leaseTime() {
            return source.nanoTime();
        }

        @Override
        long releaseTime() {
            return source.nanoTime();
        }

        @Override
        boolean isCoarse() {
            return false;
        }
    }

    private static final class Coarse extends Clocks {
        /**
         * Written racily by maintenance and releasers: a slower writer can move it back by the time between
         * two clock reads, so an age computed from it is clamped at zero. Alone on its cache line.
         */
        private final CoarseClock coarse = new CoarseClock();

        Coarse(TimeSource source) {
            super(source);
            coarse.now = source.nanoTime();
        }

        @Override
        long leaseTime() {
            return coarse.now;
        }

        @Override
        long releaseTime() {
            long now = source.nanoTime();
            released(now);
            return now;
        }

        @Override
        void released(long now) {
            if (now - coarse.now >= COARSE_REFRESH_NANOS) {
                coarse.now = now;
            }
        }

        @Override
        void maintained(long now) {
            coarse.now = now;
        }

        @Override
        boolean isCoarse() {
            return true;
        }
    }

    /** On the system time source: lease and release times from the {@link Ticker}. */
    private static final class Ticked extends Stateless {
        Ticked(TimeSource source) {
            super(source);
        }

        @Override
        long leaseTime() {
            return Ticker.now();
        }

        @Override
        long releaseTime() {
            return Ticker.now();
        }

        @Override
        boolean isCoarse() {
            return true;
        }
    }
}

/** Left padding of {@link CoarseClock}: keeps the clock off the cache line of its neighbours. */
abstract class CoarseClockPadLeft {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The coarse clock's value. */
abstract class CoarseClockValue extends CoarseClockPadLeft {
    volatile long now;
}

/** The pool's coarse clock, alone on its cache line. */
final class CoarseClock extends CoarseClockValue {
    long p11, p12, p13, p14, p15, p16, p17, p18;
}

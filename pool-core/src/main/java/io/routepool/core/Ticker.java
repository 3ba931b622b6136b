package io.routepool.core;

import java.util.concurrent.locks.LockSupport;

/**
 * The coarse system clock that stamps lease and release times of pools on {@link TimeSource#system()}, so that a
 * lease and release served from the idle connections read no clock (a {@code System.nanoTime()} costs about 23 ns
 * on a virtualized machine; see DESIGN.md, "Time"). One daemon thread, {@code routepool-clock}, refreshes it every
 * millisecond while it is in use, and sleeps after a second without a wake-up; the first reader that finds it
 * asleep reads the system clock itself and wakes it. So a value read is at most a tick (and the ticker's scheduling
 * delay) old, and an idle JVM pays nothing.
 *
 * <p>Written by the ticker and by waking readers, both racily: a slower writer can move the value back by the time
 * between two clock reads, so ages computed from it are clamped at zero (as the pool does everywhere).
 */
final class Ticker implements Runnable {

    static final long TICK_NANOS = 1_000_000;
    /** How long the ticker runs after a wake-up before it sleeps again. */
    static final long ACTIVE_NANOS = 1_000_000_000L;

    private static final TickerValue V = new TickerValue();
    /** Guarded by Ticker.class. */
    private static Thread thread;

    private Ticker() {
    }

    /** The system time source's time, at most about a tick old. */
    static long now() {
        TickerValue v = V;
        return v.sleeping ? wake() : v.now;
    }

    private static long wake() {
        long t = SystemTimeSource.INSTANCE.nanoTime();
        synchronized (Ticker.class) {
            TickerValue v = V;
            v.now = t;
            if (v.sleeping) {
                v.wokenAt = t;
                v.sleeping = false;
                if (thread == null) {
                    thread = DaemonThreads.newThread(new Ticker(), "routepool-clock");
                    thread.start();
                } else {
                    LockSupport.unpark(thread);
                }
            }
        }
        return t;
    }

    @Override
    public void run() {
        TickerValue v = V;
        for (;;) {
            long t = SystemTimeSource.INSTANCE.nanoTime();
            v.now = t;
            if (t - v.wokenAt < ACTIVE_NANOS) {
                LockSupport.parkNanos(this, TICK_NANOS);
                continue;
            }
            synchronized (Ticker.class) {
                if (t - v.wokenAt >= ACTIVE_NANOS) {
                    v.sleeping = true; // readers now read the clock themselves, and the first one wakes us
                }
            }
            while (v.sleeping) {
                LockSupport.park(this);
            }
        }
    }
}

/** Left padding of {@link TickerValue}. */
abstract class TickerPadLeft {
    long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
}

/** The ticker's fields, read on every lease and release; written once a tick. */
abstract class TickerFields extends TickerPadLeft {
    volatile long now;
    /** True while no ticker runs: readers read the clock and wake it. */
    volatile boolean sleeping = true;
    /** When a reader last woke the ticker. */
    volatile long wokenAt;
}

/** The ticker's fields, alone on their cache lines. */
final class TickerValue extends TickerFields {
    long p17, p18, p19, p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32;
}

package io.routepool.core;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A route's capture-storm guard. When more threads share a route than it has spots (a stripe's threads take each
 * other's entries) or a thread holds several connections of a route at once, releases and leases keep missing their
 * spot, and each miss captures every parked entry, sending the other threads through the lock in turn (measured: one
 * thread alternating states does 4.9 ops/us with this guard, 3.7 without; see DESIGN.md, "Capture storms"). So a route
 * whose captures come in a storm ({@code STORM_STREAK} of them, each within {@code STORM_GAP_NANOS} of the last)
 * turns its lock-free path off for {@code FAST_OFF_NANOS} and runs locked (as a lock-based pool does, without
 * captures), then tries again. Performance only: both paths give the same results.
 *
 * <p>Every field is guarded by the segment's lock, and every method asserts it. System.nanoTime is read only at a
 * capture; the off period is checked on the coarse clock ({@link #pathOff}).
 */
final class CaptureStorms {

    private static final long STORM_GAP_NANOS = 20_000;
    private static final int STORM_STREAK = 16;
    private static final long FAST_OFF_NANOS = 10_000_000;

    private final ReentrantLock lock;
    private long lastCapture;
    private int captureStreak;
    /**
     * Until when (on SystemTimeSource, the Ticker's base: raw System.nanoTime here kept the path off for as long as the
     * machine had been up) the lock-free path stays off, or 0.
     */
    private long offUntil;

    CaptureStorms(ReentrantLock lock) {
        this.lock = lock;
    }

    /** Under the lock: the route captured its parked entries. */
    void noteCapture() {
        assert lock.isHeldByCurrentThread();
        long now = SystemTimeSource.INSTANCE.nanoTime(); // the Ticker's base, which pathOff compares with
        if (now - lastCapture < STORM_GAP_NANOS) {
            if (++captureStreak >= STORM_STREAK) {
                captureStreak = 0;
                offUntil = now + FAST_OFF_NANOS;
                if (offUntil == 0) {
                    offUntil = 1;
                }
            }
        } else {
            captureStreak = 0;
        }
        lastCapture = now;
    }

    /**
     * Under the lock: the lock-free path is off after a capture storm, for a while. Read on every unlock while it is
     * off, so it reads the coarse clock (the off period then lasts up to a tick longer): System.nanoTime here cost the
     * locked path half its throughput (StateScaleBenchmark, 1 other state: 4.9 ops/us against 10.1; DESIGN.md,
     * "Capture storms").
     */
    boolean pathOff() {
        assert lock.isHeldByCurrentThread();
        if (offUntil == 0) {
            return false;
        }
        if (Ticker.now() - offUntil < 0) {
            return true;
        }
        offUntil = 0;
        return false;
    }
}

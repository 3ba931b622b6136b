package io.routepool.core;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to, so expiry and idle tests never sleep. */
final class FakeTime implements TimeSource {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** Added on every read, so that successive releases get distinct stamps (like a real nanosecond clock). */
    private final long tick;

    FakeTime() {
        this(0);
    }

    FakeTime(long tickNanos) {
        this.tick = tickNanos;
    }

    @Override
    public long nanoTime() {
        return now.getAndAdd(tick);
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }
}

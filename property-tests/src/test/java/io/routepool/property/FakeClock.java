package io.routepool.property;

import io.routepool.core.TimeSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves when told to, plus a small tick per read so that successive stamps differ. */
final class FakeClock implements TimeSource {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final long tick;

    FakeClock(long tickNanos) {
        this.tick = tickNanos;
    }

    @Override
    public long nanoTime() {
        return now.getAndAdd(tick);
    }

    void advance(long nanos) {
        now.addAndGet(nanos);
    }
}

package io.routepool.core;

/** The system clock as a {@link TimeSource}: {@link System#nanoTime()} shifted to start near zero. */
enum SystemTimeSource implements TimeSource {
    INSTANCE;

    private static final long ORIGIN = System.nanoTime() - 1;

    @Override
    public long nanoTime() {
        return System.nanoTime() - ORIGIN;
    }
}

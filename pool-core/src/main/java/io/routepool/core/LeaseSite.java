package io.routepool.core;

/** The stack of a thread when it leased a connection; recorded only with {@link PoolBuilder#captureLeaseStacks}. */
final class LeaseSite extends Exception {

    private static final long serialVersionUID = 1L;

    LeaseSite(Thread borrower) {
        this("Connection leased here by thread \"" + borrower.getName() + "\"");
    }

    LeaseSite(String message) {
        super(message);
    }

    /**
     * Drops the pool's own frames from the top, so that a report starts at the caller's code. Done when a
     * report is made (materializing the frames is what costs), not for every captured lease.
     */
    synchronized void trimPoolFrames() {
        StackTraceElement[] frames = getStackTrace();
        int first = 0;
        while (first < frames.length - 1 && frames[first].getClassName().startsWith("io.routepool.core.")) {
            first++;
        }
        if (first > 0) {
            setStackTrace(java.util.Arrays.copyOfRange(frames, first, frames.length));
        }
    }
}

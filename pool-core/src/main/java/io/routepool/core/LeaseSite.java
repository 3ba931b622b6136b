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

    /** The pool's implementation classes (and their nested classes); a caller in the same package is kept. */
    private static final java.util.Set<String> POOL_CLASSES = new java.util.HashSet<>(java.util.Arrays.asList(
            RoutePool.class.getName(), LeaseAttempt.class.getName(), BlockingLease.class.getName(),
            AsyncLease.class.getName(), LeaseLedger.class.getName(), Diagnosis.class.getName(),
            Diagnostics.class.getName(), LeaseSite.class.getName()));

    private static boolean isPoolFrame(String className) {
        int nested = className.indexOf('$');
        return POOL_CLASSES.contains(nested < 0 ? className : className.substring(0, nested));
    }

    /**
     * Drops the pool's own frames from the top, so that a report starts at the caller's code. Done when a
     * report is made (materializing the frames is what costs), not for every captured lease.
     */
    synchronized void trimPoolFrames() {
        StackTraceElement[] frames = getStackTrace();
        int first = 0;
        while (first < frames.length - 1 && isPoolFrame(frames[first].getClassName())) {
            first++;
        }
        if (first > 0) {
            setStackTrace(java.util.Arrays.copyOfRange(frames, first, frames.length));
        }
    }
}

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
}

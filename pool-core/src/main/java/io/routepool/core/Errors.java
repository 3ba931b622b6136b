package io.routepool.core;

/** The pool's one rule for throwables from code it does not own. */
final class Errors {

    private Errors() {
    }

    /**
     * A {@link VirtualMachineError} (out of memory, stack overflow) is never swallowed: the JVM is in trouble
     * and the caller must hear of it. Everything else that user code throws is handled by the caller's policy.
     */
    static void rethrowIfVmError(Throwable t) {
        if (t instanceof VirtualMachineError) {
            throw (VirtualMachineError) t;
        }
    }
}

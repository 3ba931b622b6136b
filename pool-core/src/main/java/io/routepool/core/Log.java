package io.routepool.core;

/**
 * The pool's one way to log: a {@link PoolLogger} chosen when the pool is built, behind calls that never
 * throw. Every caller holds capacity, a detached entry or a queued node that only it can put right, so a
 * logger that fails is dropped (a {@link VirtualMachineError} excepted) and the caller goes on.
 */
final class Log {

    private final PoolLogger logger;

    Log(PoolLogger logger) {
        this.logger = logger;
    }

    /** The logger the shared maintenance thread uses for a pass that failed without a pool to ask. */
    static final Log DEFAULT = new Log(PoolLogger.javaUtilLogging());

    boolean isEnabled(String name, PoolLogger.Level level) {
        try {
            return logger.isEnabled(name, level);
        } catch (RuntimeException | Error ex) {
            Errors.rethrowIfVmError(ex);
            return false;
        }
    }

    void warn(String name, String message, Throwable thrown) {
        write(name, PoolLogger.Level.WARNING, message, thrown);
    }

    /** A DEBUG record; {@code what} and {@code subject} are joined only when DEBUG is on. */
    void debug(String name, String what, Object subject, String consequence, Throwable thrown) {
        if (isEnabled(name, PoolLogger.Level.DEBUG)) {
            write(name, PoolLogger.Level.DEBUG, what + " " + Texts.safeString(subject) + consequence, thrown);
        }
    }

    private void write(String name, PoolLogger.Level level, String message, Throwable thrown) {
        try {
            if (logger.isEnabled(name, level)) {
                logger.log(name, level, message, thrown);
            }
        } catch (RuntimeException | Error ex) {
            Errors.rethrowIfVmError(ex);
        }
    }
}

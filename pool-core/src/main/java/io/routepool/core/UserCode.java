package io.routepool.core;

import java.io.IOException;

/**
 * Every call the pool makes into user code that does I/O (the factory's create, isOpen and close, the
 * validator, the idle probe), each with its exception policy. None is ever made under a pool lock.
 *
 * <ul>
 *   <li>create: its IOException, RuntimeException or Error reaches the lessee (the caller frees the units
 *       first); a null connection is an {@link IllegalStateException} naming the route.</li>
 *   <li>isOpen, validator, probe: a throw (but a {@link VirtualMachineError}) counts as "not usable", logged
 *       at DEBUG; the caller discards the entry and frees its units.</li>
 *   <li>close: nothing may escape (the caller frees the units next); logged at WARNING.</li>
 * </ul>
 */
final class UserCode<R, C> {

    private final ConnectionFactory<R, C> factory;
    private final ConnectionValidator<? super C> validator;
    /** Null: maintenance probes nothing. */
    final ConnectionValidator<? super C> idleProbe;
    private final Log log;
    private final Diagnostics<R> diagnostics;

    UserCode(ConnectionFactory<R, C> factory, ConnectionValidator<? super C> validator,
            ConnectionValidator<? super C> idleProbe, Log log, Diagnostics<R> diagnostics) {
        this.factory = factory;
        this.validator = validator;
        this.idleProbe = idleProbe;
        this.log = log;
        this.diagnostics = diagnostics;
    }

    C create(R route) throws IOException {
        C conn = factory.create(route);
        if (conn == null) {
            throw new IllegalStateException("ConnectionFactory.create returned null for route " + Texts.safeString(route));
        }
        return conn;
    }

    /** A ready connection for warming (ConnectionFactory.createIdle), or null: the route cannot be warmed now. */
    C createIdle(R route) throws IOException {
        return factory.createIdle(route);
    }

    /** The factory's isOpen; one that throws counts as closed. */
    boolean isOpen(PoolEntry<R, C> e) {
        try {
            return factory.isOpen(e.connection());
        } catch (RuntimeException | Error ex) {
            Errors.rethrowIfVmError(ex);
            log.debug(PoolLogger.POOL, "isOpen failed on", e, "; treating it as closed", ex);
            return false;
        }
    }

    /** Checks a claimed entry outside any lock: isOpen, then the validator if {@code validate}. */
    boolean usable(PoolEntry<R, C> e, boolean validate) {
        if (!isOpen(e)) {
            return false;
        }
        if (validate) {
            try {
                return validator.isValid(e.connection());
            } catch (RuntimeException | Error ex) { // the caller discards the entry: its units are freed
                Errors.rethrowIfVmError(ex);
                log.debug(PoolLogger.POOL, "Validator failed on", e, "; treating it as invalid", ex);
                return false;
            }
        }
        return true;
    }

    /** The idle probe; false, or a throw, closes the connection. */
    boolean probe(PoolEntry<R, C> e) {
        try {
            return idleProbe.isValid(e.connection());
        } catch (RuntimeException | Error ex) {
            Errors.rethrowIfVmError(ex);
            log.debug(PoolLogger.DIAGNOSTICS, "Idle probe failed on", e, "; closing it", ex);
            return false;
        }
    }

    void close(PoolEntry<R, C> e, CloseMode mode) {
        try {
            factory.close(e.connection(), mode);
        } catch (Throwable ex) { // every caller frees the connection's units next: nothing may stop it
            log.warn(PoolLogger.POOL, "Closing connection " + Texts.safeString(e) + " failed", ex);
        }
        diagnostics.connectionClosed(e.route(), e.id());
    }

    /** Closes a connection no entry holds yet (warming could not link it): IMMEDIATE, failures logged. */
    void closeUnlinked(C connection) {
        try {
            factory.close(connection, CloseMode.IMMEDIATE);
        } catch (Throwable ex) { // the caller frees the connection's unit next: nothing may stop it
            log.warn(PoolLogger.POOL, "Closing connection " + Texts.safeString(connection) + " failed", ex);
        }
    }
}

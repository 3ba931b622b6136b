package io.routepool.core;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the pool's reports go (the {@value PoolLogger#DIAGNOSTICS} logger, the user's {@link PoolListener},
 * JFR) and the counters that move off the hot path. The text of each report is {@link Reports}'s.
 *
 * <p>Every entry point is called where the pool holds capacity, a detached entry or a queued node that only
 * the caller can put right, so none may throw: a failing logger, listener, JFR or toString is logged (if the
 * logger still works) and dropped. VirtualMachineErrors pass. All are called outside pool locks (logging and
 * listeners are user code), except {@link #waitBegins}, a counter.
 */
final class Diagnostics<R> {

    private final PoolListener<R> listener;
    final Log log;
    final Remedies remedies;
    /** Starts every report. */
    final String poolName;
    private final FlightRecorder jfr = FlightRecorder.load();

    // Counters of slow-path events; each written with one atomic add where the event happens.
    final AtomicLong created = new AtomicLong();
    final AtomicLong closed = new AtomicLong();
    final AtomicLong waited = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong leaks = new AtomicLong();
    final AtomicLong reclaimed = new AtomicLong();
    final AtomicLong stateMismatches = new AtomicLong();
    final AtomicLong selfDeadlocks = new AtomicLong();
    final AtomicLong pendingRefused = new AtomicLong();
    /** Reused or idle connections found closed by their server (a lease's check, maintenance, releaseStale). */
    final AtomicLong staleFound = new AtomicLong();

    /** Per-route state-mismatch counts; an entry exists only for routes that had a mismatch. Never purged. */
    private final ConcurrentHashMap<R, RouteMismatches> mismatchesByRoute = new ConcurrentHashMap<>();

    private static final class RouteMismatches {
        final AtomicLong count = new AtomicLong();
        /** Set once, by the thread that logs the route's only warning. */
        final AtomicBoolean warned = new AtomicBoolean();
    }

    Diagnostics(PoolListener<R> listener, Log log, Remedies remedies, String poolName) {
        this.listener = listener;
        this.log = log;
        this.remedies = remedies;
        this.poolName = poolName;
    }

    /**
     * Logs at WARNING (except timeouts: the exception carries the message) and tells the listener. No throwable
     * goes with the record: lease sites are in the message as "leased at" frames (see {@link Reports}).
     */
    void report(Diagnostic<R> d) {
        report(d, d.kind() != Diagnostic.Kind.LEASE_TIMEOUT);
    }

    void report(Diagnostic<R> d, boolean writeLog) {
        try {
            if (writeLog) {
                log.warn(PoolLogger.DIAGNOSTICS, d.message(), null);
            }
            if (d.kind() == Diagnostic.Kind.LEAK_SUSPECTED && !d.leases().isEmpty()) {
                jfr.leak(d.leases().get(0));
            }
        } catch (RuntimeException | Error ex) {
            dropped("reporting " + d.kind(), ex);
        }
        try {
            listener.onDiagnostic(d);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onDiagnostic", ex);
        }
    }

    void connectionCreated(R route, long id) {
        created.incrementAndGet();
        try {
            jfr.created(route, id);
            listener.onConnectionCreated(route, id);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onConnectionCreated", ex);
        }
    }

    void connectionClosed(R route, long id) {
        closed.incrementAndGet();
        try {
            jfr.closed(route, id);
            listener.onConnectionClosed(route, id);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onConnectionClosed", ex);
        }
    }

    /** A lease starts waiting (called under the queue's lock: a counter only). */
    void waitBegins() {
        waited.incrementAndGet();
    }

    /** Before a lease may wait, outside any lock: a begun JFR LeaseWaited event if a recording wants it, else null. */
    Object jfrBeginWait() {
        try {
            return jfr.beginWait();
        } catch (RuntimeException | Error ex) {
            dropped("JFR", ex);
            return null;
        }
    }

    void waitEnded(Object jfrEvent, R route, long waitedNanos, boolean granted) {
        try {
            if (jfrEvent != null) {
                jfr.endWait(jfrEvent, route, granted);
            }
            listener.onLeaseWaited(route, waitedNanos, granted);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onLeaseWaited", ex);
        }
    }

    private void dropped(String what, Throwable ex) {
        Errors.rethrowIfVmError(ex);
        log.warn(PoolLogger.DIAGNOSTICS, what + " threw; ignored so that the pool stays consistent", ex);
    }

    // ---------------------------------------------------------------- state mismatch

    void stateMismatch(R route, Object requested, int idle, Object[] idleStates, boolean opened) {
        stateMismatches.incrementAndGet();
        try {
            RouteMismatches m = mismatchesByRoute.computeIfAbsent(route, r -> new RouteMismatches());
            m.count.incrementAndGet();
            if (idleStates == null || !m.warned.compareAndSet(false, true)) {
                return;
            }
            String message = Reports.stateMismatch(poolName, route, requested, idle, idleStates, opened,
                    remedies.stateMismatch());
            report(new Diagnostic<>(Diagnostic.Kind.STATE_MISMATCH, route, message, Collections.<LeaseInfo<R>>emptyList(),
                    Thread.currentThread().getName()));
        } catch (RuntimeException | Error ex) {
            dropped("counting a state mismatch", ex); // e.g. a route whose hashCode throws
        }
    }

    long stateMismatches(R route) {
        try {
            RouteMismatches m = mismatchesByRoute.get(route);
            return m == null ? 0 : m.count.get();
        } catch (RuntimeException ex) {
            return -1; // a route whose hashCode or equals throws: unknown
        }
    }

    PoolCounters counters(long reused) {
        return new PoolCounters(created.get(), closed.get(), reused, waited.get(), timedOut.get(), leaks.get(),
                reclaimed.get(), stateMismatches.get(), selfDeadlocks.get(), pendingRefused.get(), staleFound.get());
    }

    /** One lease, for reports that have a single subject. */
    static <R> List<LeaseInfo<R>> one(LeaseInfo<R> info) {
        return Collections.singletonList(info);
    }
}

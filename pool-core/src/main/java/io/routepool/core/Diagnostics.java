package io.routepool.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the pool's reports go: the {@code io.routepool.core.PoolDiagnostics} {@link System.Logger}, the
 * user's {@link PoolListener} (a no-op by default) and JFR. Also the counters that move off the hot path.
 * Called outside pool locks (logging and listeners are user code), except {@link #waitBegins}, a counter.
 */
final class Diagnostics<R> {

    static final System.Logger LOG = System.getLogger("io.routepool.core.PoolDiagnostics");

    private final PoolListener<R> listener;
    private final Map<Diagnostic.Kind, String> remedies = new EnumMap<>(Diagnostic.Kind.class);
    private final boolean jfr = JfrEvents.AVAILABLE;

    // Counters of slow-path events; each written with one atomic add where the event happens.
    final AtomicLong created = new AtomicLong();
    final AtomicLong closed = new AtomicLong();
    final AtomicLong waited = new AtomicLong();
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong leaks = new AtomicLong();
    final AtomicLong reclaimed = new AtomicLong();
    final AtomicLong stateMismatches = new AtomicLong();
    final AtomicLong selfDeadlocks = new AtomicLong();

    /** Per-route state-mismatch counts; an entry exists only for routes that had a mismatch. Never purged. */
    private final ConcurrentHashMap<R, RouteMismatches> mismatchesByRoute = new ConcurrentHashMap<>();

    static final class RouteMismatches {
        final AtomicLong count = new AtomicLong();
        /** Set once, by the thread that logs the route's only warning. */
        final AtomicBoolean warned = new AtomicBoolean();
    }

    Diagnostics(PoolListener<R> listener, Map<Diagnostic.Kind, String> remedies) {
        this.listener = listener;
        this.remedies.put(Diagnostic.Kind.SELF_DEADLOCK, "Release the connections this thread holds before asking for"
                + " another one (close, or fully consume, whatever holds them).");
        this.remedies.put(Diagnostic.Kind.LEAK_SUSPECTED, "Every lease must be released exactly once, also on"
                + " exceptions (try/finally). Turn on captureLeaseStacks to see where each connection was leased.");
        this.remedies.put(Diagnostic.Kind.WAITER_STUCK, "If the holders are leaked or self-deadlocked, see those"
                + " reports; otherwise the route is too small for the load: raise maxPerRoute/maxTotal or set a"
                + " lease timeout so that callers fail instead of hanging.");
        this.remedies.put(Diagnostic.Kind.STATE_MISMATCH, "Lease with the state the connections carry, or release"
                + " them with a null state, so that idle connections can be reused.");
        this.remedies.putAll(remedies);
    }

    String remedy(Diagnostic.Kind kind) {
        String r = remedies.get(kind);
        return r == null ? "" : r;
    }

    // ---------------------------------------------------------------- reports

    /*
     * Every entry point below is called where the pool holds capacity, a detached entry or a queued node that
     * only the caller can put right, so none may throw: a failing logger, listener, JFR or toString is
     * logged (if the logger still works) and dropped. VirtualMachineErrors pass.
     */

    /** Logs at WARNING (except timeouts) and tells the listener. {@code site} is logged as the record's throwable. */
    void report(Diagnostic<R> d, Throwable site) {
        report(d, site, d.kind() != Diagnostic.Kind.LEASE_TIMEOUT);
    }

    void report(Diagnostic<R> d, Throwable site, boolean log) {
        try {
            if (site instanceof LeaseSite) {
                ((LeaseSite) site).trimPoolFrames();
            }
            if (log && LOG.isLoggable(Level.WARNING)) {
                if (site != null) {
                    LOG.log(Level.WARNING, d.message(), site);
                } else {
                    LOG.log(Level.WARNING, d.message());
                }
            }
            if (jfr && d.kind() == Diagnostic.Kind.LEAK_SUSPECTED && !d.leases().isEmpty()) {
                JfrEvents.leak(d.leases().get(0));
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
            if (jfr) {
                JfrEvents.created(route, id);
            }
            listener.onConnectionCreated(route, id);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onConnectionCreated", ex);
        }
    }

    void connectionClosed(R route, long id) {
        closed.incrementAndGet();
        try {
            if (jfr) {
                JfrEvents.closed(route, id);
            }
            listener.onConnectionClosed(route, id);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onConnectionClosed", ex);
        }
    }

    /** A lease starts waiting (called under the queue's lock: a counter only). */
    void waitBegins() {
        waited.incrementAndGet();
    }

    /**
     * Before a lease may wait, outside any lock: a begun JFR LeaseWaited event if a recording wants it, else null
     * (the first call loads the event class, which must not happen under a pool lock).
     */
    Object jfrBeginWait() {
        try {
            return jfr ? JfrEvents.beginWait() : null;
        } catch (RuntimeException | Error ex) {
            dropped("JFR", ex);
            return null;
        }
    }

    void waitEnded(Object jfrEvent, R route, long waitedNanos, boolean granted) {
        try {
            if (jfrEvent != null) {
                JfrEvents.endWait(jfrEvent, route, granted);
            }
            listener.onLeaseWaited(route, waitedNanos, granted);
        } catch (RuntimeException | Error ex) {
            dropped("PoolListener.onLeaseWaited", ex);
        }
    }

    private static void dropped(String what, Throwable ex) {
        if (ex instanceof VirtualMachineError) {
            throw (VirtualMachineError) ex;
        }
        try {
            LOG.log(Level.WARNING, what + " threw; ignored so that the pool stays consistent", ex);
        } catch (RuntimeException | Error again) {
            if (again instanceof VirtualMachineError) {
                throw (VirtualMachineError) again;
            }
        }
    }

    // ---------------------------------------------------------------- state mismatch

    void stateMismatch(R route, Object requested, int idle, Object[] idleStates, boolean opened) {
        stateMismatches.incrementAndGet();
        try {
            countMismatch(route, requested, idle, idleStates, opened);
        } catch (RuntimeException | Error ex) {
            dropped("counting a state mismatch", ex); // e.g. a route whose hashCode throws
        }
    }

    private void countMismatch(R route, Object requested, int idle, Object[] idleStates, boolean opened) {
        RouteMismatches m = mismatchesByRoute.computeIfAbsent(route, r -> new RouteMismatches());
        m.count.incrementAndGet();
        if (idleStates == null || !m.warned.compareAndSet(false, true)) {
            return;
        }
        StringBuilder states = new StringBuilder();
        for (Object s : idleStates) {
            if (s != null) {
                states.append(states.length() == 0 ? "" : ", ").append(safeString(s));
            }
        }
        String message = "State mismatch on route " + safeString(route) + ": a lease for state " + safeString(requested)
                + (opened ? " opened a new connection" : " had to wait") + " while " + idle
                + " idle connection(s) of the route carried another state (" + states
                + "). A lease only reuses a connection whose state equals the one it asks for (a null request only"
                + " takes null-state connections), so these idle connections are never reused and every such lease"
                + " opens or waits for another. Counted in getStateMismatches(route); logged once per route. Remedy: "
                + remedy(Diagnostic.Kind.STATE_MISMATCH);
        report(new Diagnostic<>(Diagnostic.Kind.STATE_MISMATCH, route, message, List.of(), Thread.currentThread().getName()), null);
    }

    long stateMismatches(R route) {
        try {
            RouteMismatches m = mismatchesByRoute.get(route);
            return m == null ? 0 : m.count.get();
        } catch (RuntimeException ex) {
            return -1; // a route whose hashCode or equals throws: unknown
        }
    }

    // ---------------------------------------------------------------- text

    /** toString of user objects (routes, states) must not break a report. */
    static String safeString(Object o) {
        try {
            return String.valueOf(o);
        } catch (RuntimeException | LinkageError | StackOverflowError ex) {
            return o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o));
        }
    }

    static String stackText(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    static <R> String describeLeases(List<LeaseInfo<R>> leases) {
        StringBuilder b = new StringBuilder();
        for (LeaseInfo<R> l : leases) {
            b.append("\n    ").append(l);
        }
        return b.toString();
    }
}

package io.routepool.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * routepool's JDK Flight Recorder events: the only class that links {@code jdk.jfr}, loaded by
 * {@link FlightRecorder#load()} only where the runtime has it (Java 8u262+, 11+). Compiled on its own, to
 * Java 8 bytecode against the building JDK's {@code jdk.jfr} (the Java 8 API signature of {@code --release 8}
 * has no {@code jdk.jfr}); it uses only what JFR offered from its first open release.
 */
final class JfrEvents extends FlightRecorder {

    JfrEvents() {
    }

    @Name("io.routepool.LeaseWaited")
    @Label("Lease Waited")
    @Category({"routepool", "Connection Pool"})
    @Description("A lease that could not be served at once and waited for a connection")
    static final class LeaseWaited extends Event {
        @Label("Route")
        String route;
        @Label("Granted")
        @Description("false: timed out, cancelled, interrupted, or the pool closed")
        boolean granted;
    }

    @Name("io.routepool.ConnectionCreated")
    @Label("Connection Created")
    @Category({"routepool", "Connection Pool"})
    @StackTrace(false)
    static final class ConnectionCreated extends Event {
        @Label("Route")
        String route;
        @Label("Connection Id")
        long connectionId;
    }

    @Name("io.routepool.ConnectionClosed")
    @Label("Connection Closed")
    @Category({"routepool", "Connection Pool"})
    @StackTrace(false)
    static final class ConnectionClosed extends Event {
        @Label("Route")
        String route;
        @Label("Connection Id")
        long connectionId;
    }

    @Name("io.routepool.LeakSuspected")
    @Label("Connection Leak Suspected")
    @Category({"routepool", "Connection Pool"})
    @Description("A lease held longer than the leak threshold")
    @StackTrace(false)
    static final class LeakSuspected extends Event {
        @Label("Route")
        String route;
        @Label("Connection Id")
        long connectionId;
        @Label("Holder")
        @Description("The thread that leased the connection")
        String holder;
        @Label("Lease Age")
        @Timespan(Timespan.NANOSECONDS)
        long age;
        @Label("Lease Site")
        @Description("Where the connection was leased, when stack capture is on")
        String leaseSite;
    }

    /** Begins a LeaseWaited event if a recording wants it; returns it (as Object, so callers do not link jdk.jfr) or null. */
    @Override
    Object beginWait() {
        LeaseWaited e = new LeaseWaited();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    @Override
    void endWait(Object event, Object route, boolean granted) {
        LeaseWaited e = (LeaseWaited) event;
        e.end();
        if (e.shouldCommit()) {
            e.route = Texts.safeString(route);
            e.granted = granted;
            e.commit();
        }
    }

    @Override
    void created(Object route, long id) {
        ConnectionCreated e = new ConnectionCreated();
        if (e.shouldCommit()) {
            e.route = Texts.safeString(route);
            e.connectionId = id;
            e.commit();
        }
    }

    @Override
    void closed(Object route, long id) {
        ConnectionClosed e = new ConnectionClosed();
        if (e.shouldCommit()) {
            e.route = Texts.safeString(route);
            e.connectionId = id;
            e.commit();
        }
    }

    @Override
    void leak(LeaseInfo<?> lease) {
        LeakSuspected e = new LeakSuspected();
        if (e.shouldCommit()) {
            e.route = Texts.safeString(lease.route());
            e.connectionId = lease.connectionId();
            e.holder = lease.holder();
            e.age = lease.ageNanos();
            e.leaseSite = lease.leaseSite() == null ? null : Texts.stackText(lease.leaseSite());
            e.commit();
        }
    }
}

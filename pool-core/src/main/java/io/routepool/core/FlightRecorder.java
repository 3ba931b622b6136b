package io.routepool.core;

/**
 * The pool's JDK Flight Recorder events, behind a seam that links nothing of {@code jdk.jfr}: where the
 * runtime has it, {@link #load()} returns {@code JfrEvents} (compiled separately, from {@code src/main/jfr},
 * against {@code jdk.jfr}); elsewhere a no-op. Every method returns at once unless a recording has the event
 * enabled. All calls are on slow paths (create, close, waiting, maintenance), never on a lease served from the
 * idle list; none is made under a pool lock (the first call loads the event class).
 */
abstract class FlightRecorder {

    /** No-op: the runtime has no {@code jdk.jfr}. */
    static final FlightRecorder NONE = new FlightRecorder() {
    };

    /** The events, or {@link #NONE} where {@code jdk.jfr} is absent or cannot be loaded. */
    static FlightRecorder load() {
        ClassLoader loader = FlightRecorder.class.getClassLoader();
        try {
            Class.forName("jdk.jfr.Event", false, loader);
            return (FlightRecorder) Class.forName("io.routepool.core.JfrEvents", true, loader)
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException absent) {
            return NONE;
        }
    }

    /** Begins a LeaseWaited event if a recording wants it; returns it (opaque to the caller) or null. */
    Object beginWait() {
        return null;
    }

    void endWait(Object event, Object route, boolean granted) {
    }

    void created(Object route, long id) {
    }

    void closed(Object route, long id) {
    }

    void leak(LeaseInfo<?> lease) {
    }
}

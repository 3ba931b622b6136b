package io.routepool.micrometer;

import io.micrometer.core.instrument.Timer;
import io.routepool.core.Diagnostic;
import io.routepool.core.PoolListener;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The {@link PoolListener} that feeds the lease-wait timer {@code routepool.leases.wait}: install it when the pool
 * or manager is built (a pool has one listener, fixed then), and hand the same instance to the binder
 * ({@link RoutePoolMetrics.Builder#leaseWaits}). It passes every event on to the listener it wraps, if any.
 *
 * <pre>{@code
 * MetricsPoolListener<HttpRoute> waits = MetricsPoolListener.wrapping(myListener); // or create()
 * RoutePoolHttpClientConnectionManager cm = RoutePoolHttpClientConnectionManagerBuilder.create()
 *         .setPoolListener(waits).build();
 * RoutePoolHttpClientConnectionManagerMetrics.builder(cm).leaseWaits(waits).build().bindTo(registry);
 * }</pre>
 *
 * <p>The pool calls {@link #onLeaseWaited} only for a lease that had to wait, outside its locks, on the thread that
 * ended the wait: a lease served at once (the hit path) never reaches it. A wait costs one volatile read and one
 * {@code Timer.record} per registry bound. Until a binder is bound (and after it is closed) the listener records
 * nothing and only passes events on. One listener per pool: the timers it feeds carry the pool's tag.
 *
 * @param <R> route
 */
public final class MetricsPoolListener<R> implements PoolListener<R> {

    private static final Timer[][] NONE = new Timer[0][];

    private final PoolListener<R> delegate;
    /**
     * The timers to record a wait in, one pair (granted, not granted) per bound registry. Copy on write: replaced
     * under this object's monitor by {@link #attach} and {@link #detach}, read with one volatile load per wait.
     */
    private volatile Timer[][] timers = NONE;

    private MetricsPoolListener(PoolListener<R> delegate) {
        this.delegate = delegate;
    }

    /** A listener that records lease waits and does nothing else. */
    public static <R> MetricsPoolListener<R> create() {
        return new MetricsPoolListener<>(PoolListener.<R>none());
    }

    /** A listener that records lease waits and passes every event, waits included, on to {@code delegate}. */
    public static <R> MetricsPoolListener<R> wrapping(PoolListener<R> delegate) {
        return new MetricsPoolListener<>(Objects.requireNonNull(delegate, "delegate"));
    }

    @Override
    public void onLeaseWaited(R route, long waitedNanos, boolean granted) {
        try {
            for (Timer[] pair : timers) {
                pair[granted ? 0 : 1].record(waitedNanos, TimeUnit.NANOSECONDS);
            }
        } finally {
            delegate.onLeaseWaited(route, waitedNanos, granted);
        }
    }

    @Override
    public void onDiagnostic(Diagnostic<R> diagnostic) {
        delegate.onDiagnostic(diagnostic);
    }

    @Override
    public void onConnectionCreated(R route, long connectionId) {
        delegate.onConnectionCreated(route, connectionId);
    }

    @Override
    public void onConnectionClosed(R route, long connectionId) {
        delegate.onConnectionClosed(route, connectionId);
    }

    /** Starts recording into {@code granted} and {@code notGranted}; returns the pair, for {@link #detach}. */
    synchronized Timer[] attach(Timer granted, Timer notGranted) {
        Timer[] pair = {granted, notGranted};
        Timer[][] next = Arrays.copyOf(timers, timers.length + 1);
        next[next.length - 1] = pair;
        timers = next;
        return pair;
    }

    /** Stops recording into the pair {@link #attach} returned. */
    synchronized void detach(Timer[] pair) {
        Timer[][] current = timers;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == pair) {
                Timer[][] next = new Timer[current.length - 1][];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                timers = next;
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "MetricsPoolListener[registries=" + timers.length + ", delegate=" + delegate + "]";
    }
}

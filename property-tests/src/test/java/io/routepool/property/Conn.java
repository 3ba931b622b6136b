package io.routepool.property;

import java.util.concurrent.atomic.AtomicInteger;

/** A stub connection numbered in creation order; it knows whether it is open and how often it was closed. */
final class Conn {
    final String route;
    final int serial;
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger holders = new AtomicInteger();
    /** False once closed by the pool or by the "peer". */
    volatile boolean open = true;
    /** The peer half-closed it: still open locally, but validation fails. */
    volatile boolean stale;
    /** How the pool closed it (IMMEDIATE: taken from its holder, by a reclaim or an immediate close), or null. */
    volatile io.routepool.core.CloseMode closedWith;

    Conn(String route, int serial) {
        this.route = route;
        this.serial = serial;
    }

    @Override
    public String toString() {
        return route + "#" + serial;
    }
}

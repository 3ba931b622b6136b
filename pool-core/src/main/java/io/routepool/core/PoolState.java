package io.routepool.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;

/** Read-mostly pool-wide fields: the limits and the closed flag (volatile; written by setters and close). */
abstract class PoolLimitsFields {
    volatile int maxTotal;
    volatile int defaultMaxPerRoute;
    volatile long validateAfterInactivityNanos;
    /** Set once by close(); every place that would pool, create or enqueue re-checks it under the relevant lock. */
    volatile boolean closed;
}

/** Padding: keeps the written pool-unit counter off the cache line of the read-mostly limits. */
abstract class PoolStatePad extends PoolLimitsFields {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** The pool-unit counter, alone on its line. */
abstract class PoolUnitsField extends PoolStatePad {
    /**
     * Pool units: open connections plus reservations for connections being created. CAS-incremented only
     * while below maxTotal; decremented after a close. Written on create and close only (never on a lease or
     * release served from the idle list), read on release to detect surplus.
     */
    volatile int units;
}

/**
 * Pool-wide state: the limits, the closed flag, the pool-unit counter and the creation numbers. Invariant:
 * open connections ≤ {@code units} ≤ {@code maxTotal} at every instant (unless maxTotal was lowered below
 * the leased count: leased connections are never touched).
 */
final class PoolState extends PoolUnitsField {

    private static final AtomicIntegerFieldUpdater<PoolUnitsField> UNITS =
            AtomicIntegerFieldUpdater.newUpdater(PoolUnitsField.class, "units");

    long p11, p12, p13, p14, p15, p16, p17, p18;

    /** Creation numbers, drawn when a lease takes the capacity to create (its linearization point). */
    private final AtomicLong created = new AtomicLong();
    /** The first close() wins. */
    final AtomicBoolean closing = new AtomicBoolean();
    /**
     * Waiter nodes linked in any queue of the pool (every route's and the capacity queue): raised by a CAS that
     * admits a node within maxPending, lowered when a queue unlinks it (WaiterQueue). Touched only by leases that wait.
     */
    final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();

    PoolState(int maxTotal, int defaultMaxPerRoute, long validateAfterInactivityNanos) {
        this.maxTotal = maxTotal;
        this.defaultMaxPerRoute = defaultMaxPerRoute;
        this.validateAfterInactivityNanos = validateAfterInactivityNanos;
    }

    /** Takes a pool unit if the pool is below maxTotal. */
    boolean reserveUnit() {
        for (;;) {
            int t = units;
            if (t >= maxTotal) {
                return false;
            }
            if (UNITS.compareAndSet(this, t, t + 1)) {
                return true;
            }
        }
    }

    /**
     * The thread in {@link KeyedPool#close(java.time.Duration)} waiting for the last unit to come back, or null. It is
     * set, then units read; {@link #returnUnit} decrements units, then reads it: both volatile, so either the drainer
     * sees the pool empty or the last returner sees the drainer and unparks it.
     */
    volatile Thread drainer;

    /** Gives a pool unit back to the counter (see HandOff.releasePoolUnit for passing it to a waiter instead). */
    void returnUnit() {
        if (UNITS.decrementAndGet(this) == 0) {
            Thread d = drainer;
            if (d != null) {
                java.util.concurrent.locks.LockSupport.unpark(d);
            }
        }
    }

    int units() {
        return units;
    }

    /** The pool holds more units than maxTotal (it was lowered). */
    boolean overTotal() {
        return units > maxTotal;
    }

    long nextId() {
        return created.incrementAndGet();
    }

    PoolClosedException closedException() {
        return new PoolClosedException("Connection pool is closed: it refuses new leases and closes connections as they come back");
    }

    void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }
}

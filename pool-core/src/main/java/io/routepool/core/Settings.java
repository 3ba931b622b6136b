package io.routepool.core;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** The pool's fixed configuration, copied from the builder: final fields, read without synchronization. */
final class Settings {

    final Executor asyncExecutor;
    /** Zero: connections live as long as they stay open. */
    final long timeToLiveNanos;
    /** The largest part of timeToLiveNanos a connection's life is shortened by, at random; 0 <= jitter < 1. */
    final double timeToLiveJitter;
    final boolean failOnSelfDeadlock;
    final long leakThresholdNanos;
    final long reclaimAfterNanos;
    final long stuckWaiterNanos;
    final long maxIdleNanos;
    /** Zero: no background maintenance. */
    final long maintenanceIntervalNanos;
    /** Null: the shared maintenance thread. */
    final ScheduledExecutorService maintenanceExecutor;
    /** Starts every report and timeout message. */
    final String poolName;
    /** The cap on a wait its caller asked to last forever; zero: no cap. */
    final long maxLeaseWaitNanos;
    final boolean captureLeaseStacks;
    /** Leases a connection serves before its release closes it; zero: no limit. */
    final int maxUsesPerConnection;
    /** Caps on leases waiting on one route and on the whole pool; zero: no cap. */
    final int maxPendingPerRoute;
    final int maxPending;
    /** Learn each route's server idle close and check or expire idle connections by it (IdleCloses). */
    final boolean learnIdleClose;
    /** Idle connections maintenance keeps on each used or named route (Warming); zero: off. */
    final int minIdlePerRoute;
    /** Where Warming makes them; null: routepool's shared warming threads. */
    final Executor warmingExecutor;

    /** The wait a lease asking for {@code timeoutNanos} gets: a wait forever is capped by maxLeaseWait. */
    long effectiveTimeout(long timeoutNanos) {
        return timeoutNanos == Long.MAX_VALUE && maxLeaseWaitNanos > 0 ? maxLeaseWaitNanos : timeoutNanos;
    }

    Settings(PoolBuilder<?, ?> b) {
        this.asyncExecutor = b.asyncExecutor;
        this.timeToLiveNanos = b.timeToLiveNanos;
        this.timeToLiveJitter = b.timeToLiveJitter;
        this.failOnSelfDeadlock = b.failOnSelfDeadlock;
        this.leakThresholdNanos = b.leakThresholdNanos;
        this.reclaimAfterNanos = b.reclaimAfterNanos;
        this.stuckWaiterNanos = b.stuckWaiterNanos;
        this.maxIdleNanos = b.maxIdleNanos;
        this.maintenanceIntervalNanos = b.maintenanceIntervalNanos;
        this.maintenanceExecutor = b.maintenanceExecutor;
        this.poolName = b.poolName;
        this.maxLeaseWaitNanos = b.maxLeaseWaitNanos;
        this.captureLeaseStacks = b.captureLeaseStacks;
        this.maxUsesPerConnection = b.maxUsesPerConnection;
        this.maxPendingPerRoute = b.maxPendingPerRoute;
        this.maxPending = b.maxPending;
        this.learnIdleClose = b.learnIdleClose;
        this.minIdlePerRoute = b.minIdlePerRoute;
        this.warmingExecutor = b.warmingExecutor;
    }
}

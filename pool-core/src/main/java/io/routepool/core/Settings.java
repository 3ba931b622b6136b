package io.routepool.core;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** The pool's fixed configuration, copied from the builder: final fields, read without synchronization. */
final class Settings {

    final Executor asyncExecutor;
    /** Zero: connections live as long as they stay open. */
    final long timeToLiveNanos;
    final boolean failOnSelfDeadlock;
    final long leakThresholdNanos;
    final long reclaimAfterNanos;
    final long stuckWaiterNanos;
    final long maxIdleNanos;
    /** Zero: no background maintenance. */
    final long maintenanceIntervalNanos;
    /** Null: the shared maintenance thread. */
    final ScheduledExecutorService maintenanceExecutor;

    Settings(PoolBuilder<?, ?> b) {
        this.asyncExecutor = b.asyncExecutor;
        this.timeToLiveNanos = b.timeToLiveNanos;
        this.failOnSelfDeadlock = b.failOnSelfDeadlock;
        this.leakThresholdNanos = b.leakThresholdNanos;
        this.reclaimAfterNanos = b.reclaimAfterNanos;
        this.stuckWaiterNanos = b.stuckWaiterNanos;
        this.maxIdleNanos = b.maxIdleNanos;
        this.maintenanceIntervalNanos = b.maintenanceIntervalNanos;
        this.maintenanceExecutor = b.maintenanceExecutor;
    }
}

package io.routepool.httpclient5;

import java.time.Duration;
import java.util.Collection;

import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.PoolEntry;

import io.routepool.core.ConnectionValidator;
import io.routepool.core.PoolBuilder;
import io.routepool.core.PoolListener;
import io.routepool.core.PoolLogger;

/**
 * routepool's own settings, collected by the managers' builders and applied to the pool-core pool behind a
 * {@link RoutePoolConnPool}. Null fields keep pool-core's defaults (see {@link PoolBuilder}).
 */
final class PoolOptions<T, C extends ModalCloseable> {

    Duration maintenanceInterval;
    Duration leakThreshold;
    Boolean captureLeaseStacks;
    Duration reclaimAbandonedAfter;
    Duration stuckWaiterThreshold;
    Boolean failOnSelfDeadlock;
    Duration maxIdleTime;
    Integer maxUsesPerConnection;
    Integer maxPendingPerRoute;
    Integer maxPending;
    /**
     * The builders' {@code timeToLiveJitter} (0: none). Not applied to pool-core, which has no time to live here:
     * the managers give it to their {@link ConnectionConfigExpiry}, which enforces the per-route time to live.
     */
    double timeToLiveJitter;
    PoolLogger logger;
    String poolName;
    Duration maxLeaseWait;
    PoolListener<T> listener;
    /**
     * A check of an idle entry's connection run by maintenance, off the request path (the entry is out of the
     * pool while it runs); null: only the connection's isOpen.
     */
    ConnectionValidator<PoolEntry<T, C>> idleProbe;
    /** The builders' {@code learnIdleClose}; null: pool-core's default (on). */
    Boolean learnIdleClose;
    /**
     * The check a lease runs on a reused connection where learnIdleClose asks for one (it idled longer than any that
     * survived, or was released before a stale one was found); null: none. The manager's own validateAfterInactivity
     * (its ConnectionConfig) is not this: HttpClient runs that itself after the lease.
     */
    ConnectionValidator<PoolEntry<T, C>> leaseCheck;

    /** The builders' {@code minIdlePerRoute}; null: pool-core's default (0, no pre-warming). */
    Integer minIdlePerRoute;
    /** The builders' {@code warmRoutes}; null: none. */
    Collection<T> warmRoutes;
    /** The builders' {@code warmingExecutor}; null: pool-core's shared warming threads. */
    java.util.concurrent.Executor warmingExecutor;

    /** Whether the pool pre-warms: the managers then give it their {@link RoutePoolConnPool.WarmConnector}. */
    boolean warms() {
        return minIdlePerRoute != null && minIdlePerRoute > 0;
    }

    /** pool-core's validateAfterInactivity when only learnIdleClose asks for checks: longer than any idle time. */
    static final Duration LEARNED_CHECKS_ONLY = Duration.ofNanos(Long.MAX_VALUE);

    void applyTo(final PoolBuilder<T, Slot<T, C>> b) {
        if (maintenanceInterval != null) {
            b.maintenanceInterval(maintenanceInterval);
        }
        if (leakThreshold != null) {
            b.leakThreshold(leakThreshold);
        }
        if (captureLeaseStacks != null) {
            b.captureLeaseStacks(captureLeaseStacks);
        }
        if (reclaimAbandonedAfter != null) {
            b.reclaimAbandonedAfter(reclaimAbandonedAfter);
        }
        if (stuckWaiterThreshold != null) {
            b.stuckWaiterThreshold(stuckWaiterThreshold);
        }
        if (failOnSelfDeadlock != null) {
            b.failOnSelfDeadlock(failOnSelfDeadlock);
        }
        if (maxIdleTime != null) {
            b.maxIdleTime(maxIdleTime);
        }
        if (maxUsesPerConnection != null) {
            b.maxUsesPerConnection(maxUsesPerConnection);
        }
        if (maxPendingPerRoute != null) {
            b.maxPendingPerRoute(maxPendingPerRoute);
        }
        if (maxPending != null) {
            b.maxPending(maxPending);
        }
        if (logger != null) {
            b.logger(logger);
        }
        if (poolName != null) {
            b.poolName(poolName);
        }
        if (maxLeaseWait != null) {
            b.maxLeaseWait(maxLeaseWait);
        }
        if (listener != null) {
            b.listener(listener);
        }
        if (learnIdleClose != null) {
            b.learnIdleClose(learnIdleClose);
        }
        if (minIdlePerRoute != null) {
            b.minIdlePerRoute(minIdlePerRoute);
        }
        if (warmRoutes != null) {
            b.warmRoutes(warmRoutes);
        }
        if (warmingExecutor != null) {
            b.warmingExecutor(warmingExecutor);
        }
        final ConnectionValidator<PoolEntry<T, C>> check = leaseCheck;
        if (check != null && !Boolean.FALSE.equals(learnIdleClose)) {
            b.validator(slot -> check.isValid(slot.entry)).validateAfterInactivity(LEARNED_CHECKS_ONLY);
        }
        final ConnectionValidator<PoolEntry<T, C>> probe = idleProbe;
        if (probe != null) {
            b.idleProbe(slot -> probe.isValid(slot.entry));
        }
    }
}

package io.routepool.httpclient5;

import java.time.Duration;

import org.apache.hc.core5.io.ModalCloseable;

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
    PoolLogger logger;
    PoolListener<T> listener;
    /** A check of an idle connection run by maintenance, off the request path; null: only isOpen. */
    ConnectionValidator<? super C> idleProbe;

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
        if (logger != null) {
            b.logger(logger);
        }
        if (listener != null) {
            b.listener(listener);
        }
        final ConnectionValidator<? super C> probe = idleProbe;
        if (probe != null) {
            b.idleProbe(slot -> {
                final C conn = slot.entry.getConnection();
                return conn != null && probe.isValid(conn);
            });
        }
    }
}

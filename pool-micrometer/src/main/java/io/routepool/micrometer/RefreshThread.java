package io.routepool.micrometer;

import io.routepool.core.DaemonThreads;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The shared scheduler of the binders' route-set refresh: one daemon thread, {@code routepool-metrics}, for every
 * binder not given its own executor, started on first use and ended a minute after the last binder's task is
 * gone (cancelled tasks are removed at once), as pool-core's maintenance thread.
 */
final class RefreshThread {

    private RefreshThread() {
    }

    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("routepool-metrics"));
        e.setRemoveOnCancelPolicy(true);
        e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        e.setKeepAliveTime(60, TimeUnit.SECONDS);
        e.allowCoreThreadTimeOut(true);
        return e;
    }
}

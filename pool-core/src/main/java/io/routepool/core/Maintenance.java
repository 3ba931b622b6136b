package io.routepool.core;

import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler of background maintenance: one daemon thread, {@code routepool-maintenance}, shared by every
 * pool that was not given its own executor. Each pool's task holds the pool's {@link MaintenancePass} weakly,
 * so a pool dropped without being closed is not kept alive by its task (the task cancels itself when it finds
 * the pass gone).
 */
final class Maintenance {

    private Maintenance() {
    }

    static final long IDLE_THREAD_KEEP_ALIVE_SECONDS = 60;

    /** The shared thread, started on first use. */
    private static final class Shared {

        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("routepool-maintenance"));
            e.setRemoveOnCancelPolicy(true);
            e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            // the thread ends a minute after the last pool's task is gone (cancelled tasks are removed at once),
            // and a new one starts with the next pool
            e.setKeepAliveTime(IDLE_THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
            return e;
        }
    }

    static Task schedule(MaintenancePass<?, ?> pass, ScheduledExecutorService executor, long intervalNanos, Log log) {
        Task task = new Task(pass, log);
        ScheduledExecutorService on = executor != null ? executor : Shared.EXECUTOR;
        task.future = on.scheduleWithFixedDelay(task, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
        return task;
    }

    static final class Task implements Runnable {
        private final WeakReference<MaintenancePass<?, ?>> pass;
        private final Log log;
        /** Set right after scheduling; the first run comes one interval later. */
        volatile ScheduledFuture<?> future;
        private volatile boolean cancelled;

        Task(MaintenancePass<?, ?> pass, Log log) {
            this.pass = new WeakReference<MaintenancePass<?, ?>>(pass);
            this.log = log;
        }

        void cancel() {
            cancelled = true;
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
        }

        @Override
        public void run() {
            MaintenancePass<?, ?> p = pass.get();
            if (p == null || cancelled) {
                cancel();
                return;
            }
            try {
                p.run();
            } catch (RuntimeException | Error ex) {
                // a failing pass must not end the schedule (a scheduled task that throws is never run again)
                log.warn(PoolLogger.DIAGNOSTICS, "routepool maintenance pass failed; it runs again next interval", ex);
            }
        }
    }
}

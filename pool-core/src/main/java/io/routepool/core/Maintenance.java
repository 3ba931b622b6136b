package io.routepool.core;

import java.lang.System.Logger.Level;
import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Background maintenance: one daemon thread, {@code routepool-maintenance}, shared by every pool that was
 * not given its own executor. Each pool's task holds the pool weakly, so a pool dropped without being closed
 * is not kept alive by its task (the task cancels itself when it finds the pool gone).
 */
final class Maintenance {

    private Maintenance() {
    }

    /** The shared thread, started on first use. */
    private static final class Shared {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "routepool-maintenance");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            return e;
        }
    }

    static Task schedule(LockLightPool<?, ?> pool, ScheduledExecutorService executor, long intervalNanos) {
        Task task = new Task(pool);
        ScheduledExecutorService on = executor != null ? executor : Shared.EXECUTOR;
        task.future = on.scheduleWithFixedDelay(task, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
        return task;
    }

    static final class Task implements Runnable {
        private final WeakReference<LockLightPool<?, ?>> pool;
        /** Set right after scheduling; the first run comes one interval later. */
        volatile ScheduledFuture<?> future;
        private volatile boolean cancelled;

        Task(LockLightPool<?, ?> pool) {
            this.pool = new WeakReference<>(pool);
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
            LockLightPool<?, ?> p = pool.get();
            if (p == null || cancelled) {
                cancel();
                return;
            }
            try {
                p.maintain();
            } catch (RuntimeException | Error ex) {
                // a failing pass must not end the schedule (a scheduled task that throws is never run again)
                Diagnostics.LOG.log(Level.WARNING, "routepool maintenance pass failed; it runs again next interval", ex);
            }
        }
    }
}

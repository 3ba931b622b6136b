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

    static final long IDLE_THREAD_KEEP_ALIVE_SECONDS = 60;

    /** The shared thread, started on first use. */
    private static final class Shared {

        /**
         * The thread pins nothing of the application that happened to start it (a web application that a
         * container later undeploys): no inherited thread locals, the library's class loader as context loader,
         * the top thread group, and (Java 17) an access-control context holding only the library's protection
         * domain instead of the domains of every class on the creating stack.
         */
        @SuppressWarnings("removal") // AccessController: still what decides the inherited context on Java 17
        private static Thread newThread(Runnable r) {
            return java.security.AccessController.doPrivileged((java.security.PrivilegedAction<Thread>) () -> {
                ThreadGroup top = Thread.currentThread().getThreadGroup();
                while (top.getParent() != null) {
                    top = top.getParent();
                }
                Thread t = new Thread(top, r, "routepool-maintenance", 0, false);
                t.setDaemon(true);
                t.setContextClassLoader(Maintenance.class.getClassLoader());
                return t;
            });
        }

        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, Shared::newThread);
            e.setRemoveOnCancelPolicy(true);
            e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            // the thread ends a minute after the last pool's task is gone (cancelled tasks are removed at once),
            // and a new one starts with the next pool
            e.setKeepAliveTime(IDLE_THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
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

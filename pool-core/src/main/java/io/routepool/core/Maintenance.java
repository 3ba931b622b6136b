package io.routepool.core;

import java.lang.ref.WeakReference;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
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

    /**
     * Daemon threads that pin nothing of the application that happened to start them (a web application that
     * a container later undeploys): no inherited thread locals, the library's class loader as context loader,
     * the top thread group, and an access-control context holding only the library's protection domain
     * instead of the domains of every class on the creating stack.
     */
    static ThreadFactory daemonThreads(String name) {
        return r -> newThread(r, name);
    }

    @SuppressWarnings("removal") // AccessController: still what decides the inherited context on Java 8 to 17
    private static Thread newThread(Runnable r, String name) {
        return java.security.AccessController.doPrivileged((java.security.PrivilegedAction<Thread>) () -> {
            ThreadGroup top = Thread.currentThread().getThreadGroup();
            while (top.getParent() != null) {
                top = top.getParent();
            }
            Thread t = newThread(top, r, name);
            t.setDaemon(true);
            t.setContextClassLoader(Maintenance.class.getClassLoader());
            return t;
        });
    }

    /** Java 9+'s constructor that inherits no thread locals, or null on Java 8. */
    private static final java.lang.reflect.Constructor<Thread> NO_INHERITED_LOCALS = noInheritedLocals();

    private static java.lang.reflect.Constructor<Thread> noInheritedLocals() {
        try {
            return Thread.class.getConstructor(ThreadGroup.class, Runnable.class, String.class, long.class, boolean.class);
        } catch (NoSuchMethodException | SecurityException java8) {
            return null;
        }
    }

    /** Without the creator's inheritable thread locals where the runtime allows it (Java 9+). */
    private static Thread newThread(ThreadGroup group, Runnable r, String name) {
        if (NO_INHERITED_LOCALS != null) {
            try {
                return NO_INHERITED_LOCALS.newInstance(group, r, name, 0L, false);
            } catch (ReflectiveOperationException | RuntimeException fallBack) {
                // fall through: a thread that inherits them is still a working thread
            }
        }
        return new Thread(group, r, name, 0);
    }

    /** The shared thread, started on first use. */
    private static final class Shared {

        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, daemonThreads("routepool-maintenance"));
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

package io.routepool.core;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An async executor that runs submitted tasks only when told to ({@link #drain()}), and may refuse them: async
 * leases on it make interleavings deterministic.
 */
final class ManualExecutor implements Executor {
    final Deque<Runnable> tasks = new ArrayDeque<>();
    final AtomicBoolean refuse = new AtomicBoolean();

    @Override
    public synchronized void execute(Runnable task) {
        if (refuse.get()) {
            throw new RejectedExecutionException("executor is full");
        }
        tasks.add(task);
    }

    void drain() {
        for (;;) {
            Runnable r;
            synchronized (this) {
                r = tasks.poll();
            }
            if (r == null) {
                return;
            }
            r.run();
        }
    }
}

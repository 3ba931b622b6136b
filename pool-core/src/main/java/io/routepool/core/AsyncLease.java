package io.routepool.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A lease that never blocks its caller: each pass runs on the pool's async executor, a grant resumes it there,
 * and its deadline is a timer. The future completes outside every lock.
 */
final class AsyncLease<R, C> extends LeaseAttempt<R, C> {

    final CompletableFuture<PoolEntry<R, C>> future = new CompletableFuture<>();
    private boolean timerArmed;

    AsyncLease(PoolParts<R, C> parts, R route, Object state, long timeoutNanos) {
        super(parts, route, state);
        setTimeout(timeoutNanos);
        this.leaseSite = parts.ledger.site(requester);
    }

    @Override
    boolean isAsync() {
        return true;
    }

    @Override
    void wake() {
        try {
            p.settings.asyncExecutor.execute(this::resume);
        } catch (RuntimeException rejected) {
            // the grant is committed: never let the rejection reach the thread that made it
            giveBack();
            fail(rejected);
        }
    }

    void start() {
        deadline();
        future.whenComplete((e, t) -> {
            if (future.isCancelled() || (t != null && requestState() == ACTIVE)) {
                // cancelled or completed by the caller: withdraw the request
                if (finishRequest(CANCELLED) && abandon()) {
                    withdraw();
                }
            }
        });
        try {
            p.settings.asyncExecutor.execute(this::runPass);
        } catch (RuntimeException rejected) {
            fail(rejected);
        }
    }

    private void runPass() {
        try {
            PoolEntry<R, C> e = step();
            if (e != null) {
                complete(e);
            } else {
                armTimer();
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void resume() {
        try {
            if (cancelRequested()) {
                giveBack();
                return;
            }
            PoolEntry<R, C> e = onGranted();
            if (e != null) {
                complete(e);
            } else {
                runPass();
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void armTimer() {
        long dl = deadline();
        if (dl == PoolEntry.NEVER) {
            return;
        }
        long delay = dl - p.clocks.now();
        if (delay <= 0) {
            onTimer(); // the deadline passed while this lease was not waiting
        } else if (!timerArmed) {
            timerArmed = true;
            // The delay runs on the JDK's delayer thread, in real time (not the pool's TimeSource);
            // the timeout itself is handled on the pool's executor, or inline if it refuses.
            Timer.after(delay, () -> {
                try {
                    p.settings.asyncExecutor.execute(this::onTimer);
                } catch (RuntimeException rejected) {
                    onTimer();
                }
            });
        }
    }

    private void onTimer() {
        if (abandon()) {
            withdraw();
            fail(timeout());
        }
        // else: granted (the grant completes the lease) or not waiting right now; a later wait
        // finds the deadline passed and times out on its first check.
    }

    private void complete(PoolEntry<R, C> e) {
        if (!finishRequest(DONE)) {
            p.handOff.requeue(e);
            return;
        }
        endWaiting(true);
        if (!future.complete(e)) {
            p.handOff.requeue(e);
        }
    }

    private void fail(Throwable t) {
        if (finishRequest(DONE)) {
            endWaiting(false);
            future.completeExceptionally(t);
        }
    }

    /** The timers of async leases: one shared daemon thread (Java 8 has no CompletableFuture.delayedExecutor). */
    static final class Timer {
        private static final java.util.concurrent.ScheduledThreadPoolExecutor DELAYER = create();

        private static java.util.concurrent.ScheduledThreadPoolExecutor create() {
            java.util.concurrent.ScheduledThreadPoolExecutor e = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                    DaemonThreads.named("routepool-lease-timer"));
            e.setRemoveOnCancelPolicy(true);
            e.setKeepAliveTime(Maintenance.IDLE_THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
            return e;
        }

        static void after(long delayNanos, Runnable task) {
            DELAYER.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
    }
}

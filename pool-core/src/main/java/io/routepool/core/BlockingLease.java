package io.routepool.core;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/** A lease that parks its thread until it is granted, times out, is interrupted or cancelled; also a LeaseRequest. */
final class BlockingLease<R, C> extends LeaseAttempt<R, C> implements KeyedPool.LeaseRequest<R, C> {

    /** The thread to unpark on a grant. */
    private volatile Thread thread;
    // LeaseRequest results (guarded by this object's monitor, which get holds).
    private PoolEntry<R, C> result;
    private Throwable failure;

    BlockingLease(PoolParts<R, C> parts, R route, Object state) {
        super(parts, route, state);
    }

    @Override
    boolean isAsync() {
        return false;
    }

    @Override
    void wake() {
        LockSupport.unpark(thread);
    }

    /** Runs the lease to the end on the calling thread. */
    PoolEntry<R, C> run(Thread me, Throwable site, long timeoutNanos, long startedAt)
            throws InterruptedException, TimeoutException, IOException {
        thread = me;
        requester = me;
        leaseSite = site;
        setTimeout(timeoutNanos);
        deadline = startedAt == Clocks.UNSET ? Clocks.UNSET : Arithmetic.saturatedAdd(startedAt, this.timeoutNanos);
        boolean granted = false;
        try {
            for (;;) {
                PoolEntry<R, C> e = step();
                if (e != null) {
                    granted = true;
                    return e;
                }
                awaitGrant();
                e = onGranted();
                if (e != null) {
                    granted = true;
                    return e;
                }
            }
        } finally {
            endWaiting(granted);
        }
    }

    private void awaitGrant() throws InterruptedException, TimeoutException {
        for (;;) {
            int s = status;
            if (s == GRANTED) {
                if (cancelRequested()) {
                    giveBack();
                    throw cancelled();
                }
                return;
            }
            if (s == ABANDONED) {
                // only a canceller abandons a node it does not own; it also withdrew it
                throw cancelled();
            }
            if (Thread.interrupted()) {
                if (abandon()) {
                    withdraw();
                } else if (status == GRANTED) {
                    giveBack();
                }
                throw new InterruptedException("Interrupted while waiting for a connection to " + Texts.safeString(route));
            }
            long now = p.clocks.now();
            long dl = deadline();
            if (now >= dl) {
                if (abandon()) {
                    withdraw();
                    throw timeout();
                }
                continue; // granted or cancelled at the same moment: take the grant
            }
            LockSupport.parkNanos(this, dl - now);
        }
    }

    // ---------------------------------------------------------------- LeaseRequest

    @Override
    public synchronized PoolEntry<R, C> get(long timeout, TimeUnit unit)
            throws InterruptedException, TimeoutException, IOException {
        long nanos = Arithmetic.timeoutNanos(timeout, unit);
        if (result != null) {
            return result;
        }
        if (cancelRequested()) {
            throw cancelled();
        }
        if (failure != null) {
            CancellationException ce = new CancellationException("Lease request for " + Texts.safeString(route)
                    + " already failed");
            ce.initCause(failure);
            throw ce;
        }
        Thread me = Thread.currentThread();
        PoolEntry<R, C> e;
        try {
            e = run(me, p.ledger.site(me), nanos, Clocks.UNSET);
        } catch (IOException | RuntimeException | Error ex) {
            if (!(ex instanceof CancellationException) && finishRequest(DONE)) {
                failure = ex;
            }
            throw ex;
        }
        if (!finishRequest(DONE)) {
            p.handOff.requeue(e); // cancelled at the same moment: the connection goes back
            throw cancelled();
        }
        result = e;
        return e;
    }

    @Override
    public boolean cancel() {
        if (!finishRequest(CANCELLED)) {
            return false;
        }
        if (abandon()) {
            withdraw();
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
        return true;
    }

    @Override
    public boolean isCancelled() {
        return requestState() == CANCELLED;
    }

    @Override
    public boolean isDone() {
        return requestState() != ACTIVE;
    }
}

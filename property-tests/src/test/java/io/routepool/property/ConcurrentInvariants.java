package io.routepool.property;

import io.routepool.core.CloseMode;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolClosedException;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolStats;
import io.routepool.core.TimeSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Many threads doing random operations with faults (cancels, interrupts, timeouts, factory failures,
 * slow factories, invalid releases), a sampler checking the limits at every sampled instant, and a
 * close while the load still runs. Bounded in time; every thread joined with a watchdog.
 */
final class ConcurrentInvariants {

    static final String[] ROUTES = {"a", "b", "c", "d"};
    static final int MAX_PER_ROUTE = 3;
    static final int MAX_TOTAL = 8;

    /** What a run saw. */
    static final class Result {
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();
        final AtomicInteger timedOut = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger refusedClosed = new AtomicInteger();
        final AtomicInteger invalidReleasesRefused = new AtomicInteger();
        final AtomicInteger samples = new AtomicInteger();
        String quiescentStats;

        int ended() {
            return served.get() + timedOut.get() + cancelled.get() + failed.get() + interrupted.get() + refusedClosed.get();
        }

        @Override
        public String toString() {
            return "started " + started + ", served " + served + ", timed out " + timedOut + ", cancelled " + cancelled
                    + ", injected factory faults " + failed + ", interrupted " + interrupted + ", refused (closed) " + refusedClosed
                    + ", invalid releases refused " + invalidReleasesRefused + ", samples " + samples
                    + ", violations " + violations.size() + ", unexpected " + unexpected.size();
        }
    }

    static Result run(RoutePoolWorld.PoolMaker maker, long seed, Duration load, int threads) throws InterruptedException {
        Result result = new Result();
        Conns conns = new Conns();
        conns.fault = route -> {
            int dice = ThreadLocalRandom.current().nextInt(40);
            if (dice == 0) {
                throw new IOException("injected connect failure to " + route);
            }
            if (dice == 1) {
                LockSupport.parkNanos(200_000); // a slow connect
            }
        };
        KeyedPool<String, Conn> pool = maker.make(conns, TimeSource.system(), new Action.Config(MAX_PER_ROUTE, MAX_TOTAL, 0, 0));
        KeyedPool<String, Conn> foreignPool = KeyedPool.builder(new Conns()).build();
        AtomicReference<KeyedPool.LeaseRequest<String, Conn>> toCancel = new AtomicReference<>();
        AtomicBoolean stopChaos = new AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        long end = System.nanoTime() + load.toNanos();
        for (int t = 0; t < threads; t++) {
            Random rnd = new Random(seed + t);
            workers.add(new Thread(() -> {
                while (!pool.isClosed() || System.nanoTime() < end) {
                    if (pool.isClosed()) {
                        break;
                    }
                    oneLease(pool, foreignPool, rnd, toCancel, result);
                }
                // after close: one more try must be refused at once
                oneLease(pool, foreignPool, rnd, toCancel, result);
            }, "worker-" + t));
        }
        Thread chaos = new Thread(() -> {
            Random rnd = new Random(seed - 1);
            while (!stopChaos.get()) {
                KeyedPool.LeaseRequest<String, Conn> r = toCancel.getAndSet(null);
                if (r != null) {
                    r.cancel();
                }
                if (rnd.nextInt(64) == 0) {
                    workers.get(rnd.nextInt(workers.size())).interrupt();
                }
                LockSupport.parkNanos(20_000);
            }
        }, "chaos");
        Thread sampler = new Thread(() -> {
            while (!stopChaos.get()) {
                result.samples.incrementAndGet();
                int open = conns.open.get();
                if (open > MAX_TOTAL) {
                    result.violations.add("sampled " + open + " open connections > maxTotal " + MAX_TOTAL);
                }
                for (String r : ROUTES) {
                    int n = conns.openOn(r);
                    if (n > MAX_PER_ROUTE) {
                        result.violations.add("sampled " + n + " open connections on " + r + " > maxPerRoute " + MAX_PER_ROUTE);
                    }
                }
                LockSupport.parkNanos(50_000);
            }
        }, "sampler");
        workers.forEach(Thread::start);
        chaos.start();
        sampler.start();
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        // quiescence is not reached under load; check the books right after the load ends, then close
        pool.close(CloseMode.GRACEFUL);
        joinAll(workers, result);
        stopChaos.set(true);
        joinAll(List.of(chaos, sampler), result);
        awaitAsyncDone(pool);

        PoolStats total = pool.getTotalStats();
        result.quiescentStats = total.toString();
        if (total.leased() != 0 || total.pending() != 0 || total.available() != 0) {
            result.violations.add("after close and quiescence the stats are " + total);
        }
        if (result.started.get() != result.ended()) {
            result.violations.add("leases started " + result.started + " but ended " + result.ended());
        }
        if (conns.open.get() != 0) {
            result.violations.add(conns.open.get() + " connections still open after close");
        }
        if (conns.doubleCloses.get() != 0) {
            result.violations.add(conns.doubleCloses.get() + " connections closed twice");
        }
        for (Conn c : conns.created) {
            if (c.closes.get() != 1) {
                result.violations.add(c + " closed " + c.closes.get() + " times");
            }
        }
        if (conns.maxOpen.get() > MAX_TOTAL) {
            result.violations.add("at creation time " + conns.maxOpen + " connections were open > maxTotal");
        }
        foreignPool.close();
        return result;
    }

    private static void oneLease(KeyedPool<String, Conn> pool, KeyedPool<String, Conn> foreignPool, Random rnd,
            AtomicReference<KeyedPool.LeaseRequest<String, Conn>> toCancel, Result result) {
        String route = ROUTES[rnd.nextInt(ROUTES.length)];
        Object state = rnd.nextInt(3) == 0 ? "u" : null;
        result.started.incrementAndGet();
        PoolEntry<String, Conn> e;
        try {
            e = leaseSomehow(pool, route, state, rnd, toCancel);
        } catch (TimeoutException ex) {
            result.timedOut.incrementAndGet();
            return;
        } catch (CancellationException ex) {
            result.cancelled.incrementAndGet();
            return;
        } catch (InterruptedException ex) {
            result.interrupted.incrementAndGet();
            return;
        } catch (IOException ex) {
            result.failed.incrementAndGet();
            return;
        } catch (PoolClosedException ex) {
            result.refusedClosed.incrementAndGet();
            return;
        } catch (Throwable other) {
            result.unexpected.add(other);
            result.failed.incrementAndGet();
            return;
        }
        if (e == null) {
            result.cancelled.incrementAndGet();
            return;
        }
        result.served.incrementAndGet();
        Conn c = e.connection();
        if (c.holders.incrementAndGet() != 1) {
            result.violations.add(c + " held by two lessees");
        }
        if (!c.open) {
            result.violations.add(c + " handed out closed");
        }
        if (!e.route().equals(route) || !c.route.equals(route)) {
            result.violations.add(c + " handed out for route " + route);
        }
        Object got = e.state();
        if (!(got == null || (state != null && state.equals(got)))) {
            result.violations.add(c + " with state " + got + " handed to a lease asking for " + state);
        }
        for (int spin = rnd.nextInt(200); spin > 0; spin--) {
            Thread.onSpinWait();
        }
        c.holders.decrementAndGet();
        e.setState(rnd.nextInt(3) == 0 ? "u" : null);
        boolean reusable = rnd.nextInt(5) != 0;
        pool.release(e, reusable);
        // An invalid release that is detectable by definition: into the wrong pool, or a second release
        // of a closed entry. (A second release of a reusable entry may hit another thread's new lease
        // of the same entry object, which no zero-allocation handle can tell apart; see DESIGN.md.)
        if (rnd.nextInt(20) == 0) {
            try {
                (reusable || rnd.nextBoolean() ? foreignPool : pool).release(e, true);
                if (pool.isClosed()) {
                    return;
                }
                result.violations.add("an invalid release of " + c + " was accepted");
            } catch (IllegalStateException refused) {
                result.invalidReleasesRefused.incrementAndGet();
            }
        }
    }

    private static PoolEntry<String, Conn> leaseSomehow(KeyedPool<String, Conn> pool, String route, Object state,
            Random rnd, AtomicReference<KeyedPool.LeaseRequest<String, Conn>> toCancel) throws Exception {
        switch (rnd.nextInt(6)) {
            case 0:
                return pool.lease(route, state, 0, TimeUnit.MILLISECONDS);
            case 1: {
                KeyedPool.LeaseRequest<String, Conn> r = pool.newRequest(route, state);
                toCancel.set(r);
                return r.get(5, TimeUnit.MILLISECONDS);
            }
            case 2: {
                CompletableFuture<PoolEntry<String, Conn>> f = pool.leaseAsync(route, state, 3, TimeUnit.MILLISECONDS);
                if (rnd.nextInt(4) == 0 && f.cancel(false)) {
                    return null;
                }
                try {
                    return f.get(30, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    if (!f.cancel(false) && !f.isCompletedExceptionally()) {
                        pool.release(f.join(), true);
                    }
                    throw ex;
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw ex;
                } catch (CancellationException ex) {
                    return null;
                }
            }
            default:
                return pool.lease(route, state, rnd.nextInt(5), TimeUnit.MILLISECONDS);
        }
    }

    private static void awaitAsyncDone(KeyedPool<String, Conn> pool) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.getTotalStats().leased() != 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void joinAll(List<Thread> threads, Result result) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                StringBuilder dump = new StringBuilder("watchdog: " + t.getName() + " did not finish (a lease that never ends?)\n");
                for (StackTraceElement el : t.getStackTrace()) {
                    dump.append("    at ").append(el).append('\n');
                }
                result.violations.add(dump.toString());
                t.interrupt();
            }
        }
    }
}

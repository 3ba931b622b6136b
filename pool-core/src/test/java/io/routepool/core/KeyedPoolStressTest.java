package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.core.TestConnections.Conn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads, random operations, faults. Sized for 2 cores in CI; {@code -Droutepool.stress.factor=N}
 * runs N times longer. Every thread is joined with a bound (the watchdog), never waited on forever.
 */
@Timeout(300)
class KeyedPoolStressTest {

    static final int FACTOR = Integer.getInteger("routepool.stress.factor", 1);
    static final String[] ROUTES = {"a", "b", "c", "d"};

    final TestConnections conns = new TestConnections();
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    KeyedPool<String, Conn> pool;
    /** The pools of this class log here; the expected reports are asserted (see the tear-down). */
    final CapturedLog log = new CapturedLog();

    @AfterEach
    void closeIfOpen() {
        if (pool != null) {
            pool.close();
        }
        // random states make state mismatches, reported once per route; nothing else may be reported
        assertThat(log.warnings()).allMatch(m -> m.matches("(?s)routepool-\\d+: State mismatch on route .*"), "state-mismatch reports only");
    }

    @Test
    void randomOperationsWithFaultsKeepExactLimitsAndLoseNothing() throws Exception {
        long seed = System.nanoTime();
        System.out.println("KeyedPoolStressTest seed " + seed);
        int maxPerRoute = 3;
        int maxTotal = 7;
        pool = KeyedPool.builder(conns).logger(log).defaultMaxPerRoute(maxPerRoute).maxTotal(maxTotal).build();
        conns.hook.set(route -> {
            if (ThreadLocalRandom.current().nextInt(30) == 0) {
                throw new IOException("injected connect failure to " + route);
            }
            return conns.make(route);
        });
        AtomicReference<KeyedPool.LeaseRequest<String, Conn>> toCancel = new AtomicReference<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> workers = new ArrayList<>();
        AtomicInteger served = new AtomicInteger();
        for (int t = 0; t < 8; t++) {
            Random rnd = new Random(seed + t);
            workers.add(new Thread(() -> {
                for (int i = 0; i < 30_000 * FACTOR; i++) {
                    try {
                        PoolEntry<String, Conn> e = leaseSomehow(rnd, toCancel);
                        if (e != null) {
                            served.incrementAndGet();
                            use(e);
                            e.setState(rnd.nextInt(4) == 0 ? "token" : null);
                            pool.release(e, rnd.nextInt(5) != 0);
                        }
                    } catch (TimeoutException | CancellationException | InterruptedException expected) {
                        // all legitimate endings of a lease
                    } catch (IOException injected) {
                        // the factory failure reached the caller, as it should
                    } catch (Throwable other) {
                        unexpected.add(other);
                    }
                }
            }, "worker-" + t));
        }
        Thread chaos = new Thread(() -> {
            Random rnd = new Random(seed - 1);
            while (running.get()) {
                KeyedPool.LeaseRequest<String, Conn> r = toCancel.getAndSet(null);
                if (r != null) {
                    r.cancel();
                }
                if (rnd.nextInt(50) == 0) {
                    workers.get(rnd.nextInt(workers.size())).interrupt();
                }
                Thread.yield();
            }
        }, "chaos");
        workers.forEach(Thread::start);
        chaos.start();
        joinAll(workers);
        running.set(false);
        joinAll(List.of(chaos));

        assertThat(unexpected).isEmpty();
        assertThat(violations).isEmpty();
        assertThat(served.get()).isPositive();
        assertThat(conns.maxOpen.get()).isLessThanOrEqualTo(maxTotal);
        conns.maxOpenPerRoute.values().forEach(m -> assertThat(m.get()).isLessThanOrEqualTo(maxPerRoute));
        // async completions may still be finishing on the executor
        try {
            Await.until("quiescence", () -> pool.getTotalStats().leased() == 0);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + pool + ", leased " + pool.leasedEntries(), e);
        }
        PoolStats total = pool.getTotalStats();
        assertThat(total.pending()).isZero();
        assertThat(total.available()).isEqualTo(conns.open.get());
        assertThat(pool.availableEntries()).hasSize(total.available());
        pool.close();
        assertThat(conns.open.get()).isZero();
        assertThat(conns.doubleCloses.get()).isZero();
        assertThat(conns.closedCount()).isEqualTo(conns.created.size());
    }

    @Test
    void scarceConnectionsNeverLoseAWakeUp() throws Exception {
        // 2 routes x 2 connections, but only 3 in total: waits on both the route and the pool limit.
        // With a 20 s timeout, any lost wake-up shows up as a TimeoutException.
        pool = KeyedPool.builder(conns).logger(log).defaultMaxPerRoute(2).maxTotal(3).build();
        AtomicInteger timeouts = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Random rnd = new Random(t);
            workers.add(new Thread(() -> {
                for (int i = 0; i < 20_000 * FACTOR; i++) {
                    try {
                        PoolEntry<String, Conn> e = pool.lease(ROUTES[rnd.nextInt(2)], null, 20, SECONDS);
                        use(e);
                        pool.release(e, rnd.nextInt(10) != 0);
                    } catch (TimeoutException lost) {
                        timeouts.incrementAndGet();
                    } catch (Throwable other) {
                        unexpected.add(other);
                    }
                }
            }, "scarce-" + t));
        }
        workers.forEach(Thread::start);
        joinAll(workers);
        assertThat(unexpected).isEmpty();
        assertThat(violations).isEmpty();
        assertThat(timeouts.get()).isZero();
        assertThat(conns.maxOpen.get()).isLessThanOrEqualTo(3);
        conns.maxOpenPerRoute.values().forEach(m -> assertThat(m.get()).isLessThanOrEqualTo(2));
        assertThat(pool.getTotalStats().leased()).isZero();
        assertThat(pool.getTotalStats().pending()).isZero();
    }

    @Test
    void limitChangesUnderLoadLeakNothing() throws Exception {
        pool = KeyedPool.builder(conns).logger(log).defaultMaxPerRoute(2).maxTotal(5).build();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Random rnd = new Random(100 + t);
            workers.add(new Thread(() -> {
                for (int i = 0; i < 20_000 * FACTOR; i++) {
                    try {
                        PoolEntry<String, Conn> e = pool.lease(ROUTES[rnd.nextInt(ROUTES.length)],
                                rnd.nextBoolean() ? null : "s", rnd.nextInt(3), MILLISECONDS);
                        use(e);
                        pool.release(e, rnd.nextInt(6) != 0);
                    } catch (TimeoutException expected) {
                        // limits may be tiny for a while
                    } catch (Throwable other) {
                        unexpected.add(other);
                    }
                }
            }, "limits-" + t));
        }
        Thread changer = new Thread(() -> {
            Random rnd = new Random(7);
            while (running.get()) {
                switch (rnd.nextInt(4)) {
                    case 0 -> pool.setMaxTotal(1 + rnd.nextInt(8));
                    case 1 -> pool.setDefaultMaxPerRoute(1 + rnd.nextInt(3));
                    case 2 -> pool.setMaxPerRoute(ROUTES[rnd.nextInt(ROUTES.length)], rnd.nextInt(3));
                    default -> pool.closeIdle(rnd.nextInt(2), MILLISECONDS);
                }
                Thread.yield();
            }
        }, "limit-changer");
        workers.forEach(Thread::start);
        changer.start();
        joinAll(workers);
        running.set(false);
        joinAll(List.of(changer));
        assertThat(unexpected).isEmpty();
        assertThat(violations).isEmpty();
        PoolStats total = pool.getTotalStats();
        assertThat(total.leased()).isZero();
        assertThat(total.pending()).isZero();
        assertThat(total.available()).isEqualTo(conns.open.get());
        assertThat(total.available()).isLessThanOrEqualTo(pool.getMaxTotal());
        pool.close();
        assertThat(conns.open.get()).isZero();
        assertThat(conns.doubleCloses.get()).isZero();
    }

    private PoolEntry<String, Conn> leaseSomehow(Random rnd, AtomicReference<KeyedPool.LeaseRequest<String, Conn>> toCancel)
            throws Exception {
        String route = ROUTES[rnd.nextInt(ROUTES.length)];
        Object state = rnd.nextInt(4) == 0 ? "token" : null;
        int kind = rnd.nextInt(8);
        String only = System.getProperty("stress.kinds");
        while (only != null && only.indexOf((char) ('0' + kind)) < 0) {
            kind = rnd.nextInt(8);
        }
        switch (kind) {
            case 0:
                return pool.lease(route, state, 0, MILLISECONDS);
            case 1: {
                KeyedPool.LeaseRequest<String, Conn> r = pool.newRequest(route, state);
                toCancel.set(r);
                return r.get(5, MILLISECONDS);
            }
            case 2: {
                CompletableFuture<PoolEntry<String, Conn>> f = pool.leaseAsync(route, state, 3, MILLISECONDS);
                if (rnd.nextBoolean() && f.cancel(false)) {
                    return null; // withdrawn; a racing grant goes back to the pool
                }
                try {
                    return f.get(30, SECONDS);
                } catch (InterruptedException e) {
                    // the caller gives up: withdraw the request, or release what it already got
                    if (!f.cancel(false) && !f.isCompletedExceptionally()) {
                        pool.release(f.join(), true);
                    }
                    throw e;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception) {
                        throw (Exception) e.getCause();
                    }
                    throw e;
                } catch (CancellationException e) {
                    return null;
                }
            }
            default:
                return pool.lease(route, state, rnd.nextInt(4), MILLISECONDS);
        }
    }

    private void use(PoolEntry<String, Conn> e) {
        Conn c = e.connection();
        if (c.holders.incrementAndGet() != 1) {
            violations.add(c + " held by two lessees");
        }
        if (!c.open) {
            violations.add(c + " handed out closed");
        }
        if (!c.route.equals(e.route())) {
            violations.add(c + " handed out for route " + e.route());
        }
        for (int spin = ThreadLocalRandom.current().nextInt(50); spin > 0; spin--) {
            Thread.onSpinWait();
        }
        c.holders.decrementAndGet();
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(240);
        for (Thread t : threads) {
            t.join(Math.max(1, MILLISECONDS.convert(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS)));
            if (t.isAlive()) {
                StringBuilder dump = new StringBuilder("Watchdog: " + t.getName() + " did not finish\n");
                for (StackTraceElement el : t.getStackTrace()) {
                    dump.append("  at ").append(el).append('\n');
                }
                throw new AssertionError(dump.toString());
            }
        }
    }
}

package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import io.routepool.httpclient5.ContractPool.Impl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A storm on a tiny pool: {@value #WAITERS} threads lease from {@value #MAX_TOTAL} connections over two routes, and
 * each lease is, at random, waited for normally, given up on by a short {@code Future.get} timeout, given a request
 * timeout of 1-3 ms, cancelled after a random spin (around the moment it is served), or waited for in a plain
 * {@code get} while other threads (the releasers, right after their release, and an interrupter) interrupt it; a
 * lease whose get was interrupted is abandoned without a cancel, as HttpClient 5's classic manager abandons it.
 * Holders change state and expiry, release reusable or not.
 *
 * <p>At the end, with every thread finished: nothing leased or pending, every connection created is closed exactly
 * once or available exactly once, no entry was held twice or handed out with a closed connection, the pool never
 * held more than its limits (entries held by callers, open connections, per-route stats; the total stats are
 * reported: ours sums them route by route, not atomically), every lease's future is done and its
 * callback was called exactly once, and no entry granted to a caller that gave up is left leased (#6786).
 *
 * <p>Sized for ~10-20 s on 2 cores; {@code -Droutepool.stress.factor=N} multiplies the iterations. The reference
 * (StrictConnPool) runs only with {@code -D}{@value #REFERENCE} {@code =true} and is reported, not asserted: it
 * leaks the entries of interrupted waiters.
 */
@org.junit.jupiter.api.Timeout(value = 600, threadMode = ThreadMode.SEPARATE_THREAD)
class StormTest {

    static final String REFERENCE = "routepool.storm.reference";
    static final int FACTOR = Integer.getInteger("routepool.stress.factor", 1);
    static final int MAX_TOTAL = 2;
    static final int MAX_PER_ROUTE = 2;
    static final int WAITERS = 32;
    static final int ITERATIONS = 3500 * FACTOR;
    /** a, three times out of four: b's leases mostly wait for a connection of a to be closed for them. */
    static final String[] ROUTES = {"a", "a", "a", "b"};

    enum Mode { NORMAL, GET_TIMEOUT, REQUEST_TIMEOUT, CANCEL, INTERRUPTIBLE }

    enum Outcome { SERVED, GET_TIMED_OUT, REQUEST_TIMED_OUT, CANCELLED, CANCEL_LOST_SERVED, INTERRUPTED, SLOW }

    @Test
    void ours() throws Exception {
        try (ContractLogs logs = ContractLogs.capture()) {
            Storm s = new Storm(Impl.ROUTEPOOL, TimeUnit.SECONDS.toMillis(20), TimeUnit.SECONDS.toMillis(30));
            s.run();
            System.out.println(s.summary());
            s.assertClean();
            assertThat(logs.warnings()).as("ours reports only the state mismatches the storm makes on purpose")
                    .allSatisfy(w -> assertThat(w).matches("(?s)routepool-\\d+: State mismatch on route .*"));
        }
    }

    @Test
    @EnabledIfSystemProperty(named = REFERENCE, matches = "true")
    @Tag("opt-in") // left out of the default run by the pom, so that it is not reported as skipped
    void reference() throws Exception {
        Storm s = new Storm(Impl.REFERENCE, 1_000, 3_000);
        s.run();
        System.out.println(s.summary());
        System.out.println("reference, invariant violations (reported, not asserted): " + s.violations());
    }

    /** A lease's callback: counts its calls. */
    static final class Calls implements FutureCallback<PoolEntry<String, TestConn>> {
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();

        @Override
        public void completed(PoolEntry<String, TestConn> result) {
            completed.incrementAndGet();
        }

        @Override
        public void failed(Exception ex) {
            failed.incrementAndGet();
        }

        @Override
        public void cancelled() {
            cancelled.incrementAndGet();
        }

        int calls() {
            return completed.get() + failed.get() + cancelled.get();
        }
    }

    /** One lease. */
    static final class Lease {
        final Mode mode;
        final Future<PoolEntry<String, TestConn>> future;
        final Calls calls;
        volatile Outcome outcome;

        Lease(Mode mode, Future<PoolEntry<String, TestConn>> future, Calls calls) {
            this.mode = mode;
            this.future = future;
            this.calls = calls;
        }

        /** The caller gave up on it without an entry (and without cancelling it, if interrupted). */
        boolean abandoned() {
            return outcome == Outcome.INTERRUPTED || outcome == Outcome.GET_TIMED_OUT || outcome == Outcome.SLOW;
        }
    }

    /** A waiter's interrupt window: interrupts land only while it waits in an INTERRUPTIBLE get. */
    static final class Window {
        Thread thread;
        boolean open;
    }

    static final class Storm {
        final Impl impl;
        final long waitMs;
        /** No lease served for this long: the pool is stuck (all its connections leaked); the storm stops. */
        final long stallMs;
        volatile boolean stalled;
        final ContractPool p;
        final Queue<TestConn> conns = new ConcurrentLinkedQueue<>();
        final Queue<Lease> leases = new ConcurrentLinkedQueue<>();
        final Queue<String> errors = new ConcurrentLinkedQueue<>();
        final AtomicInteger errorCount = new AtomicInteger();
        final Set<PoolEntry<String, TestConn>> heldEntries = ConcurrentHashMap.newKeySet();
        final Set<TestConn> heldConns = ConcurrentHashMap.newKeySet();
        final AtomicInteger held = new AtomicInteger();
        final AtomicInteger maxHeld = new AtomicInteger();
        final Map<String, AtomicInteger> heldPerRoute = Map.of("a", new AtomicInteger(), "b", new AtomicInteger());
        final AtomicInteger maxHeldPerRoute = new AtomicInteger();
        final AtomicInteger live = new AtomicInteger();
        final AtomicInteger maxLive = new AtomicInteger();
        final AtomicInteger statsOverLimit = new AtomicInteger();
        final AtomicInteger totalStatsOverLimit = new AtomicInteger();
        volatile String firstTotalOverLimit;
        final AtomicLong statsSamples = new AtomicLong();
        final Map<Outcome, LongAdder> outcomes = new EnumMap<>(Outcome.class);
        final LongAdder interruptsSent = new LongAdder();
        final Window[] windows = new Window[WAITERS];
        volatile boolean running = true;
        long millis;
        boolean allFinished;
        String finalTotals;
        int availableCount;
        int leasedAtEnd;
        int notDone;
        int badCallbacks;
        int grantedToAbandoned;
        int leakedToAbandoned;
        int lostConns;
        int doubleClosed;
        int availableDuplicates;
        int availableClosed;

        Storm(Impl impl, long waitMs, long stallMs) {
            this.impl = impl;
            this.waitMs = waitMs;
            this.stallMs = stallMs;
            this.p = ContractPool.create(impl, MAX_PER_ROUTE, MAX_TOTAL);
            for (Outcome o : Outcome.values()) {
                outcomes.put(o, new LongAdder());
            }
            for (int i = 0; i < WAITERS; i++) {
                windows[i] = new Window();
            }
        }

        void error(String what) {
            if (errorCount.incrementAndGet() <= 20) {
                errors.add(what);
            }
        }

        void run() throws Exception {
            long t0 = System.nanoTime();
            List<Thread> waiters = new ArrayList<>();
            for (int i = 0; i < WAITERS; i++) {
                int idx = i;
                Thread t = new Thread(() -> waiter(idx), "storm-" + i);
                windows[i].thread = t;
                waiters.add(t);
            }
            Thread interrupter = new Thread(this::interrupter, "storm-interrupter");
            Thread sampler = new Thread(this::sampler, "storm-sampler");
            waiters.forEach(Thread::start);
            interrupter.start();
            sampler.start();
            long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(240L * FACTOR);
            for (Thread t : waiters) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(bound - System.nanoTime())));
            }
            running = false;
            interrupter.join(10_000);
            sampler.join(10_000);
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            allFinished = waiters.stream().noneMatch(Thread::isAlive) && !interrupter.isAlive() && !sampler.isAlive();
            if (!allFinished) {
                for (Thread t : waiters) {
                    if (t.isAlive()) {
                        error("still running: " + t.getName() + " " + Arrays.toString(t.getStackTrace()));
                        t.interrupt();
                    }
                }
                return;
            }
            check();
        }

        private void waiter(int idx) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < ITERATIONS && running; i++) {
                Thread.interrupted();
                Mode mode = Mode.values()[rnd.nextInt(Mode.values().length)];
                String route = ROUTES[rnd.nextInt(ROUTES.length)];
                Object state = rnd.nextInt(6) == 0 ? "s" : null;
                Timeout requestTimeout = mode == Mode.REQUEST_TIMEOUT
                        ? Timeout.ofMilliseconds(1 + rnd.nextInt(3)) : Timeout.ofMinutes(1);
                Calls calls = mode != Mode.INTERRUPTIBLE && rnd.nextBoolean() ? new Calls() : null;
                Future<PoolEntry<String, TestConn>> f;
                try {
                    f = p.lease(route, state, requestTimeout, calls);
                } catch (RuntimeException ex) {
                    error("lease threw " + ex);
                    continue;
                }
                Lease lease = new Lease(mode, f, calls);
                leases.add(lease);
                PoolEntry<String, TestConn> e = null;
                try {
                    switch (mode) {
                        case GET_TIMEOUT:
                            e = f.get(rnd.nextInt(4), TimeUnit.MILLISECONDS);
                            break;
                        case CANCEL:
                            spinMicros(rnd.nextInt(300));
                            if (f.cancel(true)) {
                                lease.outcome = Outcome.CANCELLED;
                            } else {
                                e = f.get(waitMs, TimeUnit.MILLISECONDS);
                                lease.outcome = Outcome.CANCEL_LOST_SERVED;
                            }
                            break;
                        case INTERRUPTIBLE:
                            e = interruptibleGet(windows[idx], f);
                            break;
                        default:
                            e = f.get(waitMs, TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException ex) {
                    lease.outcome = Outcome.INTERRUPTED; // walk away, as the classic manager does
                    if (mode != Mode.INTERRUPTIBLE) {
                        error("interrupted outside an interruptible get: " + mode);
                    }
                } catch (TimeoutException ex) {
                    if (mode == Mode.GET_TIMEOUT) {
                        lease.outcome = Outcome.GET_TIMED_OUT;
                    } else if (mode == Mode.REQUEST_TIMEOUT && !impl.isReference()) {
                        lease.outcome = Outcome.REQUEST_TIMED_OUT; // ours throws its own TimeoutException from get(t)
                    } else {
                        lease.outcome = Outcome.SLOW;
                    }
                } catch (ExecutionException ex) {
                    if (mode == Mode.REQUEST_TIMEOUT && ex.getCause() instanceof TimeoutException) {
                        lease.outcome = Outcome.REQUEST_TIMED_OUT;
                    } else {
                        error(mode + ": get threw " + ex);
                    }
                } catch (CancellationException ex) {
                    error(mode + ": get threw " + ex);
                }
                if (e != null) {
                    if (lease.outcome == null) {
                        lease.outcome = Outcome.SERVED;
                    }
                    hold(e, route, rnd);
                } else if (lease.outcome == null) {
                    error(mode + ": no entry and no outcome");
                }
                outcomes.get(lease.outcome == null ? Outcome.SLOW : lease.outcome).increment();
            }
        }

        private PoolEntry<String, TestConn> interruptibleGet(Window w, Future<PoolEntry<String, TestConn>> f)
                throws InterruptedException, ExecutionException, TimeoutException {
            synchronized (w) {
                w.open = true;
            }
            try {
                return f.get(waitMs, TimeUnit.MILLISECONDS);
            } finally {
                synchronized (w) {
                    w.open = false;
                }
                Thread.interrupted(); // an interrupt that came after get returned stays inside the window
            }
        }

        /** Interrupts one waiter in an interruptible get, if there is one. */
        private void interruptOne(ThreadLocalRandom rnd) {
            int start = rnd.nextInt(WAITERS);
            for (int k = 0; k < WAITERS; k++) {
                Window w = windows[(start + k) % WAITERS];
                synchronized (w) {
                    if (w.open) {
                        w.thread.interrupt();
                        interruptsSent.increment();
                        return;
                    }
                }
            }
        }

        private void interrupter() {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (running) {
                spinMicros(rnd.nextInt(500));
                interruptOne(rnd);
            }
        }

        private long served() {
            return outcomes.get(Outcome.SERVED).sum() + outcomes.get(Outcome.CANCEL_LOST_SERVED).sum();
        }

        private void sampler() {
            long lastEnded = -1;
            long lastProgress = System.nanoTime();
            while (running) {
                long ended = served();
                if (ended != lastEnded) {
                    lastEnded = ended;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > TimeUnit.MILLISECONDS.toNanos(stallMs)) {
                    stalled = true;
                    running = false; // the waiters stop after their current wait
                    break;
                }
                PoolStats t = p.pool.getTotalStats();
                PoolStats a = p.pool.getStats("a");
                PoolStats b = p.pool.getStats("b");
                statsSamples.incrementAndGet();
                if (t.getLeased() + t.getAvailable() > MAX_TOTAL) {
                    // ours sums its routes one by one, deliberately not one atomic snapshot (pool-core's
                    // Diagnosis.totalStats): a connection moving between routes can be counted twice. Reported.
                    if (totalStatsOverLimit.incrementAndGet() == 1) {
                        firstTotalOverLimit = ContractPool.lpa(t);
                    }
                }
                if (a.getLeased() + a.getAvailable() > MAX_PER_ROUTE || b.getLeased() + b.getAvailable() > MAX_PER_ROUTE) {
                    if (statsOverLimit.incrementAndGet() <= 3) {
                        error("route stats over the route limit: a " + ContractPool.lpa(a) + "; b " + ContractPool.lpa(b));
                    }
                }
                spinMicros(200);
            }
        }

        private void hold(PoolEntry<String, TestConn> e, String route, ThreadLocalRandom rnd) {
            if (!heldEntries.add(e)) {
                error("an entry handed to two holders at once: " + e);
            }
            maxHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
            AtomicInteger perRoute = heldPerRoute.get(e.getRoute());
            maxHeldPerRoute.accumulateAndGet(perRoute.incrementAndGet(), Math::max);
            if (!route.equals(e.getRoute())) {
                error("leased for " + route + ", got an entry of " + e.getRoute());
            }
            TestConn c = e.getConnection();
            if (c != null) {
                if (c.isClosed()) {
                    error("handed out with a closed connection: " + c);
                }
            } else {
                c = new TestConn(route, live::decrementAndGet);
                maxLive.accumulateAndGet(live.incrementAndGet(), Math::max);
                conns.add(c);
                e.assignConnection(c);
            }
            if (!heldConns.add(c)) {
                error("a connection held twice at once: " + c);
            }
            spinMicros(rnd.nextInt(40));
            if (rnd.nextInt(4) == 0) {
                e.updateState(rnd.nextBoolean() ? "s" : null);
            }
            e.updateExpiry(rnd.nextInt(10) == 0 ? TimeValue.ofMilliseconds(rnd.nextInt(3)) : TimeValue.ofMinutes(5));
            boolean reusable = rnd.nextInt(8) != 0;
            heldConns.remove(c);
            perRoute.decrementAndGet();
            held.decrementAndGet();
            heldEntries.remove(e);
            try {
                p.release(e, reusable);
            } catch (RuntimeException ex) {
                error("release threw " + ex);
            }
            if (rnd.nextInt(3) == 0) {
                interruptOne(rnd); // around the moment the release serves a waiter
            }
        }

        private static void spinMicros(int micros) {
            long end = System.nanoTime() + micros * 1_000L;
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }

        private void check() {
            if (impl.isReference()) {
                p.validatePendingRequests(); // its lazy timeouts and cancellations
            }
            finalTotals = p.totals();
            List<PoolEntry<String, TestConn>> available = p.available();
            List<PoolEntry<String, TestConn>> leasedEntries = p.leased();
            availableCount = available.size();
            leasedAtEnd = leasedEntries.size();
            Map<TestConn, Integer> availableConns = new IdentityHashMap<>();
            for (PoolEntry<String, TestConn> e : available) {
                TestConn c = e.getConnection();
                if (c == null) {
                    error("an available entry without connection: " + e);
                    continue;
                }
                if (availableConns.merge(c, 1, Integer::sum) > 1) {
                    availableDuplicates++;
                }
                if (c.isClosed()) {
                    availableClosed++;
                }
            }
            for (TestConn c : conns) {
                int closes = c.closeCount();
                boolean isAvailable = availableConns.containsKey(c);
                if (closes > 1) {
                    doubleClosed++;
                }
                if (closes == 0 && !isAvailable) {
                    lostConns++;
                }
            }
            Set<PoolEntry<String, TestConn>> leasedSet = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            leasedSet.addAll(leasedEntries);
            for (Lease l : leases) {
                if (!l.future.isDone()) {
                    notDone++;
                }
                if (l.calls != null && l.future.isDone()) {
                    int calls = l.calls.calls();
                    boolean consistent = calls == 1
                            && (l.calls.cancelled.get() == 1) == l.future.isCancelled();
                    if (!consistent) {
                        badCallbacks++;
                    }
                }
                if (l.abandoned() && l.future.isDone() && !l.future.isCancelled()) {
                    PoolEntry<String, TestConn> granted = grantedEntry(l.future);
                    if (granted != null) {
                        grantedToAbandoned++;
                        if (leasedSet.contains(granted)) {
                            leakedToAbandoned++;
                        }
                    }
                }
            }
            p.close();
        }

        private static PoolEntry<String, TestConn> grantedEntry(Future<PoolEntry<String, TestConn>> f) {
            try {
                return f.get(0, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return null;
            } catch (Exception ex) {
                return null;
            }
        }

        List<String> violations() {
            List<String> v = new ArrayList<>(errors);
            if (stalled) {
                v.add("stalled: no lease served for " + stallMs + " ms");
            }
            if (!allFinished) {
                v.add("not every thread finished");
                return v;
            }
            if (!finalTotals.startsWith("leased 0, pending 0,")) {
                v.add("at the end: " + finalTotals);
            }
            if (leasedAtEnd != 0) {
                v.add(leasedAtEnd + " entries leased at the end");
            }
            if (leakedToAbandoned != 0) {
                v.add(leakedToAbandoned + " entries granted to callers that gave up are still leased");
            }
            if (lostConns != 0) {
                v.add(lostConns + " connections neither closed nor available");
            }
            if (doubleClosed != 0) {
                v.add(doubleClosed + " connections closed more than once");
            }
            if (availableDuplicates != 0 || availableClosed != 0) {
                v.add("available: " + availableDuplicates + " duplicated, " + availableClosed + " closed");
            }
            if (maxHeld.get() > MAX_TOTAL || maxHeldPerRoute.get() > MAX_PER_ROUTE || maxLive.get() > MAX_TOTAL) {
                v.add("over a limit: held " + maxHeld + ", held per route " + maxHeldPerRoute + ", open " + maxLive);
            }
            if (notDone != 0) {
                v.add(notDone + " lease futures not done");
            }
            if (badCallbacks != 0) {
                v.add(badCallbacks + " callbacks not called exactly once (or not as the future ended)");
            }
            if (outcomes.get(Outcome.SLOW).sum() != 0) {
                v.add(outcomes.get(Outcome.SLOW) + " waits longer than " + waitMs + " ms");
            }
            return v;
        }

        void assertClean() {
            assertThat(violations()).as(summary()).isEmpty();
            // the storm did what it is for: every way of giving up happened, and many were served
            for (Outcome o : new Outcome[] {Outcome.SERVED, Outcome.GET_TIMED_OUT, Outcome.REQUEST_TIMED_OUT,
                Outcome.CANCELLED, Outcome.CANCEL_LOST_SERVED, Outcome.INTERRUPTED}) {
                assertThat(outcomes.get(o).sum()).as("%s in %s", o, summary()).isPositive();
            }
            assertThat(availableCount).isLessThanOrEqualTo(MAX_TOTAL);
            assertThat(conns.size()).as("connections created").isGreaterThan(MAX_TOTAL);
        }

        String summary() {
            return String.format("storm %s: %d threads x %d iterations on %d connections (%d per route) in %d ms;"
                    + " outcomes %s; interrupts sent %d; connections created %d; max held %d, open %d;"
                    + " stats samples %d (total stats summed over maxTotal, non-atomic by design: %d%s); end: %s, %d leased entries, %d granted to callers that gave up (%d still"
                    + " leased), %d lost connections; unexpected %d%s",
                    impl, WAITERS, ITERATIONS, MAX_TOTAL, MAX_PER_ROUTE, millis, outcomes, interruptsSent.sum(),
                    conns.size(), maxHeld.get(), maxLive.get(), statsSamples.get(), totalStatsOverLimit.get(),
                    firstTotalOverLimit == null ? "" : ", first " + firstTotalOverLimit, finalTotals, leasedAtEnd,
                    grantedToAbandoned, leakedToAbandoned, lostConns, errorCount.get(),
                    errors.isEmpty() ? "" : ", first: " + errors.stream().limit(3).toList());
        }
    }
}

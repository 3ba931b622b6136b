package io.routepool.property;

import io.routepool.core.CloseMode;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolBuilder;
import io.routepool.core.PoolClosedException;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolLogger;
import io.routepool.core.PoolStats;
import io.routepool.core.SpotsForTests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.BooleanGen;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Test;

/**
 * The lock-free protocol against everything else that changes an entry's word: claims and releases (on the lock-free
 * path and the locked one, with leases waiting for them) racing maintenance's reclaim of abandoned leases and its idle probe, limit changes and close
 * (graceful or immediate). Those are not atomic by design (a reclaimed connection is closed outside the route's lock,
 * a probed one is out of the idle list while its probe runs, a lowered limit and close walk the routes one by one), so
 * no sequential specification describes them; instead every operation checks what must hold whatever the
 * interleaving, and returns {@code "ok"} or names the violation, and the pool is checked whole after each scenario
 * ({@link #poolIsWhole}):
 *
 * <ul>
 *   <li>no connection is leased to two holders at once, leased while closed, or leased while its probe runs;</li>
 *   <li>no connection is closed twice, and none is lost: every open connection is idle in the pool or leased, and
 *       every lease the pool counts has a holder;</li>
 *   <li>the counts the stats give are the entries the pool enumerates, within the limits;</li>
 *   <li>no lease waits in vain: a lease still waiting at the end has no idle connection and no room to take;</li>
 *   <li>no capacity is lost: once the scenario is over, as many leases succeed as the limits allow.</li>
 * </ul>
 *
 * The pool reclaims a lease after 2 clock units (a maintenance with {@code advance} moves the clock by that much),
 * probes every idle connection at each maintenance and rejects every third connection in its probe. Two routes of 2,
 * 3 in all, so the cross-route eviction runs. With one spot per route too (every thread shares it). Model checking and
 * stress, sized for CI on 2 cores; {@code -Droutepool.property.factor=N} runs N times more scenarios.
 */
@Param(name = "route", gen = IntGen.class, conf = "0:1")
@Param(name = "state", gen = IntGen.class, conf = "0:1")
@Param(name = "pick", gen = IntGen.class, conf = "0:2")
@Param(name = "max", gen = IntGen.class, conf = "1:2")
@Param(name = "flag", gen = BooleanGen.class)
@Param(name = "thread", gen = ThreadIdGen.class)
public class ProtocolSafetyTest {

    static final String[] ROUTES = {"a", "b"};
    static final Object[] STATES = {null, "u"};
    static final int MAX_PER_ROUTE = 2;
    static final int MAX_TOTAL = 3;
    /** A lease this old (in clock units) is reclaimed by maintenance. */
    static final long RECLAIM_AFTER = 2;
    static final String OK = "ok";

    /** The pool under test gets one spot per route when set (see {@link #onOneSpot}). */
    static volatile boolean oneSpot;
    /** Wraps the pool under test; BrokenPoolsAreCaughtTest swaps in deliberately wrong ones. */
    static volatile java.util.function.BiFunction<KeyedPool<String, Conn>, Conns, KeyedPool<String, Conn>> breaker =
            (pool, conns) -> pool;

    private final AtomicLong clock = new AtomicLong();
    private final Conns conns = new Conns();
    /** Connections whose idle probe is running now. */
    private final Set<Conn> probing = ConcurrentHashMap.newKeySet();
    /** The leases handed out and not yet released by their holder (reclaimed ones too), with the holder. */
    private final Map<PoolEntry<String, Conn>, Integer> outstanding = new ConcurrentHashMap<>();
    private final Map<Integer, List<PoolEntry<String, Conn>>> held = new ConcurrentHashMap<>();
    /** The waiting leases not yet taken by their thread: granted (done), failed, or still waiting. */
    private final List<Waiting> waiting = new CopyOnWriteArrayList<>();
    /** What the pool logged: a reclaim's report, a late release's warning; never an error. */
    private final List<String> logged = new CopyOnWriteArrayList<>();
    /** The first thing a check found wrong outside an operation's result (the probe's own check). */
    private final AtomicReference<String> violation = new AtomicReference<>();
    private final KeyedPool<String, Conn> pool;

    public ProtocolSafetyTest() {
        PoolBuilder<String, Conn> b = KeyedPool.builder(conns)
                .defaultMaxPerRoute(MAX_PER_ROUTE)
                .maxTotal(MAX_TOTAL)
                .timeSource(clock::get)
                .maintenanceInterval(Duration.ZERO)
                .leakThreshold(Duration.ofNanos(RECLAIM_AFTER))
                .reclaimAbandonedAfter(Duration.ofNanos(RECLAIM_AFTER))
                .idleProbe(this::probe)
                .asyncExecutor(Runnable::run) // a waiting lease is served in the releasing thread, under the model checker
                .maxLeaseWait(Duration.ZERO) // a waiting lease waits until served: no timer thread
                .stuckWaiterThreshold(Duration.ZERO)
                .logger(new PoolLogger() {
                    @Override
                    public boolean isEnabled(String name, Level level) {
                        return level == Level.WARNING;
                    }

                    @Override
                    public void log(String name, Level level, String message, Throwable thrown) {
                        logged.add(level + " " + message + (thrown == null ? "" : " " + thrown));
                    }
                });
        pool = breaker.apply((oneSpot ? SpotsForTests.spots(b, 1) : b).build(), conns);
    }

    /** The idle probe: every third connection fails it; none may be leased or closed while it runs. */
    private boolean probe(Conn c) {
        if (!probing.add(c)) {
            violation.compareAndSet(null, "two probes at once of " + c);
        }
        try {
            if (!c.open) {
                violation.compareAndSet(null, "probe of a closed connection " + c);
            }
            return c.serial % 3 != 0;
        } finally {
            probing.remove(c);
        }
    }

    /** A zero-timeout lease; checks that nobody else holds what it got, that it is open and not being probed. */
    @Operation
    public String lease(@Param(name = "thread") int thread, @Param(name = "route") int route,
            @Param(name = "state") int state) throws InterruptedException {
        String before = collect(thread);
        if (!OK.equals(before)) {
            return before;
        }
        PoolEntry<String, Conn> e;
        try {
            e = pool.lease(ROUTES[route], STATES[state], 0, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | PoolClosedException refused) {
            return OK;
        } catch (java.io.IOException impossible) {
            return "lease threw " + impossible;
        }
        return took(thread, e, ROUTES[route]);
    }

    /** A lease that waits as long as it takes (async, without a timeout): served by a release, a limit change, ... */
    @Operation
    public String await(@Param(name = "thread") int thread, @Param(name = "route") int route,
            @Param(name = "state") int state) {
        waiting.add(new Waiting(thread, ROUTES[route], STATES[state],
                pool.leaseAsync(ROUTES[route], STATES[state], Long.MAX_VALUE, TimeUnit.NANOSECONDS)));
        return collect(thread);
    }

    /** A waiting lease and who asked for it. */
    static final class Waiting {
        final int thread;
        final String route;
        final Object state;
        final java.util.concurrent.CompletableFuture<PoolEntry<String, Conn>> future;

        Waiting(int thread, String route, Object state, java.util.concurrent.CompletableFuture<PoolEntry<String, Conn>> future) {
            this.thread = thread;
            this.route = route;
            this.state = state;
            this.future = future;
        }
    }

    /** This thread takes the waiting leases it asked for that have ended (a thread < 0: every thread's). */
    private String collect(int thread) {
        for (Waiting w : waiting) {
            if ((thread < 0 || w.thread == thread) && w.future.isDone() && waiting.remove(w)) {
                PoolEntry<String, Conn> e;
                try {
                    e = w.future.getNow(null);
                } catch (java.util.concurrent.CompletionException failed) {
                    if (failed.getCause() instanceof PoolClosedException && pool.isClosed()) {
                        continue;
                    }
                    return "a waiting lease on " + w.route + " failed: " + failed.getCause();
                }
                String r = took(w.thread, e, w.route);
                if (!OK.equals(r)) {
                    return r;
                }
            }
        }
        return OK;
    }

    /** Takes a lease into this thread's hands, checking it: held by nobody else, open, not being probed, its route. */
    private String took(int thread, PoolEntry<String, Conn> e, String route) {
        Conn c = e.connection();
        Integer other = outstanding.putIfAbsent(e, thread);
        if (other != null) {
            return "leased " + c + " held by thread " + other;
        }
        held.computeIfAbsent(thread, t -> new ArrayList<>()).add(e);
        if (!c.open && c.closedWith != CloseMode.IMMEDIATE) { // IMMEDIATE: reclaimed or shut after the lease
            return "leased closed " + c + " (closed " + c.closedWith + ")";
        }
        if (probing.contains(c)) {
            return "leased " + c + " while its probe runs";
        }
        if (!c.route.equals(route)) {
            return "leased " + c + " on route " + route;
        }
        return OK;
    }

    /** Releases this thread's pick-th lease (it may have been reclaimed, or the pool closed, meanwhile). */
    @Operation
    public String release(@Param(name = "thread") int thread, @Param(name = "pick") int pick,
            @Param(name = "state") int state, @Param(name = "flag") boolean reusable) {
        String before = collect(thread);
        if (!OK.equals(before)) {
            return before;
        }
        List<PoolEntry<String, Conn>> mine = held.computeIfAbsent(thread, t -> new ArrayList<>());
        if (mine.isEmpty()) {
            return OK;
        }
        PoolEntry<String, Conn> e = mine.remove(pick % mine.size());
        outstanding.remove(e); // before the release: the entry may be leased again at once
        e.setState(STATES[state]);
        try {
            pool.release(e, reusable);
        } catch (RuntimeException wrong) {
            return "release of " + e.connection() + " threw " + wrong;
        }
        return OK;
    }

    /** A maintenance pass; with {@code advance}, first moves the clock so that every lease held now is reclaimed. */
    @Operation
    public String maintain(@Param(name = "flag") boolean advance) {
        if (advance) {
            clock.addAndGet(RECLAIM_AFTER);
        }
        pool.maintain();
        String v = violation.get();
        return v == null ? OK : v;
    }

    /** Lowers or raises a route's limit (1 or 2), and the pool's (2 or 3) with it. */
    @Operation
    public String limit(@Param(name = "route") int route, @Param(name = "max") int max) {
        pool.setMaxPerRoute(ROUTES[route], max);
        pool.setMaxTotal(max + 1);
        return OK;
    }

    @Operation
    public String close(@Param(name = "flag") boolean immediate) {
        pool.close(immediate ? CloseMode.IMMEDIATE : CloseMode.GRACEFUL);
        return OK;
    }

    @Operation
    public String stats(@Param(name = "route") int route) {
        PoolStats s = pool.getStats(ROUTES[route]);
        if (s.leased() < 0 || s.available() < 0 || s.pending() < 0) {
            return "stats " + s;
        }
        return OK;
    }

    /**
     * The last actor of every scenario, when all others are done: the pool is whole ({@link #poolIsWhole}); {@code "ok"}
     * or what is wrong.
     */
    @Operation
    public String check() throws Exception {
        try {
            poolIsWhole();
            return OK;
        } catch (AssertionError wrong) {
            return wrong.getMessage();
        }
    }

    /**
     * The pool is whole: nothing above is violated; then, if it is open, it lends what its limits allow, which a lost
     * unit of capacity would refuse.
     */
    void poolIsWhole() throws Exception {
        String v = violation.get();
        if (v != null) {
            throw new AssertionError(v);
        }
        for (String line : logged) {
            if (!isExpectedReport(line)) {
                throw new AssertionError("unexpected log record: " + line);
            }
        }
        String granted = collect(-1);
        if (!OK.equals(granted)) {
            throw new AssertionError(granted);
        }
        // plain lists, compared by identity: the model checker's restore of static state breaks on IdentityHashMap
        List<PoolEntry<String, Conn>> leased = new ArrayList<>();
        for (PoolEntry<String, Conn> e : pool.leasedEntries()) {
            if (containsSame(leased, e)) {
                throw new AssertionError("enumerated twice as leased: " + e.connection());
            }
            leased.add(e);
            if (!outstanding.containsKey(e)) {
                throw new AssertionError("counted as leased, held by nobody: " + e.connection());
            }
        }
        List<Conn> idle = new ArrayList<>();
        for (PoolEntry<String, Conn> e : pool.availableEntries()) {
            Conn c = e.connection();
            if (containsSame(idle, c) || containsSame(leased, e) || outstanding.containsKey(e)) {
                throw new AssertionError("idle and also leased or idle twice: " + c);
            }
            idle.add(c);
            if (!c.open) {
                throw new AssertionError("closed connection idle in the pool: " + c);
            }
        }
        for (List<PoolEntry<String, Conn>> mine : held.values()) {
            for (PoolEntry<String, Conn> e : mine) {
                if (!containsSame(leased, e) && e.connection().open) {
                    throw new AssertionError("held, open, and not counted as leased: " + e.connection());
                }
            }
        }
        for (Conn c : conns.created) {
            if (c.closes.get() > 1) {
                throw new AssertionError("closed " + c.closes.get() + " times: " + c);
            }
            if (c.open && !containsSame(idle, c) && !heldOpen(c)) {
                throw new AssertionError("open connection the pool has lost: " + c);
            }
        }
        int totalLeased = 0;
        int totalIdle = 0;
        for (String r : ROUTES) {
            PoolStats s = pool.getStats(r);
            int l = 0;
            int a = 0;
            for (PoolEntry<String, Conn> e : leased) {
                l += e.route().equals(r) ? 1 : 0;
            }
            for (Conn c : idle) {
                a += c.route.equals(r) ? 1 : 0;
            }
            int w = 0;
            for (Waiting x : waiting) {
                w += x.route.equals(r) ? 1 : 0;
            }
            if (s.leased() != l || s.available() != a || s.pending() != w) {
                throw new AssertionError("stats of " + r + " " + s + ", enumerated leased " + l + ", idle " + a
                        + ", waiting " + w);
            }
            if (a > 0 && l + a > s.max()) {
                throw new AssertionError("idle connections above the limit on " + r + ": " + s);
            }
            totalLeased += l;
            totalIdle += a;
        }
        if (totalIdle > 0 && totalLeased + totalIdle > pool.getMaxTotal()) {
            throw new AssertionError("idle connections above the pool's limit: " + pool.getTotalStats());
        }
        if (pool.isClosed()) {
            if (!idle.isEmpty() || !waiting.isEmpty()) {
                throw new AssertionError("idle connections or waiting leases in a closed pool: " + idle + ", "
                        + waiting.size() + " waiting");
            }
            return;
        }
        if (!waiting.isEmpty()) {
            noLeaseWaitsInVain(totalLeased, totalIdle);
            return; // a new lease would queue behind them
        }
        checkCapacity(totalLeased);
    }

    /**
     * "WARNING pool: What on route ..." with one of the reports these scenarios make: a lease reported, then reclaimed,
     * its holder's late release, a state mismatch, a thread waiting for what it holds itself. (No regex and no static list: the model checker can run neither.)
     */
    private static boolean isExpectedReport(String line) {
        int colon = line.indexOf(": ");
        if (!line.startsWith("WARNING ") || colon < 0) {
            return false;
        }
        int at = colon + 2;
        return line.startsWith("Connection leak suspected on route ", at)
                || line.startsWith("Self-deadlock on route ", at)
                || line.startsWith("Abandoned lease reclaimed on route ", at)
                || line.startsWith("Late release ignored on route ", at)
                || line.startsWith("State mismatch on route ", at);
    }

    private boolean heldOpen(Conn c) {
        for (List<PoolEntry<String, Conn>> mine : held.values()) {
            for (PoolEntry<String, Conn> e : mine) {
                if (e.connection() == c) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean containsSame(List<?> list, Object x) {
        for (Object o : list) {
            if (o == x) {
                return true;
            }
        }
        return false;
    }

    /**
     * A lease still waiting once everything is done waits for a reason: its route has no idle connection (an idle one of
     * another state would have been closed for it at the route's limit) and no room, its own or the pool's (an idle
     * connection elsewhere would have been closed for it at the pool's limit). Else a release or a limit change missed it.
     */
    private void noLeaseWaitsInVain(int totalLeased, int totalIdle) {
        for (Waiting w : waiting) {
            PoolStats s = pool.getStats(w.route);
            boolean routeRoom = s.leased() + s.available() < s.max();
            boolean poolRoom = totalLeased + totalIdle < pool.getMaxTotal() || totalIdle > 0;
            if (s.available() > 0 || (routeRoom && poolRoom)) {
                throw new AssertionError("a lease waits in vain on " + w.route + " for state " + w.state + ": " + s
                        + ", pool " + pool.getTotalStats());
            }
        }
    }

    /** Each route lends up to its limit less its leases, within the pool's; then everything goes back. */
    private void checkCapacity(int totalLeased) throws Exception {
        int total = totalLeased;
        List<PoolEntry<String, Conn>> extra = new ArrayList<>();
        try {
            for (String r : ROUTES) {
                int want = Math.min(pool.getMaxPerRoute(r) - pool.getStats(r).leased(), pool.getMaxTotal() - total);
                for (int i = 0; i < want; i++) {
                    try {
                        extra.add(pool.lease(r, null, 0, TimeUnit.MILLISECONDS));
                        total++;
                    } catch (TimeoutException lost) {
                        throw new AssertionError("capacity lost: lease " + (i + 1) + " of " + want + " on " + r
                                + " refused; " + pool.getStats(r) + ", pool " + pool.getTotalStats());
                    }
                }
            }
        } finally {
            for (PoolEntry<String, Conn> e : extra) {
                pool.release(e, true);
            }
        }
    }

    /** Every result is "ok": the checks are in the operations and in {@link #poolIsWhole}. */
    public static class Spec {
        public String lease(int thread, int route, int state) {
            return OK;
        }

        public String release(int thread, int pick, int state, boolean reusable) {
            return OK;
        }

        public String maintain(boolean advance) {
            return OK;
        }

        public String limit(int route, int max) {
            return OK;
        }

        public String close(boolean immediate) {
            return OK;
        }

        public String stats(int route) {
            return OK;
        }

        public String await(int thread, int route, int state) {
            return OK;
        }

        public String check() {
            return OK;
        }
    }

    /**
     * Runs every path of the scenarios once outside Lincheck (a reclaim and its reports, a late release, a state
     * mismatch, a failed probe, an immediate close), so that the classes they use are initialised before the model
     * checker snapshots static state: a class first initialised inside a model-checked invocation breaks its restore.
     */
    static void warmUp() throws Exception {
        ProtocolSafetyTest t = new ProtocolSafetyTest();
        String[] results = {
            t.lease(0, 0, 1), t.release(0, 0, 0, true), t.lease(0, 0, 1), t.lease(0, 0, 0), t.lease(0, 0, 0),
            t.maintain(true), t.release(0, 0, 0, true), t.lease(0, 1, 0), t.release(0, 0, 0, false), t.lease(0, 1, 0),
            t.lease(0, 1, 0), t.await(0, 1, 0), t.release(0, 0, 0, true), t.maintain(true), t.limit(1, 1), t.stats(1),
            t.await(0, 1, 0), t.close(true),
            t.lease(0, 0, 0)};
        for (String r : results) {
            if (!OK.equals(r)) {
                throw new AssertionError("warm-up: " + r);
            }
        }
        t.poolIsWhole();
        if (t.logged.isEmpty() || t.conns.created.size() < 3) {
            throw new AssertionError("the warm-up did not run the paths it is for: " + t.logged + ", " + t.conns.created);
        }
    }

    static int factor() {
        return Integer.getInteger("routepool.property.factor", 1);
    }

    /**
     * Random scenarios, each ending with {@link #check} once everything else is done: 3 actors before (thread 0), 2
     * threads of 3 in parallel (threads 1 and 2), one more actor of thread 0 and the check after. Lincheck's own
     * generator cannot put an actor last, and its {@code @Validate} hook breaks its static-memory restore (3.7: a
     * NullPointerException in SnapshotTracker.restoreValues), so the scenarios are made here, from a fixed seed.
     */
    static List<ExecutionScenario> scenarios(int count, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<ExecutionScenario> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            List<Actor> init = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                init.add(randomActor(random, 0, false));
            }
            List<List<Actor>> parallel = new ArrayList<>();
            for (int t = 1; t <= 2; t++) {
                List<Actor> thread = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    thread.add(randomActor(random, t, true));
                }
                parallel.add(thread);
            }
            List<Actor> post = new ArrayList<>();
            post.add(randomActor(random, 0, false));
            post.add(actor("check"));
            out.add(new ExecutionScenario(init, parallel, post, null));
        }
        return out;
    }

    /** Leases and releases most often; maintenance and limit changes often; close seldom (it ends the scenario's use). */
    private static Actor randomActor(java.util.Random r, int thread, boolean mayClose) {
        int pick = r.nextInt(22);
        if (pick < 6) {
            return actor("lease", thread, r.nextInt(2), r.nextInt(2));
        } else if (pick >= 20) {
            return actor("await", thread, r.nextInt(2), r.nextInt(2));
        } else if (pick < 12) {
            return actor("release", thread, r.nextInt(3), r.nextInt(2), r.nextInt(4) != 0);
        } else if (pick < 16) {
            return actor("maintain", r.nextBoolean());
        } else if (pick < 18) {
            return actor("limit", r.nextInt(2), 1 + r.nextInt(2));
        } else if (pick < 19 && mayClose) {
            return actor("close", r.nextBoolean());
        }
        return actor("stats", r.nextInt(2));
    }

    private static Actor actor(String name, Object... args) {
        for (java.lang.reflect.Method m : ProtocolSafetyTest.class.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, java.util.Arrays.asList(args));
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length);
    }

    static ModelCheckingOptions modelChecking(int count, long seed) {
        return withScenarios(new ModelCheckingOptions().iterations(0).invocationsPerIteration(200), count, seed);
    }

    static StressOptions stress(int count, long seed) {
        return withScenarios(new StressOptions().iterations(0).invocationsPerIteration(1_000), count, seed);
    }

    /** Lincheck's options with {@code count} (times the factor) of {@link #scenarios} and the specification. */
    private static <O extends org.jetbrains.lincheck.datastructures.Options<O, ?>> O withScenarios(O options, int count,
            long seed) {
        for (ExecutionScenario s : scenarios(count * factor(), seed)) {
            options.addCustomScenario(s);
        }
        return options.sequentialSpecification(Spec.class);
    }

    @org.junit.jupiter.api.BeforeAll
    static void initialiseClasses() throws Exception {
        warmUp();
    }

    @Test
    void modelChecking_isSafe() {
        LeaseLinearizabilityTest.withPoolLogsOff(() -> modelChecking(4, 1).check(ProtocolSafetyTest.class));
    }

    @Test
    void modelChecking_oneSpot_isSafe() {
        onOneSpot(() -> modelChecking(2, 2).check(ProtocolSafetyTest.class));
    }

    @Test
    void stress_isSafe() {
        LeaseLinearizabilityTest.withPoolLogsOff(() -> stress(15, 3).check(ProtocolSafetyTest.class));
    }

    /**
     * A release racing a new waiter on a full route: the release has read the route's lock-free flag on, the waiter turns
     * it off and looks for idle entries, then the release parks its entry. It must see the flag off after its CAS and take
     * the locked path, which serves the waiter; a release that stayed parked would leave the waiter waiting for good with
     * the connection idle in a spot. Model checking tries the interleavings of this one scenario.
     */
    @Test
    void aReleaseRacingANewWaiterServesIt() {
        List<Actor> init = java.util.Arrays.asList(actor("lease", 1, 0, 0), actor("lease", 2, 0, 0),
                // a route turns its lock-free path on once it has had an idle entry; the spot of the thread that ran
                // this part (maybe the releasing one) then holds the entry the parallel part releases
                actor("release", 1, 0, 0, true), actor("lease", 1, 0, 0));
        List<List<Actor>> parallel = java.util.Arrays.asList(
                java.util.Collections.singletonList(actor("release", 1, 0, 0, true)),
                java.util.Collections.singletonList(actor("await", 2, 0, 0)));
        List<Actor> post = java.util.Collections.singletonList(actor("check"));
        LeaseLinearizabilityTest.withPoolLogsOff(() -> new ModelCheckingOptions()
                .iterations(0)
                .invocationsPerIteration(400 * factor())
                .addCustomScenario(new ExecutionScenario(init, parallel, post, null))
                .sequentialSpecification(Spec.class)
                .check(ProtocolSafetyTest.class));
    }

    private static void onOneSpot(Runnable check) {
        oneSpot = true;
        try {
            LeaseLinearizabilityTest.withPoolLogsOff(check);
        } finally {
            oneSpot = false;
        }
    }
}

package io.routepool.httpclient5;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.function.Callback;
import org.apache.hc.core5.http.HttpConnection;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.ConnPoolListener;
import org.apache.hc.core5.pool.DisposalCallback;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.util.Args;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import io.routepool.core.ConnectionFactory;
import io.routepool.core.KeyedPool;
import io.routepool.core.LeaseInfo;
import io.routepool.core.PoolBuilder;
import io.routepool.core.PoolClosedException;
import io.routepool.core.PoolCounters;
import io.routepool.core.RemedyHint;
import io.routepool.core.ReuseOrder;

/**
 * An httpcore5 {@link ManagedConnPool} backed by routepool's pool-core: it can stand wherever httpcore5's
 * {@code StrictConnPool} stands (same public constructors, same {@code ConnPoolControl}), with a lock per route
 * instead of one for the pool, no I/O and no user callback under any lock, and routepool's diagnostics.
 *
 * <p>Mapping: pool-core pools one {@link Slot} per connection, which holds the httpcore5 {@link PoolEntry} the
 * caller sees. A lease served from an idle connection takes it by pool-core's claim and returns the slot itself as
 * the (already completed) future: no allocation. A lease that must create or wait continues in pool-core's
 * non-blocking lease. {@link #release} finds the slot by the entry's identity (a read of one map, written only when
 * a connection is created or closed) and hands pool-core the state and expiry the caller set on the entry.
 *
 * <p>Where it deliberately differs from {@code StrictConnPool} (see DESIGN.md): waiters are served first come, first
 * served across routes and states; a lease's request timeout fails its future when it passes (StrictConnPool fails
 * it only when the pool next looks at its queue); lowering a limit closes surplus idle connections at once;
 * and an entry released already expired is closed at once instead of waiting in the pool for a lease to find it
 * expired.
 *
 * <p>Thread-safe. Callbacks run on the thread that completes the lease: the leasing thread when a connection is
 * available or can be created, the releasing thread when a waiter is served, routepool's timer thread on a timeout.
 *
 * @param <T> route
 * @param <C> connection
 */
public class RoutePoolConnPool<T, C extends ModalCloseable> implements ManagedConnPool<T, C> {

    /** pool-core pools slots; pool-core's waits, timeouts and hand-offs complete on the thread that causes them. */
    private static final Executor DIRECT = Runnable::run;

    private final KeyedPool<T, Slot<T, C>> core;
    /**
     * httpcore5 entry (by identity: {@code PoolEntry} keeps Object's equals and hashCode) to its slot. Invariant: an
     * entry is here from its first lease until it can never be leased again: until pool-core closes its connection
     * while nobody holds it (an idle connection expired, evicted or closed; the slot factory's close unmaps it), or
     * until its holder's release that does not keep it (which unmaps it; this covers a connection closed under its
     * holder by a reclaim of an abandoned lease, which stays mapped until then; {@link #close} unmaps the leased entries
     * it forgets). So a release of an entry this
     * pool leased always finds it, and an unknown entry is refused. Written on a connection's first lease and on its
     * end only; the hit path reads it once per release.
     */
    private final ConcurrentHashMap<PoolEntry<T, C>, Slot<T, C>> slots = new ConcurrentHashMap<>();
    private final TimeValue timeToLive;
    private final DisposalCallback<C> disposalCallback;
    private final ConnPoolListener<T> connPoolListener;
    /**
     * Whether leases wait on the thread that calls {@code get} (HttpClient's classic manager always leases and then
     * waits in {@code get} on one thread): pool-core then sees the waiting thread, names a self-deadlock at once and
     * leaves nothing behind when that thread is interrupted. Otherwise a lease proceeds on its own and completes its
     * future and callback when served.
     */
    private final boolean waitInGet;
    /** Set by {@code close(IMMEDIATE)} before pool-core closes: idle connections are then closed IMMEDIATE too. */
    private volatile boolean closingImmediately;
    /** Per-route expiry the manager adds (ConnectionConfig timeToLive and idleTimeout), or null. */
    private volatile RouteExpiry<T> routeExpiry;
    /** Connects warm connections (minIdlePerRoute); null: none are made (createIdle returns null). */
    private volatile WarmConnector<T, C> warmConnector;

    /**
     * As httpcore5's {@code StrictConnPool}.
     *
     * @param timeToLive       maximum life of a connection from when it is assigned to its entry; null or negative:
     *                         no limit
     * @param policy           LIFO (default, for null) or FIFO reuse of idle connections
     * @param disposalCallback how connections are closed, or null for {@code close(mode)}
     * @param connPoolListener called after each lease and release, or null
     */
    public RoutePoolConnPool(
            final int defaultMaxPerRoute,
            final int maxTotal,
            final TimeValue timeToLive,
            final PoolReusePolicy policy,
            final DisposalCallback<C> disposalCallback,
            final ConnPoolListener<T> connPoolListener) {
        this(defaultMaxPerRoute, maxTotal, timeToLive, policy, disposalCallback, connPoolListener, null, false);
    }

    /** As httpcore5's {@code StrictConnPool}. */
    public RoutePoolConnPool(
            final int defaultMaxPerRoute,
            final int maxTotal,
            final TimeValue timeToLive,
            final PoolReusePolicy policy,
            final ConnPoolListener<T> connPoolListener) {
        this(defaultMaxPerRoute, maxTotal, timeToLive, policy, null, connPoolListener);
    }

    /** As httpcore5's {@code StrictConnPool}: LIFO reuse, no time to live. */
    public RoutePoolConnPool(final int defaultMaxPerRoute, final int maxTotal) {
        this(defaultMaxPerRoute, maxTotal, TimeValue.NEG_ONE_MILLISECOND, PoolReusePolicy.LIFO, null);
    }

    /**
     * The managers' constructor: {@code options} adds routepool's diagnostics settings (null: the defaults), and
     * {@code waitInGet} makes leases wait on the thread that calls {@code get}.
     */
    RoutePoolConnPool(
            final int defaultMaxPerRoute,
            final int maxTotal,
            final TimeValue timeToLive,
            final PoolReusePolicy policy,
            final DisposalCallback<C> disposalCallback,
            final ConnPoolListener<T> connPoolListener,
            final PoolOptions<T, C> options,
            final boolean waitInGet) {
        Args.positive(defaultMaxPerRoute, "Max per route value");
        Args.positive(maxTotal, "Max total value");
        this.timeToLive = TimeValue.defaultsToNegativeOneMillisecond(timeToLive);
        this.disposalCallback = disposalCallback;
        this.connPoolListener = connPoolListener;
        this.waitInGet = waitInGet;
        final PoolBuilder<T, Slot<T, C>> b = KeyedPool.builder(new SlotFactory())
                .maxTotal(maxTotal)
                .defaultMaxPerRoute(defaultMaxPerRoute)
                .reuseOrder(policy == PoolReusePolicy.FIFO ? ReuseOrder.FIFO : ReuseOrder.LIFO)
                .asyncExecutor(DIRECT)
                .logger(Slf4jPoolLogger.INSTANCE)
                .remedy(io.routepool.core.Diagnostic.Kind.SELF_DEADLOCK, HttpClient5Remedies.SELF_DEADLOCK)
                .remedy(io.routepool.core.Diagnostic.Kind.LEAK_SUSPECTED, HttpClient5Remedies.LEAK)
                .remedy(io.routepool.core.Diagnostic.Kind.STATE_MISMATCH, HttpClient5Remedies.STATE_MISMATCH)
                .remedy(io.routepool.core.Diagnostic.Kind.WAITER_STUCK, HttpClient5Remedies.STUCK_WAITER)
                .remedyHint(RemedyHint.CAPTURE_LEASE_STACKS, HttpClient5Remedies.CAPTURE_LEASE_STACKS)
                .remedyHint(RemedyHint.LEASE_TIMEOUT, HttpClient5Remedies.LEASE_TIMEOUT)
                .remedyHint(RemedyHint.MAX_LEASE_WAIT, HttpClient5Remedies.MAX_LEASE_WAIT);
        if (options != null) {
            options.applyTo(b);
        }
        this.core = b.build();
    }

    /**
     * Makes and closes the slots pool-core pools; never called under a pool-core lock. A slot made for a lease has no
     * connection (the manager's {@code connect} assigns one); one made for pre-warming ({@link #createIdle}) holds a
     * connected one.
     */
    private final class SlotFactory implements ConnectionFactory<T, Slot<T, C>> {

        @Override
        public Slot<T, C> create(final T route) {
            return new Slot<>(new PoolEntry<>(route, timeToLive, disposalCallback));
        }

        /**
         * A slot whose entry holds a connection made by the manager's {@link WarmConnector} (minIdlePerRoute); null
         * when there is no connector or it cannot warm the route now. On a failure, or a null, the half-made
         * connection is closed here: pool-core never sees it.
         */
        @Override
        public Slot<T, C> createIdle(final T route) throws IOException {
            final WarmConnector<T, C> connector = warmConnector;
            if (connector == null) {
                return null;
            }
            final Slot<T, C> slot = create(route);
            if (expiresAtOnce(slot)) {
                return null;
            }
            final PoolEntry<T, C> entry = slot.entry;
            boolean ready = false;
            try {
                if (!connector.connect(entry)) {
                    return null;
                }
                if (!isOpen(slot)) {
                    throw new IOException("Warm connection to " + route + " was closed before it was pooled");
                }
                ready = true;
                return slot;
            } finally {
                if (!ready) {
                    entry.discardConnection(CloseMode.IMMEDIATE);
                }
            }
        }

        @Override
        public void close(final Slot<T, C> slot, final io.routepool.core.CloseMode mode) {
            if (!slot.isLeased()) {
                slots.remove(slot.entry, slot); // never leased again; a leased one is unmapped by its release
            }
            final boolean immediate = mode == io.routepool.core.CloseMode.IMMEDIATE || closingImmediately;
            slot.entry.discardConnection(immediate ? CloseMode.IMMEDIATE : CloseMode.GRACEFUL);
        }

        @Override
        public boolean isOpen(final Slot<T, C> slot) {
            final C conn = slot.entry.getConnection();
            return conn != null && (!(conn instanceof HttpConnection) || ((HttpConnection) conn).isOpen());
        }
    }

    // ------------------------------------------------------------------------------------------------ lease

    /**
     * Leases an entry for {@code route} whose state equals {@code state} (or is null), as {@code StrictConnPool}
     * does, without blocking the caller. The future is already complete when an idle connection was available (the
     * callback has then run on this thread, before this returns); otherwise it completes when a connection is
     * created or handed over, or fails with a {@link java.util.concurrent.TimeoutException} whose message explains
     * the wait once {@code requestTimeout} passes ({@code Timeout.DISABLED} or any non-positive timeout: no limit).
     *
     * @throws IllegalStateException the pool is shut down
     */
    @Override
    public Future<PoolEntry<T, C>> lease(
            final T route, final Object state, final Timeout requestTimeout, final FutureCallback<PoolEntry<T, C>> callback) {
        Args.notNull(route, "Route");
        Args.notNull(requestTimeout, "Request timeout");
        final io.routepool.core.PoolEntry<T, Slot<T, C>> idle;
        try {
            idle = core.tryLease(route, state);
        } catch (final PoolClosedException closed) {
            throw shutDown(closed);
        }
        if (idle != null) {
            final Slot<T, C> slot = leased(idle);
            if (callback != null) {
                callback.completed(slot.entry);
            }
            return slot;
        }
        final long timeoutNanos = TimeValue.isPositive(requestTimeout)
                ? requestTimeout.getTimeUnit().toNanos(requestTimeout.getDuration()) : Long.MAX_VALUE;
        if (waitInGet && callback == null) {
            return new BlockingPendingLease<>(this, route, core.newRequest(route, state), timeoutNanos);
        }
        return new AsyncPendingLease<>(this, route, core.leaseAsync(route, state, timeoutNanos, TimeUnit.NANOSECONDS), callback);
    }

    /** {@code lease(route, state, Timeout.DISABLED, null)}, as {@code StrictConnPool}'s. */
    public Future<PoolEntry<T, C>> lease(final T route, final Object state) {
        return lease(route, state, Timeout.DISABLED, null);
    }

    static IllegalStateException shutDown(final PoolClosedException closed) {
        final IllegalStateException ex = new IllegalStateException("Connection pool shut down");
        ex.initCause(closed);
        return ex;
    }

    /** A pool-core entry was handed to a lease: its slot, registered on its first lease. */
    Slot<T, C> leased(final io.routepool.core.PoolEntry<T, Slot<T, C>> e) {
        final Slot<T, C> slot = register(e);
        onLease(slot);
        return slot;
    }

    void onLease(final Slot<T, C> slot) {
        if (connPoolListener != null) {
            connPoolListener.onLease(slot.entry.getRoute(), this);
        }
    }

    /** Maps the entry to its slot (first lease only), so that {@link #release} finds it; idempotent. */
    Slot<T, C> register(final io.routepool.core.PoolEntry<T, Slot<T, C>> e) {
        final Slot<T, C> slot = e.connection();
        slot.markLeased();
        if (slot.core == null) {
            slot.core = e;
            slots.put(slot.entry, slot);
        }
        return slot;
    }

    /** A lease completed after its caller gave up on it: the entry goes back to the pool as it was. */
    void giveBack(final io.routepool.core.PoolEntry<T, Slot<T, C>> e) {
        final Slot<T, C> slot = register(e);
        final PoolEntry<T, C> entry = slot.entry;
        final long deadline = entry.getExpiryDeadline().getValue();
        final long left = deadline == Long.MAX_VALUE ? 0 : deadline - System.currentTimeMillis();
        final boolean keep = entry.hasConnection() && (deadline == Long.MAX_VALUE || left > 0);
        releaseSlot(slot, keep, keep ? left : 0);
    }

    /** Hands a slot back to pool-core; one that is not kept is never leased again, so it is unmapped. */
    private void releaseSlot(final Slot<T, C> slot, final boolean keep, final long keepAliveMillis) {
        slot.markReleased();
        core.release(slot.core, keep, keepAliveMillis, TimeUnit.MILLISECONDS);
        if (!keep) {
            slots.remove(slot.entry, slot);
        }
    }

    String describe(final T route) {
        final io.routepool.core.PoolStats r = core.getStats(route);
        final io.routepool.core.PoolStats t = core.getTotalStats();
        return "route " + route + ": " + r.leased() + " of " + r.max() + " leased, " + r.available() + " idle, "
                + r.pending() + " waiting; pool: " + t.leased() + " of " + t.max() + " leased, " + t.available() + " idle";
    }

    // ------------------------------------------------------------------------------------------------ release

    /**
     * Returns a leased entry. Reusable (and with a connection), it becomes available with the state and expiry the
     * caller set on it ({@code updateState}, {@code updateExpiry}), capped by the manager's per-route time to live
     * and idle timeout; otherwise its connection is discarded and its capacity freed. Either way the oldest waiter
     * that can use it is served. After {@link #close}, a release only discards the connection.
     *
     * @throws IllegalStateException the entry was not leased from this pool, or was already released
     */
    @Override
    public void release(final PoolEntry<T, C> entry, final boolean reusable) {
        if (entry == null) {
            return;
        }
        final Slot<T, C> slot = slots.get(entry);
        if (slot == null) {
            if (core.isClosed()) {
                entry.discardConnection(CloseMode.GRACEFUL);
                return;
            }
            throw new IllegalStateException("Pool entry is not present in the set of leased entries: " + entry);
        }
        final io.routepool.core.PoolEntry<T, Slot<T, C>> e = slot.core;
        boolean keep = reusable && entry.hasConnection();
        long keepAliveMillis = 0;
        if (keep) {
            long deadline = entry.getExpiryDeadline().getValue();
            final RouteExpiry<T> perRoute = routeExpiry;
            if (deadline != Long.MAX_VALUE || perRoute != null) { // else no clock read: nothing expires
                final long now = System.currentTimeMillis();
                if (perRoute != null) {
                    deadline = Math.min(deadline,
                            perRoute.deadline(entry.getRoute(), entry.getCreated(), slot.timeToLiveDraw, now));
                }
                if (deadline != Long.MAX_VALUE) {
                    keepAliveMillis = deadline - now;
                    keep = keepAliveMillis > 0;
                }
            }
            e.setState(entry.getState());
        }
        releaseSlot(slot, keep, keepAliveMillis);
        if (connPoolListener != null) {
            connPoolListener.onRelease(entry.getRoute(), this);
        }
    }

    /** Per-route expiry added on release: the earliest time an idle connection may still be reused. */
    interface RouteExpiry<T> {
        /**
         * A Unix time in ms ({@code Long.MAX_VALUE}: no limit; {@code <= nowMillis}: expired now). Called on every
         * release that keeps the connection, with no allocation of its own.
         *
         * @param createdMillis when the entry's connection was assigned ({@code PoolEntry.getCreated()})
         * @param timeToLiveDraw the connection's own number in [0, 1), the same on every release of it
         *                       ({@link Slot#timeToLiveDraw}), for a per-connection shortening of a time to live
         */
        long deadline(T route, long createdMillis, double timeToLiveDraw, long nowMillis);
    }

    void setRouteExpiry(final RouteExpiry<T> routeExpiry) {
        this.routeExpiry = routeExpiry;
    }

    /**
     * Whether a connection made now would expire at once on its release (the route's ConnectionConfig time to live is
     * 0): such a route is not warmed. Otherwise a warm connection's per-route time to live and idle timeout are
     * checked at its lease by the manager, as for any connection, and folded into its expiry at its first release
     * (pool-core's createIdle takes no expiry for it).
     */
    private boolean expiresAtOnce(final Slot<T, C> slot) {
        final RouteExpiry<T> perRoute = routeExpiry;
        if (perRoute == null) {
            return false;
        }
        final long now = System.currentTimeMillis();
        return perRoute.deadline(slot.entry.getRoute(), now, slot.timeToLiveDraw, now) <= now;
    }

    /**
     * How a manager connects an entry ahead of any lease, for pre-warming ({@code minIdlePerRoute}): on pool-core's
     * warming executor, never under a lock, never on a request thread.
     */
    interface WarmConnector<T, C extends ModalCloseable> {
        /**
         * Assigns {@code entry} (which has no connection) a connected connection that a lease can use as it is, with
         * the route's configuration, as the manager's own {@code connect} would; or returns false when the route
         * cannot be warmed now (the pool asks again at a later maintenance pass, and counts no failure).
         *
         * @throws IOException the connect failed (the route backs off; the first failure of a run is reported)
         */
        boolean connect(PoolEntry<T, C> entry) throws IOException;
    }

    /** Set once by the manager that owns this pool, before its first maintenance pass can warm. */
    void setWarmConnector(final WarmConnector<T, C> connector) {
        this.warmConnector = connector;
    }

    // ------------------------------------------------------------------------------------------------ control

    @Override
    public void setMaxTotal(final int max) {
        Args.positive(max, "Max value");
        core.setMaxTotal(max);
    }

    @Override
    public int getMaxTotal() {
        return core.getMaxTotal();
    }

    @Override
    public void setDefaultMaxPerRoute(final int max) {
        Args.positive(max, "Max value");
        core.setDefaultMaxPerRoute(max);
    }

    @Override
    public int getDefaultMaxPerRoute() {
        return core.getDefaultMaxPerRoute();
    }

    /** Sets the route's own limit ({@code >= 0}; 0 blocks the route); a negative value removes it, as httpcore5's. */
    @Override
    public void setMaxPerRoute(final T route, final int max) {
        Args.notNull(route, "Route");
        if (max > -1) {
            core.setMaxPerRoute(route, max);
        } else {
            core.clearMaxPerRoute(route);
        }
    }

    @Override
    public int getMaxPerRoute(final T route) {
        Args.notNull(route, "Route");
        return core.getMaxPerRoute(route);
    }

    @Override
    public PoolStats getTotalStats() {
        return stats(core.getTotalStats());
    }

    @Override
    public PoolStats getStats(final T route) {
        Args.notNull(route, "Route");
        return stats(core.getStats(route));
    }

    private static PoolStats stats(final io.routepool.core.PoolStats s) {
        return new PoolStats(s.leased(), s.pending(), s.available(), s.max());
    }

    @Override
    public Set<T> getRoutes() {
        return core.getRoutes();
    }

    /** Closes idle connections released at least {@code idleTime} ago (all of them when it is not positive). */
    @Override
    public void closeIdle(final TimeValue idleTime) {
        final long ms = TimeValue.isPositive(idleTime) ? idleTime.toMilliseconds() : 0;
        core.closeIdle(ms, TimeUnit.MILLISECONDS);
    }

    /** Closes idle connections whose expiry (keep-alive, time to live, the route's idle timeout) has passed. */
    @Override
    public void closeExpired() {
        core.closeExpired();
    }

    /**
     * Runs {@code callback} on each available entry (a snapshot, most recently released first per route), as
     * {@code StrictConnPool}'s; entries whose connection the callback discarded leave the pool.
     */
    public void enumAvailable(final Callback<PoolEntry<T, C>> callback) {
        boolean discarded = false;
        for (final io.routepool.core.PoolEntry<T, Slot<T, C>> e : core.availableEntries()) {
            final PoolEntry<T, C> entry = e.connection().entry;
            callback.execute(entry);
            discarded |= !entry.hasConnection();
        }
        if (discarded) {
            core.maintain(); // drops idle entries whose connection is gone (the factory reports them closed)
        }
    }

    /** Runs {@code callback} on each leased entry (a snapshot), as {@code StrictConnPool}'s. */
    public void enumLeased(final Callback<PoolEntry<T, C>> callback) {
        for (final io.routepool.core.PoolEntry<T, Slot<T, C>> e : core.leasedEntries()) {
            callback.execute(e.connection().entry);
        }
    }

    /** Nothing to do: a waiting lease fails on its own when its request timeout passes. For {@code StrictConnPool} parity. */
    public void validatePendingRequests() {
        // pool-core's timers time leases out as their deadlines pass
    }

    // ------------------------------------------------------------------------------------------------ diagnostics

    /** Who holds what: every current lease with its route, holder thread and age, oldest first. */
    public List<LeaseInfo<T>> leases() {
        return core.leases();
    }

    /** The name its reports and timeout messages start with (the builders' {@code setPoolName}; default {@code routepool-N}). */
    public String getPoolName() {
        return core.name();
    }

    /** Counts over the pool's life: created, closed, reused, waited, timed out, leaks, reclaimed, state mismatches. */
    public PoolCounters getCounters() {
        return core.getCounters();
    }

    /** How often a lease on {@code route} found only idle connections of another state (HttpClient 5: TLS principal). */
    public long getStateMismatches(final T route) {
        return core.getStateMismatches(route);
    }

    /** Runs one maintenance pass now (expiry, idle probe, leak and stuck-waiter reports), as the background task does. */
    public void maintain() {
        core.maintain();
    }

    // ------------------------------------------------------------------------------------------------ close

    public boolean isShutdown() {
        return core.isClosed();
    }

    /**
     * Shuts the pool down, as {@code StrictConnPool}'s: waiting leases fail, every connection, idle or leased, is
     * closed with {@code closeMode}, and leased entries are forgotten (HttpClient's managers never release an entry
     * once they are closed; a later release of one is ignored). Idempotent. No connection is closed under a lock.
     */
    @Override
    public void close(final CloseMode closeMode) {
        final CloseMode mode = closeMode != null ? closeMode : CloseMode.GRACEFUL;
        if (mode == CloseMode.IMMEDIATE) {
            closingImmediately = true; // pool-core closes idle connections politely in either mode; httpcore5 does not
        }
        core.close(mode == CloseMode.IMMEDIATE ? io.routepool.core.CloseMode.IMMEDIATE : io.routepool.core.CloseMode.GRACEFUL);
        forgetLeased(mode);
    }

    /**
     * A graceful drain (Reactor Netty's {@code disposeTimeout}): new leases are refused and waiting ones fail at once,
     * idle connections are closed, and leased connections may come back for up to {@code grace} (each is closed as it
     * does); those still leased then are closed {@link CloseMode#IMMEDIATE} and forgotten, as {@code close(IMMEDIATE)}
     * does. Blocks the caller until drained or the grace has passed, in real time; an interrupt ends the wait early
     * (the interrupt status is kept). A pool already closed is drained the same way.
     *
     * @param grace how long to wait; zero: no wait
     * @return true if every connection came back within the grace
     * @throws IllegalArgumentException {@code grace} is null or negative; nothing is closed
     */
    public boolean close(final TimeValue grace) {
        final java.time.Duration wait = OptionValues.duration("grace", grace, "no wait");
        final boolean drained = core.close(wait);
        if (!drained) {
            closingImmediately = true; // what is still open now is closed under its holder, as close(IMMEDIATE) does
            forgetLeased(CloseMode.IMMEDIATE);
        }
        return drained;
    }

    /** After pool-core closed: the leased entries are discarded with {@code mode} and released on their holders' behalf. */
    private void forgetLeased(final CloseMode mode) {
        for (final io.routepool.core.PoolEntry<T, Slot<T, C>> e : core.leasedEntries()) {
            final Slot<T, C> slot = e.connection();
            slot.entry.discardConnection(mode); // atomic: a holder's own discard races safely
            try {
                core.release(e, false); // on the holder's behalf: its capacity is freed, the entry forgotten
            } catch (final IllegalStateException releasedMeanwhile) {
                // its holder released it first (or it was still being handed to a waiter that the close failed)
            }
            slots.remove(slot.entry, slot);
        }
    }

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    @Override
    public String toString() {
        final io.routepool.core.PoolStats t = core.getTotalStats();
        return "[leased: " + t.leased() + "][available: " + t.available() + "][pending: " + t.pending()
                + "][max: " + t.max() + "]";
    }
}

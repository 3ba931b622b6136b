package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.function.Callback;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.ConnPoolListener;
import org.apache.hc.core5.pool.DisposalCallback;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.pool.PoolStats;
import org.apache.hc.core5.pool.StrictConnPool;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * One pool under contract: httpcore5's {@link StrictConnPool} (the reference) or our {@code RoutePoolConnPool},
 * built through the same public constructors and used through {@link ManagedConnPool} plus StrictConnPool's
 * public extras.
 */
final class ContractPool implements AutoCloseable {

    /** The implementations every contract scenario runs against. */
    enum Impl {
        /** httpcore5's StrictConnPool: the behaviour we copy. */
        REFERENCE,
        /** io.routepool.httpclient5.RoutePoolConnPool: ours. */
        ROUTEPOOL;

        boolean isReference() {
            return this == REFERENCE;
        }
    }

    final Impl impl;
    final ManagedConnPool<String, TestConn> pool;

    private ContractPool(Impl impl, ManagedConnPool<String, TestConn> pool) {
        this.impl = impl;
        this.pool = pool;
    }

    boolean isReference() {
        return impl.isReference();
    }

    /** {@code (defaultMaxPerRoute, maxTotal)}. */
    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal) {
        return new ContractPool(impl, impl.isReference()
                ? new StrictConnPool<>(maxPerRoute, maxTotal)
                : new RoutePoolConnPool<>(maxPerRoute, maxTotal));
    }

    /** {@code (defaultMaxPerRoute, maxTotal, timeToLive, policy, connPoolListener)}. */
    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal, TimeValue timeToLive, PoolReusePolicy policy,
            ConnPoolListener<String> listener) {
        return new ContractPool(impl, impl.isReference()
                ? new StrictConnPool<>(maxPerRoute, maxTotal, timeToLive, policy, listener)
                : new RoutePoolConnPool<>(maxPerRoute, maxTotal, timeToLive, policy, listener));
    }

    /** {@code (defaultMaxPerRoute, maxTotal, timeToLive, policy, disposalCallback, connPoolListener)}. */
    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal, TimeValue timeToLive, PoolReusePolicy policy,
            DisposalCallback<TestConn> disposal, ConnPoolListener<String> listener) {
        return new ContractPool(impl, impl.isReference()
                ? new StrictConnPool<>(maxPerRoute, maxTotal, timeToLive, policy, disposal, listener)
                : new RoutePoolConnPool<>(maxPerRoute, maxTotal, timeToLive, policy, disposal, listener));
    }

    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal, PoolReusePolicy policy) {
        return create(impl, maxPerRoute, maxTotal, TimeValue.NEG_ONE_MILLISECOND, policy, null);
    }

    private StrictConnPool<String, TestConn> reference() {
        return (StrictConnPool<String, TestConn>) pool;
    }

    private RoutePoolConnPool<String, TestConn> ours() {
        return (RoutePoolConnPool<String, TestConn>) pool;
    }

    // ---- StrictConnPool's public extras (RoutePoolConnPool has the same) ----

    Future<PoolEntry<String, TestConn>> lease(String route, Object state) {
        return isReference() ? reference().lease(route, state) : ours().lease(route, state);
    }

    void enumAvailable(Callback<PoolEntry<String, TestConn>> callback) {
        if (isReference()) {
            reference().enumAvailable(callback);
        } else {
            ours().enumAvailable(callback);
        }
    }

    void enumLeased(Callback<PoolEntry<String, TestConn>> callback) {
        if (isReference()) {
            reference().enumLeased(callback);
        } else {
            ours().enumLeased(callback);
        }
    }

    boolean isShutdown() {
        return isReference() ? reference().isShutdown() : ours().isShutdown();
    }

    /**
     * The reference fails timed-out requests and drops cancelled ones only when some pool operation runs over the
     * pending list; this is its explicit form. Used on the reference only (ours has it as a no-op).
     */
    void validatePendingRequests() {
        assertThat(impl).as("validatePendingRequests is the reference's").isEqualTo(Impl.REFERENCE);
        reference().validatePendingRequests();
    }

    // ---- ManagedConnPool ----

    Future<PoolEntry<String, TestConn>> lease(String route, Object state, Timeout requestTimeout,
            FutureCallback<PoolEntry<String, TestConn>> callback) {
        return pool.lease(route, state, requestTimeout, callback);
    }

    void release(PoolEntry<String, TestConn> entry, boolean reusable) {
        pool.release(entry, reusable);
    }

    // ---- conveniences ----

    /** A lease that must complete at once (capacity exists). */
    PoolEntry<String, TestConn> leaseNow(String route, Object state) throws Exception {
        Future<PoolEntry<String, TestConn>> f = pool.lease(route, state, Timeout.ofSeconds(10), null);
        assertThat(f.isDone()).as("lease of %s/%s completes at once", route, state).isTrue();
        PoolEntry<String, TestConn> e = f.get(0, TimeUnit.MILLISECONDS);
        assertThat(e).isNotNull();
        assertThat(e.getRoute()).isEqualTo(route);
        return e;
    }

    /** {@link #leaseNow} and, for an entry without a connection, assign a new one (as the managers do). */
    PoolEntry<String, TestConn> leaseConnected(String route, Object state) throws Exception {
        PoolEntry<String, TestConn> e = leaseNow(route, state);
        if (!e.hasConnection()) {
            e.assignConnection(new TestConn(route));
        }
        return e;
    }

    /** The state a released, kept-alive entry gets from the managers: an expiry and a state. */
    void releaseKept(PoolEntry<String, TestConn> entry, Object state, TimeValue keepAlive) {
        entry.updateState(state);
        entry.updateExpiry(keepAlive);
        pool.release(entry, true);
    }

    void releaseKept(PoolEntry<String, TestConn> entry) {
        releaseKept(entry, null, TimeValue.ofHours(1));
    }

    /** "leased/pending/available" of the pool, for compact assertions. */
    String totals() {
        return lpa(pool.getTotalStats());
    }

    String stats(String route) {
        return lpa(pool.getStats(route));
    }

    static String lpa(PoolStats s) {
        return "leased " + s.getLeased() + ", pending " + s.getPending() + ", available " + s.getAvailable();
    }

    List<PoolEntry<String, TestConn>> available() {
        List<PoolEntry<String, TestConn>> out = new ArrayList<>();
        enumAvailable(out::add);
        return out;
    }

    List<PoolEntry<String, TestConn>> leased() {
        List<PoolEntry<String, TestConn>> out = new ArrayList<>();
        enumLeased(out::add);
        return out;
    }

    @Override
    public void close() {
        pool.close(CloseMode.IMMEDIATE);
    }

    @Override
    public String toString() {
        return impl.name();
    }
}

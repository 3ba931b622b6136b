package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
import org.junit.jupiter.api.Assumptions;

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

    static final String OURS_CLASS = "io.routepool.httpclient5.RoutePoolConnPool";

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
        if (impl.isReference()) {
            return new ContractPool(impl, new StrictConnPool<>(maxPerRoute, maxTotal));
        }
        return new ContractPool(impl, ours(new Class<?>[] {int.class, int.class}, maxPerRoute, maxTotal));
    }

    /** {@code (defaultMaxPerRoute, maxTotal, timeToLive, policy, connPoolListener)}. */
    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal, TimeValue timeToLive, PoolReusePolicy policy,
            ConnPoolListener<String> listener) {
        if (impl.isReference()) {
            return new ContractPool(impl, new StrictConnPool<>(maxPerRoute, maxTotal, timeToLive, policy, listener));
        }
        return new ContractPool(impl, ours(
                new Class<?>[] {int.class, int.class, TimeValue.class, PoolReusePolicy.class, ConnPoolListener.class},
                maxPerRoute, maxTotal, timeToLive, policy, listener));
    }

    /** {@code (defaultMaxPerRoute, maxTotal, timeToLive, policy, disposalCallback, connPoolListener)}. */
    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal, TimeValue timeToLive, PoolReusePolicy policy,
            DisposalCallback<TestConn> disposal, ConnPoolListener<String> listener) {
        if (impl.isReference()) {
            return new ContractPool(impl,
                    new StrictConnPool<>(maxPerRoute, maxTotal, timeToLive, policy, disposal, listener));
        }
        return new ContractPool(impl, ours(
                new Class<?>[] {int.class, int.class, TimeValue.class, PoolReusePolicy.class, DisposalCallback.class,
                    ConnPoolListener.class},
                maxPerRoute, maxTotal, timeToLive, policy, disposal, listener));
    }

    static ContractPool create(Impl impl, int maxPerRoute, int maxTotal, PoolReusePolicy policy) {
        return create(impl, maxPerRoute, maxTotal, TimeValue.NEG_ONE_MILLISECOND, policy, null);
    }

    @SuppressWarnings("unchecked")
    private static ManagedConnPool<String, TestConn> ours(Class<?>[] types, Object... args) {
        Class<?> type;
        try {
            type = Class.forName(OURS_CLASS);
        } catch (ClassNotFoundException e) {
            Assumptions.abort(OURS_CLASS + " is not on main yet");
            throw new AssertionError(e);
        }
        try {
            Constructor<?> c = type.getConstructor(types);
            return (ManagedConnPool<String, TestConn>) c.newInstance(args);
        } catch (InvocationTargetException e) {
            throw rethrow(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private Object invoke(String name, Class<?>[] types, Object... args) {
        try {
            Method m = pool.getClass().getMethod(name, types);
            return m.invoke(pool, args);
        } catch (InvocationTargetException e) {
            throw rethrow(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw new AssertionError(t);
    }

    // ---- StrictConnPool's public extras ----

    @SuppressWarnings("unchecked")
    Future<PoolEntry<String, TestConn>> lease(String route, Object state) {
        return (Future<PoolEntry<String, TestConn>>) invoke("lease", new Class<?>[] {Object.class, Object.class},
                route, state);
    }

    void enumAvailable(Callback<PoolEntry<String, TestConn>> callback) {
        invoke("enumAvailable", new Class<?>[] {Callback.class}, callback);
    }

    void enumLeased(Callback<PoolEntry<String, TestConn>> callback) {
        invoke("enumLeased", new Class<?>[] {Callback.class}, callback);
    }

    boolean isShutdown() {
        return (Boolean) invoke("isShutdown", new Class<?>[0]);
    }

    /**
     * The reference fails timed-out requests and drops cancelled ones only when some pool operation runs over the
     * pending list; this is its explicit form. Reference only.
     */
    void validatePendingRequests() {
        assertThat(impl).as("validatePendingRequests is the reference's").isEqualTo(Impl.REFERENCE);
        ((StrictConnPool<String, TestConn>) pool).validatePendingRequests();
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

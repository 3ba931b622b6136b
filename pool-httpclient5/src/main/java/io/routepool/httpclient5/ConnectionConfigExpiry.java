package io.routepool.httpclient5;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * What a manager built on HttpClient's pool-taking constructor would otherwise lose: the per-route
 * {@link ConnectionConfig} time to live and idle timeout, enforced by the pool. Folded into an idle connection's
 * expiry when it is released, so the pool's own expiry enforces them everywhere it looks: on lease, in
 * {@code closeExpired()} and in background maintenance. HttpClient 5's meaning: a time to live of 0 expires at
 * once (the connection is closed on release), a negative or null one never; an idle timeout counts from the release.
 * The manager's own lease-time checks still run as well, so a configuration changed later applies at the next lease.
 */
final class ConnectionConfigExpiry implements RoutePoolConnPool.RouteExpiry<HttpRoute> {

    /**
     * {@code ConnectionConfig.getIdleTimeout()}, HttpClient 5.6+; null on older lines (no idle timeout there). A method
     * handle in a static final field: the JIT inlines the call, and nothing is allocated per release.
     */
    private static final MethodHandle IDLE_TIMEOUT = idleTimeoutAccessor();

    private static MethodHandle idleTimeoutAccessor() {
        try {
            return MethodHandles.publicLookup().findVirtual(ConnectionConfig.class, "getIdleTimeout",
                    MethodType.methodType(Timeout.class));
        } catch (final NoSuchMethodException | IllegalAccessException older) {
            return null;
        }
    }

    /** The manager's resolver as last set (null: ConnectionConfig.DEFAULT, no limits). */
    private volatile Resolver<HttpRoute, ConnectionConfig> resolver;

    void setResolver(final Resolver<HttpRoute, ConnectionConfig> resolver) {
        this.resolver = resolver;
    }

    @Override
    public long deadline(final HttpRoute route, final long createdMillis, final long nowMillis) {
        final Resolver<HttpRoute, ConnectionConfig> r = resolver;
        final ConnectionConfig config = r != null ? r.resolve(route) : null;
        if (config == null) {
            return Long.MAX_VALUE;
        }
        long deadline = Long.MAX_VALUE;
        final TimeValue ttl = config.getTimeToLive();
        if (TimeValue.isNonNegative(ttl)) {
            deadline = ttl.getDuration() == 0 ? nowMillis : saturatedAdd(createdMillis, ttl.toMilliseconds());
        }
        final TimeValue idle = idleTimeout(config);
        if (TimeValue.isPositive(idle)) {
            deadline = Math.min(deadline, saturatedAdd(nowMillis, idle.toMilliseconds()));
        }
        return deadline;
    }

    static Timeout idleTimeout(final ConnectionConfig config) {
        if (IDLE_TIMEOUT == null) {
            return null;
        }
        try {
            return (Timeout) IDLE_TIMEOUT.invokeExact(config);
        } catch (final RuntimeException | Error ex) {
            throw ex;
        } catch (final Throwable ex) {
            throw new IllegalStateException("ConnectionConfig.getIdleTimeout() failed", ex);
        }
    }

    private static long saturatedAdd(final long a, final long b) {
        final long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

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
 *
 * <p>With a {@code timeToLiveJitter} f, a positive time to live is shortened, for each connection, by
 * {@code f * draw} of it, where {@code draw} is the connection's {@link Slot#timeToLiveDraw} (uniform in [0, 1),
 * drawn when its slot is made): each connection lives more than {@code (1 - f)} and at most all of the time to live,
 * and connections made together (in the same millisecond too) do not expire together. The shortening is a pure
 * function of the time to live and the draw, so while the configuration stays the same, every release of a connection
 * computes the same deadline: it never moves later. A connection the manager assigns to the same entry later (after
 * discarding one at lease) counts from its own created time with the same draw. A time to live of 0 (expire at once)
 * and a negative or null one (never) keep their meaning; the shortening never brings a positive one below 1 ms.
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

    /** The builders' {@code timeToLiveJitter}, checked there: in [0, 1); 0 leaves every time to live whole. */
    private final double timeToLiveJitter;
    /** The manager's resolver as last set (null: ConnectionConfig.DEFAULT, no limits). */
    private volatile Resolver<HttpRoute, ConnectionConfig> resolver;

    ConnectionConfigExpiry(final double timeToLiveJitter) {
        this.timeToLiveJitter = timeToLiveJitter;
    }

    void setResolver(final Resolver<HttpRoute, ConnectionConfig> resolver) {
        this.resolver = resolver;
    }

    /** The route's {@code ConnectionConfig}, as the manager resolves it (none: {@code ConnectionConfig.DEFAULT}). */
    ConnectionConfig config(final HttpRoute route) {
        final Resolver<HttpRoute, ConnectionConfig> r = resolver;
        final ConnectionConfig config = r != null ? r.resolve(route) : null;
        return config != null ? config : ConnectionConfig.DEFAULT;
    }

    /**
     * Whether the route's {@code ConnectionConfig} turns validation off (a negative validateAfterInactivity; null
     * means HttpClient's 2 s): then no lease checks its connections for learnIdleClose either.
     */
    boolean validationOff(final HttpRoute route) {
        final Resolver<HttpRoute, ConnectionConfig> r = resolver;
        final ConnectionConfig config = r != null ? r.resolve(route) : null;
        final TimeValue v = config != null ? config.getValidateAfterInactivity() : null;
        return v != null && v.getDuration() < 0;
    }

    @Override
    public long deadline(final HttpRoute route, final long createdMillis, final double timeToLiveDraw,
            final long nowMillis) {
        final Resolver<HttpRoute, ConnectionConfig> r = resolver;
        final ConnectionConfig config = r != null ? r.resolve(route) : null;
        if (config == null) {
            return Long.MAX_VALUE;
        }
        long deadline = Long.MAX_VALUE;
        final TimeValue ttl = config.getTimeToLive();
        if (TimeValue.isNonNegative(ttl)) {
            deadline = ttl.getDuration() == 0 ? nowMillis
                    : saturatedAdd(createdMillis, lifetimeMillis(ttl.toMilliseconds(), timeToLiveDraw));
        }
        final TimeValue idle = idleTimeout(config);
        if (TimeValue.isPositive(idle)) {
            deadline = Math.min(deadline, saturatedAdd(nowMillis, idle.toMilliseconds()));
        }
        return deadline;
    }

    /** The connection's own time to live: {@code ttlMillis} less its share of the jitter, at least 1 ms if it was. */
    long lifetimeMillis(final long ttlMillis, final double timeToLiveDraw) {
        if (timeToLiveJitter == 0 || ttlMillis <= 1) {
            return ttlMillis;
        }
        final long shortening = (long) (ttlMillis * (timeToLiveJitter * timeToLiveDraw)); // < ttlMillis * jitter
        return ttlMillis - Math.min(shortening, ttlMillis - 1); // the min only for a time to live near Long.MAX_VALUE
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

package io.routepool.httpclient5;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;

/**
 * What the HttpClient 5 on the class path offers beyond 5.4 (the oldest line served; {@code -Phttpclient5-5.4}
 * runs the tests on it), found by method presence. Tests compile against both lines, so 5.5+ API is reached here
 * by reflection, and a test that needs it skips itself with an assumption that says why.
 */
final class Hc5Features {

    private Hc5Features() {
    }

    private static Method method(Class<?> type, String name, Class<?>... parameters) {
        try {
            return type.getMethod(name, parameters);
        } catch (NoSuchMethodException ex) {
            return null;
        }
    }

    /** {@code ConnectionConfig.Builder.setIdleTimeout(Timeout)}: HttpClient 5.6+. */
    private static final Method SET_IDLE_TIMEOUT = method(ConnectionConfig.Builder.class, "setIdleTimeout", Timeout.class);

    /** {@code PoolingAsyncClientConnectionManagerBuilder.setMessageMultiplexing(boolean)}: HttpClient 5.5+. */
    static final Method SET_MESSAGE_MULTIPLEXING = method(PoolingAsyncClientConnectionManagerBuilder.class,
            "setMessageMultiplexing", boolean.class);

    /** {@code HttpClientBuilder.getConnManager()}, which httpclient5-observation's ConnPoolMeters.bindTo calls: 5.6+. */
    private static final Method GET_CONN_MANAGER = method(HttpClientBuilder.class, "getConnManager");

    static void assumeIdleTimeout() {
        assumeTrue(SET_IDLE_TIMEOUT != null, "ConnectionConfig idleTimeout needs HttpClient 5.6+ (no"
                + " ConnectionConfig.Builder.setIdleTimeout on this class path)");
    }

    static void assumeMessageMultiplexing() {
        assumeTrue(SET_MESSAGE_MULTIPLEXING != null, "HTTP/2 message multiplexing in the async manager needs"
                + " HttpClient 5.5+ (no PoolingAsyncClientConnectionManagerBuilder.setMessageMultiplexing on this"
                + " class path)");
    }

    static void assumeConnPoolMeters() {
        assumeTrue(GET_CONN_MANAGER != null, "httpclient5-observation's ConnPoolMeters.bindTo calls"
                + " HttpClientBuilder.getConnManager, which needs HttpClient 5.6+");
    }

    /** {@code builder.setIdleTimeout(timeout)}; call {@link #assumeIdleTimeout()} first. */
    static ConnectionConfig.Builder setIdleTimeout(ConnectionConfig.Builder builder, Timeout timeout) {
        return (ConnectionConfig.Builder) invoke(SET_IDLE_TIMEOUT, builder, timeout);
    }

    static Object invoke(Method method, Object target, Object... args) {
        if (method == null) {
            throw new IllegalStateException("not on this class path; the test should have assumed it");
        }
        try {
            return method.invoke(target, args);
        } catch (IllegalAccessException ex) {
            throw new IllegalStateException(ex);
        } catch (InvocationTargetException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException(cause);
        }
    }
}

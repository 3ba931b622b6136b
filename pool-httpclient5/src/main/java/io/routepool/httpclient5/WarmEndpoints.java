package io.routepool.httpclient5;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.io.ConnectionEndpoint;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.nio.AsyncConnectionEndpoint;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.core5.pool.PoolEntry;

/**
 * The endpoints HttpClient's managers connect, around a pool entry of our own, for pre-warming: each manager's
 * {@code connect} takes only its own (package-private) {@code InternalConnectionEndpoint}, so this is how a warm
 * connection is made by exactly the code that connects a request's (the route's connect timeout, socket and TLS
 * configuration, the socket timeout), with nothing of it copied here. Reached by reflection, as
 * {@link AsyncOperators} reaches HttpClient's operator: the constructor ({@code InternalConnectionEndpoint(PoolEntry)})
 * is the same from 5.4 to 5.6. Looked up when a manager that warms is built, so that a class path where it moved fails
 * there, with a message, not at the first maintenance pass.
 */
final class WarmEndpoints {

    private static final String CLASSIC =
            "org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager$InternalConnectionEndpoint";
    private static final String ASYNC =
            "org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager$InternalConnectionEndpoint";

    private final Constructor<?> constructor;

    private WarmEndpoints(final String className) {
        try {
            final Constructor<?> c = Class.forName(className).getDeclaredConstructor(PoolEntry.class);
            c.setAccessible(true);
            this.constructor = c;
        } catch (final ReflectiveOperationException | RuntimeException ex) {
            throw new IllegalStateException("minIdlePerRoute needs HttpClient's " + className
                    + "(PoolEntry) (httpclient5 5.4 to 5.6), not found on this class path: " + ex, ex);
        }
    }

    static WarmEndpoints classic() {
        return new WarmEndpoints(CLASSIC);
    }

    static WarmEndpoints async() {
        return new WarmEndpoints(ASYNC);
    }

    ConnectionEndpoint classic(final PoolEntry<HttpRoute, ManagedHttpClientConnection> entry) {
        return (ConnectionEndpoint) newEndpoint(entry);
    }

    AsyncConnectionEndpoint async(final PoolEntry<HttpRoute, ManagedAsyncClientConnection> entry) {
        return (AsyncConnectionEndpoint) newEndpoint(entry);
    }

    private Object newEndpoint(final PoolEntry<?, ?> entry) {
        try {
            return constructor.newInstance(entry);
        } catch (final InvocationTargetException ex) {
            final Throwable cause = ex.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException("Cannot create " + constructor.getDeclaringClass().getName(), cause);
        } catch (final ReflectiveOperationException ex) {
            throw new IllegalStateException("Cannot create " + constructor.getDeclaringClass().getName(), ex);
        }
    }
}

package io.routepool.httpclient5;

import java.lang.reflect.Constructor;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SchemePortResolver;
import org.apache.hc.client5.http.nio.AsyncClientConnectionOperator;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.http.config.Lookup;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.pool.ManagedConnPool;
import org.apache.hc.core5.util.VersionInfo;

/**
 * The two parts of HttpClient 5's async stack that its public API does not let a subclass of
 * {@code PoolingAsyncClientConnectionManager} build, reached by reflection (both are on the class path with
 * HttpClient itself, so this needs no module opening):
 * <ul>
 *   <li>HttpClient's own {@code DefaultAsyncClientConnectionOperator} (package-private up to 5.5, protected since
 *       5.6): connect, DNS, scheme ports, TLS upgrade, exactly as HttpClient's manager does them;</li>
 *   <li>{@code H2SharingConnPool} (5.5+, experimental): what the superclass wraps a pool in for HTTP/2 message
 *       multiplexing, so several streams share one leased connection.</li>
 * </ul>
 */
final class AsyncOperators {

    private static final String OPERATOR = "org.apache.hc.client5.http.impl.nio.DefaultAsyncClientConnectionOperator";
    private static final String H2_SHARING = "org.apache.hc.client5.http.impl.nio.H2SharingConnPool";

    private AsyncOperators() {
    }

    static AsyncClientConnectionOperator defaultOperator(final Lookup<TlsStrategy> tlsStrategyLookup,
            final SchemePortResolver schemePortResolver, final DnsResolver dnsResolver) {
        try {
            final Constructor<?> c = Class.forName(OPERATOR).getDeclaredConstructor(
                    Lookup.class, SchemePortResolver.class, DnsResolver.class);
            c.setAccessible(true);
            return (AsyncClientConnectionOperator) c.newInstance(tlsStrategyLookup, schemePortResolver, dnsResolver);
        } catch (final ReflectiveOperationException | RuntimeException ex) {
            throw new IllegalStateException("Cannot create HttpClient's " + OPERATOR
                    + " (is httpclient5 5.4 or later on the class path?): " + ex, ex);
        }
    }

    static boolean multiplexingAvailable() {
        try {
            Class.forName(H2_SHARING);
            return true;
        } catch (final ClassNotFoundException ex) {
            return false;
        }
    }

    /** Throws what {@link #sharing} would on a class path without H2SharingConnPool, before anything is built. */
    static void requireMultiplexing() {
        if (!multiplexingAvailable()) {
            throw multiplexingUnsupported(null);
        }
    }

    private static UnsupportedOperationException multiplexingUnsupported(final Throwable cause) {
        final VersionInfo info = VersionInfo.loadVersionInfo("org.apache.hc.client5",
                AsyncClientConnectionOperator.class.getClassLoader());
        final String found = info != null ? info.getRelease() : VersionInfo.UNAVAILABLE;
        final UnsupportedOperationException ex = new UnsupportedOperationException("HTTP/2 message multiplexing needs"
                + " HttpClient 5.5 or later (its H2SharingConnPool); this class path has httpclient5 " + found);
        if (cause != null) {
            ex.initCause(cause);
        }
        return ex;
    }

    @SuppressWarnings("unchecked")
    static ManagedConnPool<HttpRoute, ManagedAsyncClientConnection> sharing(
            final ManagedConnPool<HttpRoute, ManagedAsyncClientConnection> pool) {
        try {
            return (ManagedConnPool<HttpRoute, ManagedAsyncClientConnection>) Class.forName(H2_SHARING)
                    .getConstructor(ManagedConnPool.class).newInstance(pool);
        } catch (final ClassNotFoundException ex) {
            throw multiplexingUnsupported(ex);
        } catch (final ReflectiveOperationException | RuntimeException ex) {
            throw new IllegalStateException("Cannot create HttpClient's " + H2_SHARING + ": " + ex, ex);
        }
    }
}

package io.routepool.benchmarks;

import io.routepool.httpclient5.RoutePoolAsyncClientConnectionManagerBuilder;
import io.routepool.httpclient5.RoutePoolHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.nio.AsyncClientConnectionManager;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.Timeout;

/**
 * The connection managers the HttpClient 5 end-to-end benchmarks compare: routepool's, and HttpClient 5.6's own
 * {@code Pooling*ConnectionManager} with each {@link PoolConcurrencyPolicy}. Every manager gets the same
 * configuration: the limits, a {@link #CONNECTION_CONFIG} with 10 s connect and socket timeouts (so that a broken
 * harness fails instead of hanging; everything else HttpClient's defaults, including validateAfterInactivity 2 s),
 * HTTP/1.1 only, and otherwise the builders' defaults (LIFO reuse, no time to live; routepool's own options too:
 * background maintenance every 1 s, leak and stuck-waiter reports on, no lease stacks). Each is built through its
 * builder, as a user would: {@code RoutePool*ConnectionManagerBuilder} or HttpClient's
 * {@code Pooling*ConnectionManagerBuilder} with {@code setPoolConcurrencyPolicy}.
 */
public enum HttpClient5Manager {
    /** routepool: {@code RoutePoolHttpClientConnectionManager} / {@code RoutePoolAsyncClientConnectionManager}. */
    ROUTEPOOL(null),
    /** HttpClient 5's default: {@code StrictConnPool}, one lock, maxTotal and maxPerRoute enforced. */
    HC5_STRICT(PoolConcurrencyPolicy.STRICT),
    /** {@code LaxConnPool}: lock-free structures, maxPerRoute only. */
    HC5_LAX(PoolConcurrencyPolicy.LAX),
    /** {@code RouteSegmentedConnPool} (httpcore 5.4, experimental): route-segmented, disposal offloaded. */
    HC5_OFFLOCK(PoolConcurrencyPolicy.OFFLOCK);

    static final Timeout TIMEOUT = Timeout.ofSeconds(10);

    static final ConnectionConfig CONNECTION_CONFIG = ConnectionConfig.custom()
            .setConnectTimeout(TIMEOUT)
            .setSocketTimeout(TIMEOUT)
            .build();

    static final TlsConfig HTTP_1_ONLY = TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build();

    private final PoolConcurrencyPolicy policy;

    HttpClient5Manager(PoolConcurrencyPolicy policy) {
        this.policy = policy;
    }

    /** A classic (blocking) connection manager with these limits. */
    HttpClientConnectionManager classic(int maxTotal, int maxPerRoute) {
        if (policy == null) {
            return routepoolClassic(maxTotal, maxPerRoute);
        }
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setPoolConcurrencyPolicy(policy)
                .setMaxConnTotal(maxTotal)
                .setMaxConnPerRoute(maxPerRoute)
                .setDefaultConnectionConfig(CONNECTION_CONFIG)
                .build();
    }

    /** An async connection manager with these limits. */
    AsyncClientConnectionManager async(int maxTotal, int maxPerRoute) {
        if (policy == null) {
            return routepoolAsync(maxTotal, maxPerRoute);
        }
        return PoolingAsyncClientConnectionManagerBuilder.create()
                .setPoolConcurrencyPolicy(policy)
                .setMaxConnTotal(maxTotal)
                .setMaxConnPerRoute(maxPerRoute)
                .setDefaultConnectionConfig(CONNECTION_CONFIG)
                .setDefaultTlsConfig(HTTP_1_ONLY)
                .build();
    }

    /** routepool's builder, with the same settings as HttpClient's; routepool's own options at their defaults. */
    private static HttpClientConnectionManager routepoolClassic(int maxTotal, int maxPerRoute) {
        return RoutePoolHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(maxTotal)
                .setMaxConnPerRoute(maxPerRoute)
                .setDefaultConnectionConfig(CONNECTION_CONFIG)
                .build();
    }

    /** routepool's builder, with the same settings as HttpClient's; routepool's own options at their defaults. */
    private static AsyncClientConnectionManager routepoolAsync(int maxTotal, int maxPerRoute) {
        return RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setMaxConnTotal(maxTotal)
                .setMaxConnPerRoute(maxPerRoute)
                .setDefaultConnectionConfig(CONNECTION_CONFIG)
                .setDefaultTlsConfig(HTTP_1_ONLY)
                .build();
    }
}

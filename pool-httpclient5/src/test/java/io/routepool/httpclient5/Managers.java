package io.routepool.httpclient5;

import java.net.InetAddress;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http2.HttpVersionPolicy;

/**
 * The one place where the integration tests get their connection managers. Tests are written against HttpClient's
 * own types ({@link PoolingHttpClientConnectionManager}, {@link PoolingAsyncClientConnectionManager}); this factory
 * builds routepool's subclasses through their builders ({@link RoutePoolHttpClientConnectionManagerBuilder},
 * {@link RoutePoolAsyncClientConnectionManagerBuilder}), called option for option as HttpClient's own builders are.
 * With {@code -Droutepool.it.managers=stock} it hands out HttpClient's own managers instead: the reference behaviour
 * the tests were first validated on (a test that checks what only routepool does assumes {@link #ROUTEPOOL}).
 */
final class Managers {

    /** True when the tests run on routepool's managers (the default). */
    static final boolean ROUTEPOOL = !"stock".equals(System.getProperty("routepool.it.managers"));

    /** Maps every host name to 127.0.0.1, so that a.test, b.test, ... are distinct routes to one server. */
    static final DnsResolver LOOPBACK = new DnsResolver() {
        @Override
        public InetAddress[] resolve(String host) {
            return new InetAddress[] {InetAddress.getLoopbackAddress()};
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    };

    private Managers() {
    }

    static PoolingHttpClientConnectionManager classic() {
        return classicSpec().build();
    }

    static PoolingHttpClientConnectionManager classic(int maxTotal, int maxPerRoute) {
        return classicSpec().maxTotal(maxTotal).maxPerRoute(maxPerRoute).build();
    }

    static Classic classicSpec() {
        return new Classic();
    }

    static PoolingAsyncClientConnectionManager async() {
        return asyncSpec().build();
    }

    static PoolingAsyncClientConnectionManager async(int maxTotal, int maxPerRoute) {
        return asyncSpec().maxTotal(maxTotal).maxPerRoute(maxPerRoute).build();
    }

    static Async asyncSpec() {
        return new Async();
    }

    /** What a classic test configures; {@link #build()} passes it to the builder of the managers under test. */
    static final class Classic {
        private int maxTotal = -1;
        private int maxPerRoute = -1;
        private ConnectionConfig connectionConfig;
        private SSLContext tls;

        Classic maxTotal(int value) {
            maxTotal = value;
            return this;
        }

        Classic maxPerRoute(int value) {
            maxPerRoute = value;
            return this;
        }

        Classic connectionConfig(ConnectionConfig value) {
            connectionConfig = value;
            return this;
        }

        Classic tls(SSLContext value) {
            tls = value;
            return this;
        }

        PoolingHttpClientConnectionManager build() {
            return ROUTEPOOL ? routepool() : stock();
        }

        private PoolingHttpClientConnectionManager routepool() {
            RoutePoolHttpClientConnectionManagerBuilder b = RoutePoolHttpClientConnectionManagerBuilder.create()
                    .setDnsResolver(LOOPBACK);
            if (maxTotal > 0) {
                b.setMaxConnTotal(maxTotal);
            }
            if (maxPerRoute > 0) {
                b.setMaxConnPerRoute(maxPerRoute);
            }
            if (connectionConfig != null) {
                b.setDefaultConnectionConfig(connectionConfig);
            }
            if (tls != null) {
                b.setTlsSocketStrategy(new DefaultClientTlsStrategy(tls));
            }
            return b.build();
        }

        private PoolingHttpClientConnectionManager stock() {
            PoolingHttpClientConnectionManagerBuilder b = PoolingHttpClientConnectionManagerBuilder.create()
                    .setDnsResolver(LOOPBACK);
            if (maxTotal > 0) {
                b.setMaxConnTotal(maxTotal);
            }
            if (maxPerRoute > 0) {
                b.setMaxConnPerRoute(maxPerRoute);
            }
            if (connectionConfig != null) {
                b.setDefaultConnectionConfig(connectionConfig);
            }
            if (tls != null) {
                b.setTlsSocketStrategy(new DefaultClientTlsStrategy(tls));
            }
            return b.build();
        }
    }

    /** What an async test configures; {@link #build()} passes it to the builder of the managers under test. */
    static final class Async {
        private int maxTotal = -1;
        private int maxPerRoute = -1;
        private ConnectionConfig connectionConfig;
        private SSLContext tls;
        private HttpVersionPolicy versionPolicy;
        private boolean messageMultiplexing;

        Async maxTotal(int value) {
            maxTotal = value;
            return this;
        }

        Async maxPerRoute(int value) {
            maxPerRoute = value;
            return this;
        }

        Async connectionConfig(ConnectionConfig value) {
            connectionConfig = value;
            return this;
        }

        Async tls(SSLContext value) {
            tls = value;
            return this;
        }

        /** FORCE_HTTP_2 for h2c (prior knowledge), NEGOTIATE for ALPN over TLS, FORCE_HTTP_1 for HTTP/1.1. */
        Async versionPolicy(HttpVersionPolicy value) {
            versionPolicy = value;
            return this;
        }

        /** HTTP/2 streams of several leases share one connection (HttpClient 5.5+; assume it first). */
        Async messageMultiplexing(boolean value) {
            messageMultiplexing = value;
            return this;
        }

        PoolingAsyncClientConnectionManager build() {
            return ROUTEPOOL ? routepool() : stock();
        }

        private PoolingAsyncClientConnectionManager routepool() {
            RoutePoolAsyncClientConnectionManagerBuilder b = RoutePoolAsyncClientConnectionManagerBuilder.create()
                    .setDnsResolver(LOOPBACK);
            if (maxTotal > 0) {
                b.setMaxConnTotal(maxTotal);
            }
            if (maxPerRoute > 0) {
                b.setMaxConnPerRoute(maxPerRoute);
            }
            if (connectionConfig != null) {
                b.setDefaultConnectionConfig(connectionConfig);
            }
            if (tls != null) {
                b.setTlsStrategy(new DefaultClientTlsStrategy(tls));
            }
            if (versionPolicy != null) {
                b.setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(versionPolicy).build());
            }
            if (messageMultiplexing) {
                b.setMessageMultiplexing(true);
            }
            return b.build();
        }

        private PoolingAsyncClientConnectionManager stock() {
            PoolingAsyncClientConnectionManagerBuilder b = PoolingAsyncClientConnectionManagerBuilder.create()
                    .setDnsResolver(LOOPBACK);
            if (maxTotal > 0) {
                b.setMaxConnTotal(maxTotal);
            }
            if (maxPerRoute > 0) {
                b.setMaxConnPerRoute(maxPerRoute);
            }
            if (connectionConfig != null) {
                b.setDefaultConnectionConfig(connectionConfig);
            }
            if (tls != null) {
                b.setTlsStrategy(new DefaultClientTlsStrategy(tls));
            }
            if (versionPolicy != null) {
                b.setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(versionPolicy).build());
            }
            if (messageMultiplexing) {
                Hc5Features.invoke(Hc5Features.SET_MESSAGE_MULTIPLEXING, b, true);
            }
            return b.build();
        }
    }
}

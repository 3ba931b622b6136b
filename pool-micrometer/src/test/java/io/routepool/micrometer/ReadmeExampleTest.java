package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.routepool.core.KeyedPool;
import io.routepool.httpclient.RoutePoolConnectionManager;
import io.routepool.httpclient5.RoutePoolAsyncClientConnectionManager;
import io.routepool.httpclient5.RoutePoolAsyncClientConnectionManagerBuilder;
import io.routepool.httpclient5.RoutePoolHttpClientConnectionManager;
import io.routepool.httpclient5.RoutePoolHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.Test;

/**
 * The wiring the README shows (README-section.md), as plain methods: the Spring Boot {@code @Bean} methods for
 * HttpClient 5 and 4.5, and the one-liners. If this stops compiling or binding, the README is wrong.
 */
class ReadmeExampleTest {

    // ---- Spring Boot 3/4, HttpClient 5 classic: the three @Bean methods of the README
    MetricsPoolListener<HttpRoute> poolListener() {
        return MetricsPoolListener.create();
    }

    RoutePoolHttpClientConnectionManager connectionManager(MetricsPoolListener<HttpRoute> poolListener) {
        return RoutePoolHttpClientConnectionManagerBuilder.create()
                .setPoolName("payments")
                .setMaxConnTotal(200)
                .setMaxConnPerRoute(50)
                .setPoolListener(poolListener)
                .build();
    }

    RoutePoolMetrics connectionManagerMetrics(RoutePoolHttpClientConnectionManager connectionManager,
            MetricsPoolListener<HttpRoute> poolListener) {
        return RoutePoolHttpClientConnectionManagerMetrics.builder(connectionManager)
                .leaseWaits(poolListener)
                .build();
    }

    // ---- Spring Boot 2.7, HttpClient 4.5
    MetricsPoolListener<org.apache.http.conn.routing.HttpRoute> poolListener4() {
        return MetricsPoolListener.create();
    }

    RoutePoolConnectionManager connectionManager4(MetricsPoolListener<org.apache.http.conn.routing.HttpRoute> poolListener) {
        return RoutePoolConnectionManager.builder()
                .poolName("payments")
                .listener(poolListener)
                .build();
    }

    RoutePoolMetrics connectionManagerMetrics4(RoutePoolConnectionManager connectionManager,
            MetricsPoolListener<org.apache.http.conn.routing.HttpRoute> poolListener) {
        return RoutePoolConnectionManagerMetrics.builder(connectionManager)
                .leaseWaits(poolListener)
                .build();
    }

    @Test
    void springBootHttpClient5() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        MetricsPoolListener<HttpRoute> listener = poolListener();
        RoutePoolHttpClientConnectionManager cm = connectionManager(listener);
        try (RoutePoolMetrics metrics = connectionManagerMetrics(cm, listener)) {
            metrics.bindTo(registry); // what Spring Boot does with a MeterBinder bean
            Meters meters = new Meters(registry, "payments");
            assertThat(meters.gauge("routepool.connections.max")).isEqualTo(200);
            assertThat(meters.timer("granted").count()).isZero();
        } finally {
            cm.close(CloseMode.GRACEFUL);
        }
        assertThat(registry.getMeters()).as("closed with the context").isEmpty();
    }

    @Test
    void springBootHttpClient4() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        MetricsPoolListener<org.apache.http.conn.routing.HttpRoute> listener = poolListener4();
        RoutePoolConnectionManager cm = connectionManager4(listener);
        try (RoutePoolMetrics metrics = connectionManagerMetrics4(cm, listener)) {
            metrics.bindTo(registry);
            Meters meters = new Meters(registry, "payments");
            assertThat(meters.gauge("routepool.connections.max")).isEqualTo(20);
            assertThat(meters.timer("failed").count()).isZero();
        } finally {
            cm.shutdown();
        }
    }

    @Test
    void oneLiners() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        RoutePoolAsyncClientConnectionManager async = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setPoolName("async").build();
        RoutePoolConnectionManager classic4 = new RoutePoolConnectionManager();
        KeyedPool<String, Integer> pool = KeyedPool.builder(new MemoryConnections()).poolName("core").build();
        try (RoutePoolMetrics a = RoutePoolAsyncClientConnectionManagerMetrics.of(async);
                RoutePoolMetrics b = RoutePoolConnectionManagerMetrics.of(classic4);
                RoutePoolMetrics c = RoutePoolMetrics.of(pool)) {
            a.bindTo(registry);
            b.bindTo(registry);
            c.bindTo(registry);
            assertThat(new Meters(registry, "async").gauge("routepool.connections.max")).isEqualTo(25);
            assertThat(new Meters(registry, b.poolName()).gauge("routepool.connections.max")).isEqualTo(20);
            assertThat(new Meters(registry, "core").gauge("routepool.connections.max")).isEqualTo(20);
            assertThat(registry.find("routepool.leases.wait").timers()).as("no listener, no timer").isEmpty();
        } finally {
            async.close(CloseMode.GRACEFUL);
            classic4.shutdown();
            pool.close();
        }
        assertThat(registry.getMeters()).isEmpty();
    }
}

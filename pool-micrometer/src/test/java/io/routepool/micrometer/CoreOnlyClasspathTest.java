package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.routepool.core.KeyedPool;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Run by its own surefire execution, on the class path of an application that has pool-core and Micrometer only:
 * no adapter, no HttpClient. The binder of a {@link KeyedPool} and the listener must work there.
 */
class CoreOnlyClasspathTest {

    @Test
    void theBinderOfAKeyedPoolNeedsNoHttpClient() throws Exception {
        for (String absent : new String[] {"org.apache.http.conn.routing.HttpRoute", "org.apache.hc.client5.http.HttpRoute",
            "io.routepool.httpclient.RoutePoolConnectionManager", "io.routepool.httpclient5.RoutePoolConnPool"}) {
            assertThatThrownBy(() -> Class.forName(absent)).as(absent).isInstanceOf(ClassNotFoundException.class);
        }
        MetricsPoolListener<String> waits = MetricsPoolListener.create();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KeyedPool<String, Integer> pool = KeyedPool.builder(new MemoryConnections()).listener(waits)
                .maintenanceInterval(Duration.ZERO).poolName("core").build();
                RoutePoolMetrics metrics = RoutePoolMetrics.builder(pool).leaseWaits(waits).build()) {
            metrics.bindTo(registry);
            pool.release(pool.lease("a", null, 5, TimeUnit.SECONDS), true);
            metrics.refresh();
            Meters meters = new Meters(registry, "core");
            assertThat(meters.count("routepool.connections.created")).isEqualTo(1);
            assertThat(meters.routeTags()).containsExactly("a");
            assertThat(meters.timer("granted").count()).isZero();
        }
        assertThat(registry.getMeters()).isEmpty();
    }
}

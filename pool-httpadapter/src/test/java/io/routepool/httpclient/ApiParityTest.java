package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.http.HttpHost;
import org.apache.http.config.ConnectionConfig;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.impl.conn.DefaultHttpClientConnectionOperator;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.impl.conn.SystemDefaultDnsResolver;
import org.apache.http.pool.PoolStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The public surface and the defaults match HttpClient 4.5.14's PoolingHttpClientConnectionManager. */
@Timeout(30)
class ApiParityTest {

    /** The issue's list; the reflective checks below must at least cover these. */
    private static final Set<String> ISSUE_METHODS = Set.of("requestConnection", "releaseConnection", "connect",
            "upgrade", "routeComplete", "shutdown", "close", "closeIdleConnections", "closeExpiredConnections",
            "getMaxTotal", "setMaxTotal", "getDefaultMaxPerRoute", "setDefaultMaxPerRoute", "getMaxPerRoute",
            "setMaxPerRoute", "getTotalStats", "getStats", "getRoutes", "getDefaultSocketConfig",
            "setDefaultSocketConfig", "getDefaultConnectionConfig", "setDefaultConnectionConfig", "getSocketConfig",
            "setSocketConfig", "getConnectionConfig", "setConnectionConfig", "getValidateAfterInactivity",
            "setValidateAfterInactivity");

    private static final HttpRoute ROUTE = new HttpRoute(new HttpHost("127.0.0.1", 8080, "http"));

    @Test
    void everyPublicConstructorOfHttpClientsManagerExistsWithTheSameParameters() throws Exception {
        Constructor<?>[] theirs = PoolingHttpClientConnectionManager.class.getConstructors();
        assertThat(theirs).hasSize(9);
        for (Constructor<?> c : theirs) {
            Constructor<?> ours = RoutePoolConnectionManager.class.getConstructor(c.getParameterTypes());
            assertThat(ours.getModifiers() & Modifier.PUBLIC).as("%s is public", ours).isNotZero();
            assertThat(ours.getGenericParameterTypes()).as("generic parameters of %s", ours)
                    .containsExactly(c.getGenericParameterTypes());
            assertThat(checkedExceptions(ours)).as("checked exceptions of %s", ours)
                    .isSubsetOf(checkedExceptions(c));
        }
    }

    @Test
    void everyPublicMethodOfHttpClientsManagerExistsWithTheSameSignature() throws Exception {
        List<Method> theirs = Arrays.stream(PoolingHttpClientConnectionManager.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !m.isSynthetic() && !m.isBridge())
                .collect(Collectors.toList());
        assertThat(theirs.stream().map(Method::getName).collect(Collectors.toSet())).containsAll(ISSUE_METHODS);
        List<String> checked = new ArrayList<>();
        for (Method m : theirs) {
            Method ours = RoutePoolConnectionManager.class.getMethod(m.getName(), m.getParameterTypes());
            assertThat(ours.getDeclaringClass()).as("%s is implemented by the adapter", m)
                    .isEqualTo(RoutePoolConnectionManager.class);
            assertThat(Modifier.isStatic(ours.getModifiers())).isEqualTo(Modifier.isStatic(m.getModifiers()));
            assertThat(ours.getGenericReturnType()).as("return type of %s", m).isEqualTo(m.getGenericReturnType());
            assertThat(ours.getGenericParameterTypes()).as("generic parameters of %s", m)
                    .containsExactly(m.getGenericParameterTypes());
            assertThat(checkedExceptions(ours)).as("checked exceptions of %s", ours)
                    .isSubsetOf(checkedExceptions(m));
            checked.add(m.getName());
        }
        assertThat(checked).hasSizeGreaterThanOrEqualTo(ISSUE_METHODS.size());
    }

    @Test
    void implementsTheSameInterfaces() {
        assertThat(RoutePoolConnectionManager.class.getInterfaces())
                .contains(PoolingHttpClientConnectionManager.class.getInterfaces());
    }

    private static List<Class<?>> checkedExceptions(Executable e) {
        return Arrays.stream(e.getExceptionTypes())
                .filter(t -> !RuntimeException.class.isAssignableFrom(t) && !Error.class.isAssignableFrom(t))
                .collect(Collectors.toList());
    }

    @Test
    void defaultsAreHttpClients() {
        try (RoutePoolConnectionManager ours = new RoutePoolConnectionManager();
             PoolingHttpClientConnectionManager theirs = new PoolingHttpClientConnectionManager()) {
            assertThat(ours.getMaxTotal()).isEqualTo(theirs.getMaxTotal()).isEqualTo(20);
            assertThat(ours.getDefaultMaxPerRoute()).isEqualTo(theirs.getDefaultMaxPerRoute()).isEqualTo(2);
            assertThat(ours.getValidateAfterInactivity()).isEqualTo(theirs.getValidateAfterInactivity()).isEqualTo(2000);
            assertThat(ours.getMaxPerRoute(ROUTE)).isEqualTo(2);
            assertThat(ours.getDefaultSocketConfig()).isNull();
            assertThat(ours.getDefaultConnectionConfig()).isNull();
            assertThat(ours.getTotalStats().toString()).isEqualTo(theirs.getTotalStats().toString())
                    .isEqualTo("[leased: 0; pending: 0; available: 0; max: 20]");
        }
    }

    @Test
    void limitsBehaveAsHttpClientsForEveryValue() {
        try (RoutePoolConnectionManager ours = new RoutePoolConnectionManager();
             PoolingHttpClientConnectionManager theirs = new PoolingHttpClientConnectionManager()) {
            for (int max : new int[] {0, 1, 7, -1, 3, -5}) {
                ours.setMaxPerRoute(ROUTE, max);
                theirs.setMaxPerRoute(ROUTE, max);
                assertThat(ours.getMaxPerRoute(ROUTE)).as("after setMaxPerRoute(%d)", max)
                        .isEqualTo(theirs.getMaxPerRoute(ROUTE));
            }
            ours.setDefaultMaxPerRoute(5);
            assertThat(ours.getMaxPerRoute(ROUTE)).isEqualTo(5);
            for (int bad : new int[] {0, -1}) {
                assertThatThrownBy(() -> ours.setMaxTotal(bad)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> theirs.setMaxTotal(bad)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> ours.setDefaultMaxPerRoute(bad)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> theirs.setDefaultMaxPerRoute(bad)).isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> ours.setMaxPerRoute(null, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ours.getStats(null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ours.requestConnection(null, null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ours.closeIdleConnections(1, null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> theirs.closeIdleConnections(1, null)).isInstanceOf(IllegalArgumentException.class);
            ours.setMaxTotal(3);
            assertThat(ours.getTotalStats().getMax()).isEqualTo(3);
        }
    }

    @Test
    void getStatsRegistersTheRouteAsHttpClientDoes() {
        try (RoutePoolConnectionManager ours = new RoutePoolConnectionManager();
             PoolingHttpClientConnectionManager theirs = new PoolingHttpClientConnectionManager()) {
            ours.setMaxPerRoute(ROUTE, 4);
            PoolStats s = ours.getStats(ROUTE);
            assertThat(s).isInstanceOf(PoolStats.class);
            assertThat(s.toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 4]");
            theirs.getStats(ROUTE);
            assertThat(ours.getRoutes()).isEqualTo(theirs.getRoutes()).containsExactly(ROUTE);
            ours.closeExpiredConnections();
            theirs.closeExpiredConnections();
            assertThat(ours.getRoutes()).isEqualTo(theirs.getRoutes()).isEmpty();
        }
    }

    @Test
    void validateAfterInactivityReadsBackWhatWasSet() {
        try (RoutePoolConnectionManager ours = new RoutePoolConnectionManager();
             PoolingHttpClientConnectionManager theirs = new PoolingHttpClientConnectionManager()) {
            for (int v : new int[] {500, 0, -1, 2000}) {
                ours.setValidateAfterInactivity(v);
                theirs.setValidateAfterInactivity(v);
                assertThat(ours.getValidateAfterInactivity()).isEqualTo(theirs.getValidateAfterInactivity());
            }
        }
    }

    @Test
    void configAccessorsStoreAndReturn() {
        try (RoutePoolConnectionManager cm = new RoutePoolConnectionManager()) {
            HttpHost host = new HttpHost("example.test", 80);
            SocketConfig sc = SocketConfig.custom().setSoTimeout(1234).build();
            ConnectionConfig cc = ConnectionConfig.custom().setBufferSize(4096).build();
            cm.setDefaultSocketConfig(sc);
            cm.setDefaultConnectionConfig(cc);
            cm.setSocketConfig(host, sc);
            cm.setConnectionConfig(host, cc);
            assertThat(cm.getDefaultSocketConfig()).isSameAs(sc);
            assertThat(cm.getDefaultConnectionConfig()).isSameAs(cc);
            assertThat(cm.getSocketConfig(host)).isSameAs(sc);
            assertThat(cm.getConnectionConfig(host)).isSameAs(cc);
            assertThat(cm.getSocketConfig(new HttpHost("other.test", 80))).isNull();
        }
    }

    @Test
    void builderSetsWhatHttpClientsConstructorsCannot() {
        SocketConfig sc = SocketConfig.custom().setSoTimeout(777).build();
        ConnectionConfig cc = ConnectionConfig.custom().setBufferSize(1024).build();
        try (RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder()
                .maxTotal(7)
                .defaultMaxPerRoute(3)
                .timeToLive(Duration.ofMinutes(1))
                .validateAfterInactivity(Duration.ofMillis(250))
                .defaultSocketConfig(sc)
                .defaultConnectionConfig(cc)
                .dnsResolver(SystemDefaultDnsResolver.INSTANCE)
                .build()) {
            assertThat(cm.getMaxTotal()).isEqualTo(7);
            assertThat(cm.getDefaultMaxPerRoute()).isEqualTo(3);
            assertThat(cm.getValidateAfterInactivity()).isEqualTo(250);
            assertThat(cm.getDefaultSocketConfig()).isSameAs(sc);
            assertThat(cm.getDefaultConnectionConfig()).isSameAs(cc);
        }
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().maxTotal(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder().defaultMaxPerRoute(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RoutePoolConnectionManager.builder()
                .connectionOperator(new DefaultHttpClientConnectionOperator(
                        RegistryBuilder.<ConnectionSocketFactory>create()
                                .register("http", PlainConnectionSocketFactory.INSTANCE).build(), null, null))
                .dnsResolver(SystemDefaultDnsResolver.INSTANCE)
                .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("connectionOperator");
    }

    @Test
    void constructorsRejectWhatHttpClientsReject() {
        assertThatThrownBy(() -> new RoutePoolConnectionManager(null, null, 1, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PoolingHttpClientConnectionManager(null, null, 1, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RoutePoolConnectionManager(
                (org.apache.http.config.Registry<ConnectionSocketFactory>) null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PoolingHttpClientConnectionManager(
                (org.apache.http.config.Registry<ConnectionSocketFactory>) null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shutdownIsIdempotentAndRefusesLaterRequests() {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        cm.shutdown();
        cm.shutdown();
        cm.close();
        assertThatThrownBy(() -> cm.requestConnection(ROUTE, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Connection pool shut down");
        assertThat(cm.toString()).contains("shut down");
    }
}

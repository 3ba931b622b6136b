package io.routepool.httpclient;

import static io.routepool.httpclient.SuperclassPoolProbe.assertSuperclassPoolUntouched;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.LeaseInfo;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.config.RegistryBuilder;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.DnsResolver;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.pool.AbstractConnPool;
import org.apache.http.pool.PoolEntry;
import org.apache.http.pool.PoolStats;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RoutePoolConnectionManager} is a {@link PoolingHttpClientConnectionManager}: code typed to HttpClient's class
 * (a field, a method's return, a Spring {@code @Bean}) takes it, and every call through that type reaches routepool's
 * pool, never the superclass's own (which {@link SuperclassPoolProbe} reads to prove it saw nothing). Real requests
 * through HttpClient 4.5 against HttpCore's server on 127.0.0.1.
 */
@Timeout(60)
class TypedAsHttpClientsManagerTest {

    /** Maps every host name to 127.0.0.1, so that b.test is a second route to the same server. */
    private static final DnsResolver LOOPBACK = host -> new InetAddress[] {InetAddress.getLoopbackAddress()};

    /** A field typed as HttpClient's manager, built with one of HttpClient's constructors. */
    private final PoolingHttpClientConnectionManager field = new RoutePoolConnectionManager(
            RegistryBuilder.<ConnectionSocketFactory>create()
                    .register("http", PlainConnectionSocketFactory.getSocketFactory())
                    .build(),
            LOOPBACK);

    private TestServer server;
    private final List<CloseableHttpClient> clients = new ArrayList<>();
    private final List<PoolingHttpClientConnectionManager> managers = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** A method whose return is typed as HttpClient's manager, as a Spring {@code @Bean} method is. */
    static PoolingHttpClientConnectionManager connectionManager() {
        PoolingHttpClientConnectionManager cm = new RoutePoolConnectionManager();
        cm.setMaxTotal(10);
        cm.setDefaultMaxPerRoute(4);
        return cm;
    }

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start();
        managers.add(field);
    }

    @AfterEach
    void stop() throws IOException {
        threads.shutdownNow();
        for (CloseableHttpClient c : clients) {
            c.close();
        }
        for (PoolingHttpClientConnectionManager cm : managers) {
            cm.shutdown();
        }
        server.close();
    }

    private CloseableHttpClient client(PoolingHttpClientConnectionManager cm) {
        CloseableHttpClient c = HttpClients.custom().setConnectionManager(cm).disableAutomaticRetries().build();
        clients.add(c);
        return c;
    }

    /** GET, body read to the end; returns the client port the server saw. */
    private static int get(CloseableHttpClient client, String url) throws IOException {
        try (CloseableHttpResponse response = client.execute(new HttpGet(url))) {
            assertThat(response.getStatusLine().getStatusCode()).isEqualTo(200);
            assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("hello");
            return Integer.parseInt(response.getFirstHeader(TestServer.CLIENT_PORT).getValue());
        }
    }

    private static RoutePoolConnectionManager ours(PoolingHttpClientConnectionManager cm) {
        assertThat(cm).isInstanceOf(RoutePoolConnectionManager.class);
        return (RoutePoolConnectionManager) cm;
    }

    // ---------------------------------------------------------------- the type

    /**
     * Every public or protected instance method that HttpClient's class declares, or inherits from a superclass below
     * Object, is declared again by ours: a method HttpClient adds in a later version, which would otherwise run on
     * the superclass's pool, fails this test.
     */
    @Test
    void everyPublicAndProtectedMethodOfHttpClientsManagerIsOverridden() {
        List<Method> inherited = new ArrayList<>();
        for (Class<?> c = PoolingHttpClientConnectionManager.class; c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                int mod = m.getModifiers();
                if (!Modifier.isStatic(mod) && !m.isSynthetic() && !m.isBridge()
                        && (Modifier.isPublic(mod) || Modifier.isProtected(mod))) {
                    inherited.add(m);
                }
            }
        }
        assertThat(inherited.stream().map(Method::getName).collect(Collectors.toSet())).as("HttpClient 4.5.14's list")
                .contains("requestConnection", "leaseConnection", "releaseConnection", "connect", "upgrade",
                        "routeComplete", "shutdown", "close", "finalize", "closeIdleConnections",
                        "closeExpiredConnections", "enumAvailable", "enumLeased", "getMaxTotal", "setMaxTotal",
                        "getDefaultMaxPerRoute", "setDefaultMaxPerRoute", "getMaxPerRoute", "setMaxPerRoute",
                        "getTotalStats", "getStats", "getRoutes", "getDefaultSocketConfig", "setDefaultSocketConfig",
                        "getDefaultConnectionConfig", "setDefaultConnectionConfig", "getSocketConfig",
                        "setSocketConfig", "getConnectionConfig", "setConnectionConfig", "getValidateAfterInactivity",
                        "setValidateAfterInactivity");

        List<String> notOverridden = new ArrayList<>();
        for (Method m : inherited) {
            try {
                Method o = RoutePoolConnectionManager.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
                if (Modifier.isStatic(o.getModifiers()) || Modifier.isAbstract(o.getModifiers()) || o.isBridge()) {
                    notOverridden.add(m.toGenericString() + " (ours is static, abstract or a bridge)");
                }
            } catch (NoSuchMethodException ex) {
                notOverridden.add(m.toGenericString());
            }
        }
        assertThat(notOverridden).as("methods of HttpClient's manager that would run on the superclass's pool").isEmpty();
        assertThat(inherited).as("32 in HttpClient 4.5.14").hasSizeGreaterThanOrEqualTo(32);
    }

    /** Our class calls nothing of its superclass through {@code super} but the constructor, so the superclass's pool is never reached. */
    @Test
    void ourClassesReferToNoMemberOfTheSuperclassButItsConstructor() throws IOException {
        assertThat(SuperclassPoolProbe.superclassMembersReferencedBy(RoutePoolConnectionManager.class))
                .containsExactly("<init>");
        assertThat(SuperclassPoolProbe.superclassMembersReferencedBy(RoutePoolConnectionManager.Builder.class)).isEmpty();
    }

    /** Were the superclass's pool ever asked, it could lease nothing: its connection factory creates no connection. */
    @Test
    void theSuperclassPoolCanCreateNoConnectionAndLeaseConnectionIsRefused() {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        managers.add(cm);
        Future<?> superLease = SuperclassPoolProbe.superclassPool(cm).lease(server.route(), null);
        assertThatThrownBy(() -> superLease.get(5, TimeUnit.SECONDS))
                .hasStackTraceContaining("the pool of its superclass PoolingHttpClientConnectionManager is never used");
        PoolStats afterRefusal = SuperclassPoolProbe.superclassPool(cm).getTotalStats();
        assertThat(afterRefusal.getLeased() + afterRefusal.getAvailable() + afterRefusal.getPending()).isZero();

        assertThatThrownBy(() -> cm.leaseConnection(superLease, 1, TimeUnit.SECONDS))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("requestConnection");
        assertThat(server.accepted.get()).isZero();
    }

    // ---------------------------------------------------------------- real requests through the typed references

    @Test
    void aFieldTypedAsHttpClientsManagerServesRequestsFromRoutepoolsPool() throws Exception {
        CloseableHttpClient client = client(field);
        Set<Integer> portsA = new HashSet<>();
        Set<Integer> portsB = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            portsA.add(get(client, server.url("/hello")));
        }
        for (int i = 0; i < 3; i++) {
            portsB.add(get(client, server.host("b.test").toURI() + "/hello"));
        }

        assertThat(portsA).hasSize(1);
        assertThat(portsB).hasSize(1).doesNotContainAnyElementsOf(portsA);
        assertThat(server.accepted.get()).isEqualTo(2);
        assertThat(server.served.get()).isEqualTo(8);
        assertThat(field.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 2; max: 20]");
        assertThat(field.getStats(server.route("b.test")).getAvailable()).isEqualTo(1);
        assertThat(field.getRoutes()).containsExactlyInAnyOrder(server.route(), server.route("b.test"));
        assertThat(ours(field).getCounters().created()).isEqualTo(2);
        assertThat(ours(field).getCounters().reused()).isEqualTo(6);

        // a response not yet consumed holds its connection: routepool's books say who
        try (CloseableHttpResponse held = client.execute(new HttpGet(server.url("/big")))) {
            assertThat(field.getTotalStats().getLeased()).isEqualTo(1);
            List<LeaseInfo<HttpRoute>> leases = ours(field).getLeases();
            assertThat(leases).singleElement().satisfies(l -> {
                assertThat(l.route()).isEqualTo(server.route());
                assertThat(l.holder()).isEqualTo(Thread.currentThread().getName());
            });
            List<PoolEntry<HttpRoute, ManagedHttpClientConnection>> leased = new CopyOnWriteArrayList<>();
            ours(field).enumLeased(leased::add);
            assertThat(leased).singleElement().satisfies(e -> {
                assertThat(e.getRoute()).isEqualTo(server.route());
                assertThat(e.getConnection().isOpen()).isTrue();
                assertThat(e.isClosed()).isFalse();
            });
            EntityUtils.consume(held.getEntity());
        }
        assertThat(field.getTotalStats().getLeased()).isZero();
        assertSuperclassPoolUntouched(field);
    }

    @Test
    void aMethodTypedAsHttpClientsManagerServesConcurrentRequestsFromRoutepoolsPool() throws Exception {
        PoolingHttpClientConnectionManager cm = connectionManager();
        managers.add(cm);
        CloseableHttpClient client = client(cm);
        int threadCount = 4;
        int perThread = 25;
        Set<Integer> ports = ConcurrentHashMap.newKeySet();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threadCount; t++) {
            done.add(threads.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    ports.add(get(client, server.url("/hello")));
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }

        int opened = server.accepted.get();
        assertThat(opened).isBetween(1, 4); // the route's limit, set through HttpClient's type
        assertThat(ports).hasSize(opened);
        assertThat(server.served.get()).isEqualTo(threadCount * perThread);
        assertThat(cm.getMaxTotal()).isEqualTo(10);
        assertThat(cm.getMaxPerRoute(server.route())).isEqualTo(4);
        PoolStats total = cm.getTotalStats();
        assertThat(total.getLeased()).isZero();
        assertThat(total.getPending()).isZero();
        assertThat(total.getAvailable()).isEqualTo(opened);
        assertThat(total.getMax()).isEqualTo(10);
        assertThat(ours(cm).getCounters().created()).isEqualTo(opened);
        assertThat(ours(cm).getCounters().reused()).isEqualTo(threadCount * perThread - opened);
        assertSuperclassPoolUntouched(cm);

        cm.closeIdleConnections(0, TimeUnit.MILLISECONDS);
        assertThat(cm.getTotalStats().getAvailable()).isZero();
        Await.until("the server saw the idle connections closed", () -> server.ended.get() == opened);
        cm.shutdown();
        assertThatThrownBy(() -> cm.requestConnection(server.route(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("Connection pool shut down");
        assertSuperclassPoolUntouched(cm);
    }

    @Test
    void enumAvailableShowsRoutepoolsIdleConnectionsAndClosesThoseTheCallbackCloses() throws Exception {
        CloseableHttpClient client = client(field);
        get(client, server.url("/hello"));
        get(client, server.host("b.test").toURI() + "/hello");
        assertThat(field.getTotalStats().getAvailable()).isEqualTo(2);

        long now = System.currentTimeMillis();
        List<PoolEntry<HttpRoute, ManagedHttpClientConnection>> seen = new CopyOnWriteArrayList<>();
        ours(field).enumAvailable(seen::add);
        assertThat(seen).extracting(PoolEntry::getRoute)
                .containsExactlyInAnyOrder(server.route(), server.route("b.test"));
        assertThat(seen).extracting(PoolEntry::getId).containsExactlyInAnyOrder("1", "2");
        for (PoolEntry<HttpRoute, ManagedHttpClientConnection> e : seen) {
            assertThat(e.getConnection().isOpen()).isTrue();
            assertThat(e.getState()).isNull();
            assertThat(e.getCreated()).isBetween(now - 60_000, now + 1_000);
            assertThat(e.getUpdated()).isGreaterThanOrEqualTo(e.getCreated() - 1);
            assertThat(e.getExpiry()).as("30 s of keep-alive at most").isLessThanOrEqualTo(now + 31_000);
            assertThat(e.isExpired(now)).isFalse();
            assertThat(e.toString()).contains("[route:" + e.getRoute() + "]");
            assertThatThrownBy(() -> e.setState("x")).isInstanceOf(UnsupportedOperationException.class);
        }

        ours(field).enumAvailable(e -> {
            if (e.getRoute().equals(server.route("b.test"))) {
                e.close();
            }
        });
        assertThat(field.getStats(server.route("b.test")).getAvailable()).as("closed by the callback, dropped").isZero();
        assertThat(field.getStats(server.route()).getAvailable()).isEqualTo(1);
        Await.until("the server saw one connection closed", () -> server.ended.get() == 1);
        assertThat(ours(field).getCounters().closed()).isEqualTo(1);
        assertSuperclassPoolUntouched(field);
    }

    /** {@code finalize()} is HttpClient's way to shut a dropped manager down; ours shuts routepool's pool down. */
    @Test
    void finalizeShutsDownRoutepoolsPool() throws Exception {
        RoutePoolConnectionManager cm = (RoutePoolConnectionManager) connectionManager();
        managers.add(cm);
        get(client(cm), server.url("/hello"));
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);

        cm.finalize();

        assertThat(cm.getTotalStats().getAvailable()).isZero();
        Await.until("the server saw the idle connection closed", () -> server.ended.get() == 1);
        assertThatThrownBy(() -> cm.requestConnection(server.route(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("Connection pool shut down");
        assertThat(cm.toString()).contains("shut down");
        assertSuperclassPoolUntouched(cm);
    }

    /**
     * The superclass's fields hold nothing of ours: its configuration is its own (ours does not reach it), its pool's
     * connection factory and its operator are the stateless singletons of {@link SuperclassPool}.
     */
    @Test
    void theSuperclassHoldsNothingOfOurs() {
        RoutePoolConnectionManager cm = RoutePoolConnectionManager.builder().dnsResolver(LOOPBACK).build();
        managers.add(cm);
        cm.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(1234).build());
        assertThat(cm.getDefaultSocketConfig().getSoTimeout()).isEqualTo(1234);

        Object configData = SuperclassPoolProbe.superclassField(cm, "configData");
        assertThat(SuperclassPoolProbe.field(configData.getClass(), configData, "defaultSocketConfig")).isNull();
        Object factory = SuperclassPoolProbe.field(AbstractConnPool.class, SuperclassPoolProbe.superclassPool(cm),
                "connFactory");
        assertThat(SuperclassPoolProbe.field(factory.getClass(), factory, "connFactory"))
                .isSameAs(SuperclassPool.CONNECTIONS);
        assertThat(SuperclassPoolProbe.field(factory.getClass(), factory, "configData")).isSameAs(configData);
        assertSuperclassPoolUntouched(cm);
    }
}

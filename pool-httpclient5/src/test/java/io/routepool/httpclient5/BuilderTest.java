package io.routepool.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.SchemePortResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Lookup;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.http.protocol.BasicHttpContext;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolEntry;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.apache.hc.core5.util.VersionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.routepool.core.Diagnostic;
import io.routepool.core.KeyedPool;
import io.routepool.core.LeaseInfo;
import io.routepool.core.PoolListener;
import io.routepool.core.PoolLogger;
import io.routepool.core.SelfDeadlockException;

/**
 * The two builders: every option of HttpClient's builders exists on ours, and each option, HttpClient's or
 * routepool's, reaches the manager or its pool. No network: connections are stand-ins assigned to pool entries.
 */
class BuilderTest {

    /** The reports the tests provoke go here, not to the console; tests that expect one assert on it. */
    private final CapturedLogs log = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS);

    @org.junit.jupiter.api.AfterEach
    void closeLog() {
        log.close();
    }

    private static final HttpRoute ROUTE = new HttpRoute(new HttpHost("http", "a.example", 80));

    // ------------------------------------------------------------------------------------ option for option

    static Stream<Arguments> builderPairs() {
        return Stream.of(
                Arguments.of(PoolingHttpClientConnectionManagerBuilder.class,
                        RoutePoolHttpClientConnectionManagerBuilder.class),
                Arguments.of(PoolingAsyncClientConnectionManagerBuilder.class,
                        RoutePoolAsyncClientConnectionManagerBuilder.class));
    }

    @ParameterizedTest
    @MethodSource("builderPairs")
    void everyPublicSetterOfHttpClientsBuilderHasTheSameOnOurs(Class<?> theirs, Class<?> ours) throws Exception {
        List<Method> setters = fluentSetters(theirs);
        assertThat(setters).extracting(Method::getName)
                .as("what HttpClient's builder is seen to offer")
                .contains("setMaxConnTotal", "setMaxConnPerRoute", "setConnPoolPolicy", "useSystemProperties");
        assertThat(missing(theirs, ours)).as("HttpClient's options absent from " + ours.getSimpleName()).isEmpty();
        for (Method m : setters) {
            Method mine = ours.getMethod(m.getName(), m.getParameterTypes());
            assertThat(mine.getReturnType()).as(m.getName() + " returns the builder").isEqualTo(ours);
            assertThat(mine.isAnnotationPresent(Deprecated.class)).as(m.getName() + " deprecated as HttpClient's")
                    .isEqualTo(m.isAnnotationPresent(Deprecated.class));
        }
        Method create = ours.getMethod("create");
        assertThat(Modifier.isStatic(create.getModifiers())).isTrue();
        assertThat(create.getReturnType()).isEqualTo(ours);
        assertThat(theirs.getMethod("build").getReturnType()).as("a drop-in")
                .isAssignableFrom(ours.getMethod("build").getReturnType());
    }

    @Test
    void theOptionForOptionCheckSeesAMissingOption() {
        assertThat(missing(PoolingHttpClientConnectionManagerBuilder.class, Object.class))
                .contains("setMaxConnTotal(int)", "setTlsSocketStrategy(TlsSocketStrategy)");
        assertThat(missing(PoolingAsyncClientConnectionManagerBuilder.class,
                RoutePoolHttpClientConnectionManagerBuilder.class))
                .as("the classic builder has no setTlsStrategy(TlsStrategy)").contains("setTlsStrategy(TlsStrategy)");
    }

    /** Public instance methods of {@code builder} that return the builder: its options. */
    private static List<Method> fluentSetters(Class<?> builder) {
        List<Method> setters = new ArrayList<>();
        for (Method m : builder.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && m.getReturnType() == builder) {
                setters.add(m);
            }
        }
        return setters;
    }

    private static List<String> missing(Class<?> theirs, Class<?> ours) {
        List<String> missing = new ArrayList<>();
        for (Method m : fluentSetters(theirs)) {
            try {
                ours.getMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException ex) {
                missing.add(m.getName() + "(" + String.join(", ",
                        Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).toArray(String[]::new)) + ")");
            }
        }
        return missing;
    }

    // ------------------------------------------------------------------------------------ HttpClient's options

    @ParameterizedTest
    @EnumSource(Side.class)
    void limitsReachTheManagerAndItsPool(Side side) throws Exception {
        try (Built b = side.builder().maxConnTotal(7).maxConnPerRoute(3).build()) {
            assertThat(b.control().getMaxTotal()).isEqualTo(7);
            assertThat(b.control().getDefaultMaxPerRoute()).isEqualTo(3);
            assertThat(b.pool.getMaxTotal()).isEqualTo(7);
            assertThat(b.pool.getDefaultMaxPerRoute()).isEqualTo(3);
        }
        try (Built b = side.builder().maxConnTotal(0).maxConnPerRoute(-1).build()) {
            assertThat(b.control().getMaxTotal()).as("as HttpClient's: not positive keeps the default").isEqualTo(25);
            assertThat(b.control().getDefaultMaxPerRoute()).isEqualTo(5);
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void theReusePolicyDecidesWhichIdleConnectionALeaseTakes(Side side) throws Exception {
        assertThat(secondReleasedIsReused(side, PoolReusePolicy.LIFO)).isTrue();
        assertThat(secondReleasedIsReused(side, null)).as("null: LIFO, as HttpClient's").isTrue();
        assertThat(secondReleasedIsReused(side, PoolReusePolicy.FIFO)).isFalse();
    }

    private static boolean secondReleasedIsReused(Side side, PoolReusePolicy policy) throws Exception {
        try (Built b = side.builder().connPoolPolicy(policy).maintenanceInterval(TimeValue.ZERO_MILLISECONDS).build()) {
            PoolEntry<HttpRoute, ModalCloseable> first = b.leaseWithConnection();
            PoolEntry<HttpRoute, ModalCloseable> second = b.leaseWithConnection();
            b.pool.release(first, true);
            b.pool.release(second, true);
            PoolEntry<HttpRoute, ModalCloseable> next = b.pool.lease(ROUTE, null).get(5, TimeUnit.SECONDS);
            assertThat(next).isIn(first, second);
            b.pool.release(next, true);
            return next == second;
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aConcurrencyPolicyIsAcceptedAndTheLimitsStayStrict(Side side) throws Exception {
        for (PoolConcurrencyPolicy policy : PoolConcurrencyPolicy.values()) {
            try (Built b = side.builder().poolConcurrencyPolicy(policy).maxConnTotal(1).build()) {
                assertThat(b.control().getMaxTotal()).isEqualTo(1);
                PoolEntry<HttpRoute, ModalCloseable> held = b.leaseWithConnection();
                Future<PoolEntry<HttpRoute, ModalCloseable>> more =
                        b.pool.lease(new HttpRoute(new HttpHost("http", "b.example", 80)), null,
                                Timeout.ofMilliseconds(50), null);
                assertThatThrownBy(() -> more.get(10, TimeUnit.SECONDS)).as(policy.name())
                        .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
                b.pool.release(held, true);
            }
        }
    }

    @Test
    void classicConfigsAndComponentsReachTheManager() throws Exception {
        SocketConfig socket = SocketConfig.custom().setSoTimeout(Timeout.ofSeconds(7)).build();
        ConnectionConfig connection = ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(8)).build();
        TlsConfig tls = TlsConfig.custom().setHandshakeTimeout(Timeout.ofSeconds(9)).build();
        TlsSocketStrategy tlsStrategy = (s, target, port, attachment, context) -> null;
        DnsResolver dns = new NoDns();
        SchemePortResolver ports = host -> 1234;
        ManagedHttpClientConnectionFactory factory = ManagedHttpClientConnectionFactory.builder().build();
        RoutePoolHttpClientConnectionManagerBuilder builder = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setDefaultSocketConfig(socket).setDefaultConnectionConfig(connection).setDefaultTlsConfig(tls)
                .setTlsSocketStrategy(tlsStrategy).setDnsResolver(dns).setSchemePortResolver(ports)
                .setConnectionFactory(factory).setOffLockDisposalEnabled(true);
        try (RoutePoolHttpClientConnectionManager m = builder.build()) {
            assertThat(resolved(m, "socketConfigResolver", ROUTE)).isSameAs(socket);
            assertThat(resolved(m, "connectionConfigResolver", ROUTE)).isSameAs(connection);
            assertThat(resolved(m, "tlsConfigResolver", ROUTE.getTargetHost())).isSameAs(tls);
            assertThat(field(m, "connFactory")).isSameAs(factory);
            Object operator = field(m, "connectionOperator");
            assertThat(((Lookup<?>) field(operator, "tlsSocketStrategyLookup")).lookup("https")).isSameAs(tlsStrategy);
            assertThat(field(operator, "dnsResolver")).isSameAs(dns);
            assertThat(field(operator, "schemePortResolver")).isSameAs(ports);
        }
        Resolver<HttpRoute, SocketConfig> sockets = route -> socket;
        Resolver<HttpRoute, ConnectionConfig> connections = route -> connection;
        Resolver<HttpHost, TlsConfig> tlss = host -> tls;
        try (RoutePoolHttpClientConnectionManager m = builder.setSocketConfigResolver(sockets)
                .setConnectionConfigResolver(connections).setTlsConfigResolver(tlss).build()) {
            assertThat(field(m, "socketConfigResolver")).isSameAs(sockets);
            assertThat(field(m, "connectionConfigResolver")).isSameAs(connections);
            assertThat(field(m, "tlsConfigResolver")).isSameAs(tlss);
        }
    }

    @Test
    void asyncConfigsAndComponentsReachTheManager() throws Exception {
        ConnectionConfig connection = ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(8)).build();
        TlsConfig tls = TlsConfig.custom().setHandshakeTimeout(Timeout.ofSeconds(9)).build();
        TlsStrategy tlsStrategy = DefaultClientTlsStrategy.createDefault();
        DnsResolver dns = new NoDns();
        SchemePortResolver ports = host -> 1234;
        RoutePoolAsyncClientConnectionManagerBuilder builder = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(connection).setDefaultTlsConfig(tls)
                .setTlsStrategy(tlsStrategy).setDnsResolver(dns).setSchemePortResolver(ports);
        try (RoutePoolAsyncClientConnectionManager m = builder.build()) {
            assertThat(resolved(m, "connectionConfigResolver", ROUTE)).isSameAs(connection);
            assertThat(resolved(m, "tlsConfigResolver", ROUTE.getTargetHost())).isSameAs(tls);
            Object operator = field(m, "connectionOperator");
            assertThat(((Lookup<?>) field(operator, "tlsStrategyLookup")).lookup("https")).isSameAs(tlsStrategy);
            assertThat(field(field(operator, "sessionRequester"), "dnsResolver")).isSameAs(dns);
            assertThat(field(operator, "schemePortResolver")).isSameAs(ports);
        }
        Resolver<HttpRoute, ConnectionConfig> connections = route -> connection;
        Resolver<HttpHost, TlsConfig> tlss = host -> tls;
        try (RoutePoolAsyncClientConnectionManager m = builder.setConnectionConfigResolver(connections)
                .setTlsConfigResolver(tlss).build()) {
            assertThat(field(m, "connectionConfigResolver")).isSameAs(connections);
            assertThat(field(m, "tlsConfigResolver")).isSameAs(tlss);
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void theConnectionConfigsTimeToLiveIsEnforcedByThePool(Side side) throws Exception {
        try (Built b = side.builder().maintenanceInterval(TimeValue.ZERO_MILLISECONDS)
                .defaultConnectionConfig(ConnectionConfig.custom().setTimeToLive(TimeValue.ZERO_MILLISECONDS).build())
                .build()) {
            PoolEntry<HttpRoute, ModalCloseable> e = b.leaseWithConnection();
            Fake conn = Fake.of(e);
            b.pool.release(e, true);
            assertThat(conn.closed).as("a time to live of 0 closes on release").isTrue();
            assertThat(b.pool.getTotalStats().getAvailable()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    @SuppressWarnings("deprecation")
    void theDeprecatedTimeToLiveAndValidateAfterInactivityReplaceTheDefaultConnectionConfig(Side side) throws Exception {
        try (Built b = side.builder().deprecatedTimeToLive(TimeValue.ofSeconds(11)).build()) {
            ConnectionConfig c = (ConnectionConfig) resolved(b.manager, "connectionConfigResolver", ROUTE);
            assertThat(c.getTimeToLive()).isEqualTo(TimeValue.ofSeconds(11));
        }
        try (Built b = side.builder().deprecatedTimeToLive(TimeValue.ofSeconds(11))
                .deprecatedValidateAfterInactivity(TimeValue.ofSeconds(12)).build()) {
            ConnectionConfig c = (ConnectionConfig) resolved(b.manager, "connectionConfigResolver", ROUTE);
            assertThat(c.getValidateAfterInactivity()).isEqualTo(TimeValue.ofSeconds(12));
            assertThat(c.getTimeToLive()).as("as HttpClient's: the last one replaces the config").isNull();
        }
    }

    @Test
    void classicDefaultTlsIsHttpClientsAndReadsSystemPropertiesWhenAsked() throws Exception {
        String before = System.getProperty("https.protocols");
        System.setProperty("https.protocols", "TLSv1.2");
        try {
            try (RoutePoolHttpClientConnectionManager m =
                    RoutePoolHttpClientConnectionManagerBuilder.create().build()) {
                Object tls = classicTls(m);
                assertThat(tls).isInstanceOf(DefaultClientTlsStrategy.class);
                assertThat(field(tls, "supportedProtocols")).isNull();
            }
            try (RoutePoolHttpClientConnectionManager m = RoutePoolHttpClientConnectionManagerBuilder.create()
                    .useSystemProperties().build()) {
                assertThat((String[]) field(classicTls(m), "supportedProtocols")).containsExactly("TLSv1.2");
            }
        } finally {
            restore("https.protocols", before);
        }
    }

    @Test
    void asyncDefaultTlsIsHttpClientsAndReadsSystemPropertiesWhenAsked() throws Exception {
        String before = System.getProperty("https.protocols");
        System.setProperty("https.protocols", "TLSv1.2");
        try {
            try (RoutePoolAsyncClientConnectionManager m =
                    RoutePoolAsyncClientConnectionManagerBuilder.create().build()) {
                Object tls = asyncTls(m);
                assertThat(tls).isInstanceOf(DefaultClientTlsStrategy.class); // Java 17: not Conscrypt
                assertThat(field(tls, "supportedProtocols")).isNull();
            }
            try (RoutePoolAsyncClientConnectionManager m = RoutePoolAsyncClientConnectionManagerBuilder.create()
                    .useSystemProperties().build()) {
                assertThat((String[]) field(asyncTls(m), "supportedProtocols")).containsExactly("TLSv1.2");
            }
        } finally {
            restore("https.protocols", before);
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void theDeprecatedSslSocketFactoryBecomesTheTlsStrategy() throws Exception {
        AtomicReference<Object[]> called = new AtomicReference<>();
        org.apache.hc.client5.http.socket.LayeredConnectionSocketFactory factory =
                new org.apache.hc.client5.http.socket.LayeredConnectionSocketFactory() {
                    @Override
                    public Socket createLayeredSocket(Socket socket, String target, int port, HttpContext context) {
                        called.set(new Object[] {socket, target, port, context});
                        return null;
                    }

                    @Override
                    public Socket createSocket(HttpContext context) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public Socket connectSocket(TimeValue connectTimeout, Socket socket, HttpHost host,
                            java.net.InetSocketAddress remoteAddress, java.net.InetSocketAddress localAddress,
                            HttpContext context) {
                        throw new UnsupportedOperationException();
                    }
                };
        try (RoutePoolHttpClientConnectionManager m = RoutePoolHttpClientConnectionManagerBuilder.create()
                .setSSLSocketFactory(factory).build()) {
            TlsSocketStrategy tls = (TlsSocketStrategy) classicTls(m);
            Socket plain = new Socket();
            HttpContext context = new BasicHttpContext();
            assertThat(tls.upgrade(plain, "a.example", 443, null, context)).isNull();
            assertThat(called.get()).containsExactly(plain, "a.example", 443, context);
            plain.close();
        }
    }

    @Test
    void messageMultiplexingWrapsThePoolWhereHttpClientHasItAndOtherwiseNamesTheVersion() throws Exception {
        boolean available;
        try {
            Class.forName("org.apache.hc.client5.http.impl.nio.H2SharingConnPool");
            available = true;
        } catch (ClassNotFoundException ex) {
            available = false;
        }
        RoutePoolAsyncClientConnectionManagerBuilder builder = RoutePoolAsyncClientConnectionManagerBuilder.create()
                .setMessageMultiplexing(true).setMaxConnTotal(9);
        if (available) {
            try (RoutePoolAsyncClientConnectionManager m = builder.build()) {
                assertThat(field(m, "pool").getClass().getSimpleName()).isEqualTo("H2SharingConnPool");
                assertThat(m.getMaxTotal()).isEqualTo(9);
                assertThat(m.getRoutePool().getMaxTotal()).isEqualTo(9);
            }
        } else {
            String release = VersionInfo.loadVersionInfo("org.apache.hc.client5",
                    PoolingAsyncClientConnectionManagerBuilder.class.getClassLoader()).getRelease();
            assertThatThrownBy(builder::build).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("5.5 or later").hasMessageContaining(release);
        }
        try (RoutePoolAsyncClientConnectionManager m = builder.setMessageMultiplexing(false).build()) {
            assertThat(field(m, "pool")).isSameAs(m.getRoutePool());
        }
    }

    // ------------------------------------------------------------------------------------ routepool's options

    @ParameterizedTest
    @EnumSource(Side.class)
    void leakThresholdListenerAndLoggerReachThePool(Side side) throws Exception {
        Recorder rec = new Recorder();
        try (Built b = side.builder().maintenanceInterval(TimeValue.ZERO_MILLISECONDS)
                .leakThreshold(TimeValue.ofMilliseconds(1)).poolListener(rec).poolLogger(rec).build()) {
            PoolEntry<HttpRoute, ModalCloseable> e = b.leaseWithConnection();
            await(() -> {
                b.pool.maintain();
                return rec.saw(Diagnostic.Kind.LEAK_SUSPECTED);
            });
            assertThat(b.pool.getCounters().leaksSuspected()).isEqualTo(1);
            assertThat(rec.logged).anySatisfy(line -> assertThat(line).startsWith(PoolLogger.DIAGNOSTICS + " WARNING"));
            b.pool.release(e, true);
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void captureLeaseStacksRecordsWhereALeaseWasTaken(Side side) throws Exception {
        for (boolean capture : new boolean[] {false, true}) {
            try (Built b = side.builder().captureLeaseStacks(capture).build()) {
                PoolEntry<HttpRoute, ModalCloseable> e = b.leaseWithConnection();
                List<LeaseInfo<HttpRoute>> leases = b.pool.leases();
                assertThat(leases).hasSize(1);
                if (capture) {
                    assertThat(leases.get(0).leaseSite()).isNotNull();
                } else {
                    assertThat(leases.get(0).leaseSite()).isNull();
                }
                b.pool.release(e, true);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void reclaimAbandonedAfterTakesALeaseBack(Side side) throws Exception {
        Recorder rec = new Recorder();
        try (Built b = side.builder().maintenanceInterval(TimeValue.ZERO_MILLISECONDS)
                .leakThreshold(TimeValue.ofMilliseconds(1)).reclaimAbandonedAfter(TimeValue.ofMilliseconds(2))
                .poolListener(rec).poolLogger(rec).build()) {
            Fake conn = Fake.of(b.leaseWithConnection());
            await(() -> {
                b.pool.maintain();
                return rec.saw(Diagnostic.Kind.LEASE_RECLAIMED);
            });
            assertThat(conn.closed).isTrue();
            assertThat(b.pool.getTotalStats().getLeased()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void reclaimShorterThanTheLeakThresholdIsRefusedByBuild(Side side) {
        assertThatThrownBy(() -> side.builder().reclaimAbandonedAfter(TimeValue.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reclaimAbandonedAfter").hasMessageContaining("leakThreshold");
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void stuckWaiterThresholdReportsAWaitingLease(Side side) throws Exception {
        Recorder rec = new Recorder();
        try (Built b = side.builder().maintenanceInterval(TimeValue.ZERO_MILLISECONDS).maxConnPerRoute(1)
                .stuckWaiterThreshold(TimeValue.ofMilliseconds(1)).poolListener(rec).poolLogger(rec).build()) {
            PoolEntry<HttpRoute, ModalCloseable> held = b.leaseWithConnection();
            // the classic pool's lease waits in get(), on the caller's thread: wait on another one
            AtomicReference<Object> got = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    got.set(b.pool.lease(ROUTE, null, Timeout.ofSeconds(30), null).get(30, TimeUnit.SECONDS));
                } catch (Exception ex) {
                    got.set(ex);
                }
            });
            waiter.start();
            await(() -> {
                b.pool.maintain();
                return rec.saw(Diagnostic.Kind.WAITER_STUCK);
            });
            b.pool.release(held, true);
            waiter.join(10_000);
            assertThat(got.get()).isSameAs(held);
        }
    }

    @Test
    void failOnSelfDeadlockFailsTheLeaseAtOnce() throws Exception {
        try (Built b = Side.CLASSIC.builder().maxConnPerRoute(1).failOnSelfDeadlock(true).build()) {
            PoolEntry<HttpRoute, ModalCloseable> held = b.leaseWithConnection();
            Future<PoolEntry<HttpRoute, ModalCloseable>> again = b.pool.lease(ROUTE, null, Timeout.ofSeconds(30), null);
            assertThatThrownBy(() -> again.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseInstanceOf(SelfDeadlockException.class);
            b.pool.release(held, true);
        }
        try (Built b = Side.CLASSIC.builder().maxConnPerRoute(1).build()) {
            PoolEntry<HttpRoute, ModalCloseable> held = b.leaseWithConnection();
            Future<PoolEntry<HttpRoute, ModalCloseable>> again =
                    b.pool.lease(ROUTE, null, Timeout.ofMilliseconds(100), null);
            assertThatThrownBy(() -> again.get(30, TimeUnit.SECONDS)).as("off by default: it waits")
                    .isInstanceOf(TimeoutException.class);
            assertThat(log.warnings()).as("and reports it at once").anySatisfy(w -> assertThat(w).contains(": Self-deadlock on route "));
            b.pool.release(held, true);
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void maxIdleTimeClosesIdleConnections(Side side) throws Exception {
        try (Built b = side.builder().maintenanceInterval(TimeValue.ZERO_MILLISECONDS)
                .maxIdleTime(TimeValue.ofMilliseconds(1)).build()) {
            PoolEntry<HttpRoute, ModalCloseable> e = b.leaseWithConnection();
            Fake conn = Fake.of(e);
            b.pool.release(e, true);
            await(() -> {
                b.pool.maintain();
                return conn.closed;
            });
            assertThat(b.pool.getTotalStats().getAvailable()).isZero();
        }
    }

    /**
     * The interval reaches the pool: with passes every 20 ms, an idle connection past its max idle time is closed
     * without anyone asking (with the interval 0 of the test above, only {@code maintain()} closes it; that 0 turns the
     * background task off is pool-core's own test).
     */
    @ParameterizedTest
    @EnumSource(Side.class)
    void maintenanceIntervalSetsHowOftenBackgroundPassesRun(Side side) throws Exception {
        try (Built b = side.builder().maintenanceInterval(TimeValue.ofMilliseconds(20))
                .maxIdleTime(TimeValue.ofMilliseconds(1)).build()) {
            PoolEntry<HttpRoute, ModalCloseable> e = b.leaseWithConnection();
            Fake conn = Fake.of(e);
            b.pool.release(e, true);
            await(() -> conn.closed);
            assertThat(b.pool.getTotalStats().getAvailable()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void poolNameNamesThePoolInItsReportsAndABadOneIsRefused(Side side) throws Exception {
        try (Built b = side.builder().poolName("payments").build()) {
            assertThat(b.pool.getPoolName()).isEqualTo("payments");
        }
        try (Built b = side.builder().build()) {
            assertThat(b.pool.getPoolName()).matches("routepool-\\d+");
        }
        for (String bad : new String[] {null, "", " ", "a\nb"}) {
            assertThatThrownBy(() -> side.builder().poolName(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("poolName must be one line of text, not blank");
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aLeaseWithADisabledTimeoutWaitsAtMostMaxLeaseWaitAndIsToldSo(Side side) throws Exception {
        try (Built b = side.builder().maxConnPerRoute(1).maxLeaseWait(TimeValue.ofMilliseconds(200)).build()) {
            PoolEntry<HttpRoute, ModalCloseable> held = b.leaseWithConnection();
            long start = System.nanoTime();
            java.util.concurrent.Future<PoolEntry<HttpRoute, ModalCloseable>> f =
                    b.pool.lease(ROUTE, null, org.apache.hc.core5.util.Timeout.DISABLED, null);
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(f::get); // no timeout of its own either
            assertThat(System.nanoTime() - start).as("waited the cap").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
            Throwable timeout = t instanceof java.util.concurrent.ExecutionException ? t.getCause() : t;
            assertThat(timeout).isInstanceOf(java.util.concurrent.TimeoutException.class)
                    .hasMessageStartingWith("Timeout waiting for connection from pool " + b.pool.getPoolName() + " after 200 ms")
                    .hasMessageContaining("maxLeaseWait (0.2 s) capped the wait")
                    .hasMessageContaining("setMaxLeaseWait on the manager's builder (0 waits forever)");
            b.pool.release(held, true);
            assertThat(b.pool.getStats(ROUTE).getPending()).isZero();
        }
    }

    static Stream<Arguments> durationOptions() {
        List<Arguments> all = new ArrayList<>();
        for (Side side : Side.values()) {
            all.add(Arguments.of(side, "maintenanceInterval", (OptionSetter) Options::maintenanceInterval));
            all.add(Arguments.of(side, "leakThreshold", (OptionSetter) Options::leakThreshold));
            all.add(Arguments.of(side, "reclaimAbandonedAfter", (OptionSetter) Options::reclaimAbandonedAfter));
            all.add(Arguments.of(side, "stuckWaiterThreshold", (OptionSetter) Options::stuckWaiterThreshold));
            all.add(Arguments.of(side, "maxIdleTime", (OptionSetter) Options::maxIdleTime));
            all.add(Arguments.of(side, "maxLeaseWait", (OptionSetter) Options::maxLeaseWait));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("durationOptions")
    void aNegativeOrNullDurationIsRefusedNamingTheOptionAndTheValue(Side side, String option, OptionSetter setter)
            throws Exception {
        Options b = side.builder();
        assertThatThrownBy(() -> setter.set(b, TimeValue.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option).hasMessageContaining("-1 SECONDS");
        assertThatThrownBy(() -> setter.set(b, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option).hasMessageContaining("null");
        setter.set(b, TimeValue.ZERO_MILLISECONDS);
        b.build().close();
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aNegativeMaxUsesPerConnectionIsRefusedNamingTheOptionAndTheValue(Side side) throws Exception {
        assertThatThrownBy(() -> side.builder().maxUsesPerConnection(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxUsesPerConnection must not be negative (no limit: 0), was -1");
        side.builder().maxUsesPerConnection(0).build().close();
        side.builder().maxUsesPerConnection(1).build().close();
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aNegativeMaxPendingPerRouteIsRefusedNamingTheOptionAndTheValue(Side side) throws Exception {
        assertThatThrownBy(() -> side.builder().maxPendingPerRoute(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPendingPerRoute must not be negative (no limit: 0), was -1");
        assertThatThrownBy(() -> side.builder().maxPendingPerRoute(Integer.MIN_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPendingPerRoute must not be negative (no limit: 0), was " + Integer.MIN_VALUE);
        side.builder().maxPendingPerRoute(0).build().close();
        side.builder().maxPendingPerRoute(1).build().close();
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aNegativeMaxPendingIsRefusedNamingTheOptionAndTheValue(Side side) throws Exception {
        assertThatThrownBy(() -> side.builder().maxPending(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPending must not be negative (no limit: 0), was -1");
        assertThatThrownBy(() -> side.builder().maxPending(Integer.MIN_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPending must not be negative (no limit: 0), was " + Integer.MIN_VALUE);
        side.builder().maxPending(0).build().close();
        side.builder().maxPending(1).build().close();
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aTimeToLiveJitterOutsideZeroToBelowOneIsRefusedNamingTheOptionAndTheValue(Side side) throws Exception {
        for (double bad : new double[] {-0.1, 1.0, Double.NaN}) {
            assertThatThrownBy(() -> side.builder().timeToLiveJitter(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("timeToLiveJitter must be at least 0 and below 1 (a fraction of the time to live), was "
                            + bad);
        }
        side.builder().timeToLiveJitter(0).build().close();
        side.builder().timeToLiveJitter(Math.nextDown(1.0)).build().close();
    }

    /**
     * The jitter reaches the pool: twenty connections made together under a 10-minute time to live expire, in
     * pool-core, anywhere from 5 to 10 minutes after their creation with a jitter of 0.5, all at 10 without one.
     */
    @ParameterizedTest
    @EnumSource(Side.class)
    void timeToLiveJitterShortensEachConnectionsTimeToLiveInThePool(Side side) throws Exception {
        long ttl = TimeUnit.MINUTES.toMillis(10);
        long slack = 1_000; // pool-core's coarse clock and HttpClient's created time in ms, on a loaded machine
        List<Long> jittered = idleLifetimesMillis(side, 0.5, ttl, 20);
        assertThat(jittered).allSatisfy(l -> assertThat(l).isBetween(ttl / 2 - slack, ttl + slack));
        long min = jittered.stream().mapToLong(Long::longValue).min().getAsLong();
        long max = jittered.stream().mapToLong(Long::longValue).max().getAsLong();
        assertThat(max - min).as("spread of the lifetimes").isGreaterThan(TimeUnit.MINUTES.toMillis(1));
        assertThat(idleLifetimesMillis(side, 0, ttl, 20)).allSatisfy(l -> assertThat(l).isBetween(ttl - slack, ttl + slack));
    }

    /** How long after its creation each of {@code n} connections, made and released together, expires in pool-core. */
    private static List<Long> idleLifetimesMillis(Side side, double jitter, long ttlMillis, int n) throws Exception {
        try (Built b = side.builder().maintenanceInterval(TimeValue.ZERO_MILLISECONDS).maxConnTotal(n).maxConnPerRoute(n)
                .timeToLiveJitter(jitter)
                .defaultConnectionConfig(ConnectionConfig.custom().setTimeToLive(TimeValue.ofMilliseconds(ttlMillis)).build())
                .build()) {
            List<PoolEntry<HttpRoute, ModalCloseable>> leased = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                leased.add(b.leaseWithConnection());
            }
            for (PoolEntry<HttpRoute, ModalCloseable> e : leased) {
                b.pool.release(e, true);
            }
            List<Long> lifetimes = new ArrayList<>();
            for (io.routepool.core.PoolEntry<?, ?> e : ((KeyedPool<?, ?>) field(b.pool, "core")).availableEntries()) {
                lifetimes.add(TimeUnit.NANOSECONDS.toMillis(e.expiryNanos() - e.createdNanos()));
            }
            assertThat(lifetimes).hasSize(n);
            return lifetimes;
        }
    }

    @ParameterizedTest
    @EnumSource(Side.class)
    void aNullLoggerOrListenerIsRefusedNamingTheOption(Side side) {
        assertThatThrownBy(() -> side.builder().poolLogger(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poolLogger");
        assertThatThrownBy(() -> side.builder().poolListener(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poolListener");
    }

    // ------------------------------------------------------------------------------------ helpers

    /** The two builders behind one set of test options. */
    enum Side {
        CLASSIC, ASYNC;

        Options builder() {
            return new Options(this);
        }
    }

    @FunctionalInterface
    interface OptionSetter {
        void set(Options options, TimeValue value);
    }

    /** Forwards each option to the side's builder. */
    static final class Options {
        final RoutePoolHttpClientConnectionManagerBuilder classic;
        final RoutePoolAsyncClientConnectionManagerBuilder async;

        Options(Side side) {
            classic = side == Side.CLASSIC ? RoutePoolHttpClientConnectionManagerBuilder.create() : null;
            async = side == Side.ASYNC ? RoutePoolAsyncClientConnectionManagerBuilder.create() : null;
        }

        private Options apply(Consumer<RoutePoolHttpClientConnectionManagerBuilder> c,
                Consumer<RoutePoolAsyncClientConnectionManagerBuilder> a) {
            if (classic != null) {
                c.accept(classic);
            } else {
                a.accept(async);
            }
            return this;
        }

        Options maxConnTotal(int v) {
            return apply(b -> b.setMaxConnTotal(v), b -> b.setMaxConnTotal(v));
        }

        Options maxConnPerRoute(int v) {
            return apply(b -> b.setMaxConnPerRoute(v), b -> b.setMaxConnPerRoute(v));
        }

        Options connPoolPolicy(PoolReusePolicy v) {
            return apply(b -> b.setConnPoolPolicy(v), b -> b.setConnPoolPolicy(v));
        }

        Options poolConcurrencyPolicy(PoolConcurrencyPolicy v) {
            return apply(b -> b.setPoolConcurrencyPolicy(v), b -> b.setPoolConcurrencyPolicy(v));
        }

        Options defaultConnectionConfig(ConnectionConfig v) {
            return apply(b -> b.setDefaultConnectionConfig(v), b -> b.setDefaultConnectionConfig(v));
        }

        @SuppressWarnings("deprecation")
        Options deprecatedTimeToLive(TimeValue v) {
            return apply(b -> b.setConnectionTimeToLive(v), b -> b.setConnectionTimeToLive(v));
        }

        @SuppressWarnings("deprecation")
        Options deprecatedValidateAfterInactivity(TimeValue v) {
            return apply(b -> b.setValidateAfterInactivity(v), b -> b.setValidateAfterInactivity(v));
        }

        Options maintenanceInterval(TimeValue v) {
            return apply(b -> b.setMaintenanceInterval(v), b -> b.setMaintenanceInterval(v));
        }

        Options leakThreshold(TimeValue v) {
            return apply(b -> b.setLeakThreshold(v), b -> b.setLeakThreshold(v));
        }

        Options captureLeaseStacks(boolean v) {
            return apply(b -> b.setCaptureLeaseStacks(v), b -> b.setCaptureLeaseStacks(v));
        }

        Options reclaimAbandonedAfter(TimeValue v) {
            return apply(b -> b.setReclaimAbandonedAfter(v), b -> b.setReclaimAbandonedAfter(v));
        }

        Options stuckWaiterThreshold(TimeValue v) {
            return apply(b -> b.setStuckWaiterThreshold(v), b -> b.setStuckWaiterThreshold(v));
        }

        Options failOnSelfDeadlock(boolean v) {
            return apply(b -> b.setFailOnSelfDeadlock(v), b -> {
                throw new UnsupportedOperationException("classic only");
            });
        }

        Options maxIdleTime(TimeValue v) {
            return apply(b -> b.setMaxIdleTime(v), b -> b.setMaxIdleTime(v));
        }

        Options maxUsesPerConnection(int v) {
            return apply(b -> b.setMaxUsesPerConnection(v), b -> b.setMaxUsesPerConnection(v));
        }

        Options maxPendingPerRoute(int v) {
            return apply(b -> b.setMaxPendingPerRoute(v), b -> b.setMaxPendingPerRoute(v));
        }

        Options maxPending(int v) {
            return apply(b -> b.setMaxPending(v), b -> b.setMaxPending(v));
        }

        Options timeToLiveJitter(double v) {
            return apply(b -> b.setTimeToLiveJitter(v), b -> b.setTimeToLiveJitter(v));
        }

        Options maxLeaseWait(TimeValue v) {
            return apply(b -> b.setMaxLeaseWait(v), b -> b.setMaxLeaseWait(v));
        }

        Options poolName(String v) {
            return apply(b -> b.setPoolName(v), b -> b.setPoolName(v));
        }

        Options poolLogger(PoolLogger v) {
            return apply(b -> b.setPoolLogger(v), b -> b.setPoolLogger(v));
        }

        Options poolListener(PoolListener<HttpRoute> v) {
            return apply(b -> b.setPoolListener(v), b -> b.setPoolListener(v));
        }

        Built build() {
            if (classic != null) {
                RoutePoolHttpClientConnectionManager m = classic.build();
                return new Built(m, m.getRoutePool(), ManagedHttpClientConnection.class);
            }
            RoutePoolAsyncClientConnectionManager m = async.build();
            return new Built(m, m.getRoutePool(), ManagedAsyncClientConnection.class);
        }
    }

    /** A built manager and its pool, typed loosely so that one test serves both. */
    static final class Built implements AutoCloseable {
        final ModalCloseable manager;
        final RoutePoolConnPool<HttpRoute, ModalCloseable> pool;
        final Class<?> connectionType;

        @SuppressWarnings("unchecked")
        Built(ModalCloseable manager, RoutePoolConnPool<HttpRoute, ?> pool, Class<?> connectionType) {
            this.manager = manager;
            this.pool = (RoutePoolConnPool<HttpRoute, ModalCloseable>) pool;
            this.connectionType = connectionType;
        }

        @SuppressWarnings("unchecked")
        org.apache.hc.core5.pool.ConnPoolControl<HttpRoute> control() {
            return (org.apache.hc.core5.pool.ConnPoolControl<HttpRoute>) manager;
        }

        /** A new entry of {@link #ROUTE} with a stand-in connection assigned, as the manager would after connecting. */
        PoolEntry<HttpRoute, ModalCloseable> leaseWithConnection() throws Exception {
            PoolEntry<HttpRoute, ModalCloseable> e = pool.lease(ROUTE, null).get(5, TimeUnit.SECONDS);
            assertThat(e.hasConnection()).isFalse();
            e.assignConnection(Fake.connection(connectionType));
            return e;
        }

        @Override
        public void close() {
            manager.close(CloseMode.IMMEDIATE);
        }
    }

    /** A stand-in connection of either kind: open until closed, never stale. */
    static final class Fake implements java.lang.reflect.InvocationHandler {
        volatile boolean closed;

        static ModalCloseable connection(Class<?> type) {
            return (ModalCloseable) Proxy.newProxyInstance(BuilderTest.class.getClassLoader(), new Class<?>[] {type},
                    new Fake());
        }

        static Fake of(PoolEntry<HttpRoute, ModalCloseable> entry) {
            return (Fake) Proxy.getInvocationHandler(entry.getConnection());
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            switch (method.getName()) {
                case "close":
                    closed = true;
                    return null;
                case "isOpen":
                    return !closed;
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "fake connection";
                default:
                    Class<?> r = method.getReturnType();
                    if (r == boolean.class) {
                        return false;
                    }
                    if (r == int.class) {
                        return 0;
                    }
                    if (r == long.class) {
                        return 0L;
                    }
                    return null;
            }
        }
    }

    /** Records the pool's reports, as listener and as logger. */
    static final class Recorder implements PoolListener<HttpRoute>, PoolLogger {
        final List<Diagnostic<HttpRoute>> diagnostics = new CopyOnWriteArrayList<>();
        final List<String> logged = new CopyOnWriteArrayList<>();

        @Override
        public void onDiagnostic(Diagnostic<HttpRoute> diagnostic) {
            diagnostics.add(diagnostic);
        }

        boolean saw(Diagnostic.Kind kind) {
            return diagnostics.stream().anyMatch(d -> d.kind() == kind);
        }

        @Override
        public boolean isEnabled(String name, Level level) {
            return true;
        }

        @Override
        public void log(String name, Level level, String message, Throwable thrown) {
            logged.add(name + " " + level + " " + message);
        }
    }

    static final class NoDns implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws java.net.UnknownHostException {
            throw new java.net.UnknownHostException(host);
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("condition not met within 10 s").isNegative();
            Thread.sleep(2);
        }
    }

    private static Object classicTls(RoutePoolHttpClientConnectionManager m) throws Exception {
        return ((Lookup<?>) field(field(m, "connectionOperator"), "tlsSocketStrategyLookup")).lookup("https");
    }

    private static Object asyncTls(RoutePoolAsyncClientConnectionManager m) throws Exception {
        return ((Lookup<?>) field(field(m, "connectionOperator"), "tlsStrategyLookup")).lookup("https");
    }

    @SuppressWarnings("unchecked")
    private static Object resolved(Object manager, String resolverField, Object key) throws Exception {
        return ((Resolver<Object, Object>) field(manager, resolverField)).resolve(key);
    }

    /** A private field of HttpClient's classes, where its API has no getter. */
    private static Object field(Object target, String name) throws Exception {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException ex) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(target.getClass().getName() + "." + name);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}

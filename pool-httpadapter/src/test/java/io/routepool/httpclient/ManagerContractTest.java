package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.PoolClosedException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.http.HttpClientConnection;
import org.apache.http.HttpResponse;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.conn.ConnectionRequest;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.ConnectionShutdownException;
import org.apache.http.impl.conn.ManagedHttpClientConnectionFactory;
import org.apache.http.message.BasicHttpRequest;
import org.apache.http.protocol.BasicHttpContext;
import org.apache.http.protocol.HttpContext;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The manager used directly, as {@code MainClientExec} uses it (request, get, connect, routeComplete,
 * release), against a real HttpCore server on 127.0.0.1: HttpClient 4.5's contract, invariants E and F.
 */
@Timeout(30)
class ManagerContractTest {

    private TestServer server;
    private RoutePoolConnectionManager cm;
    private HttpRoute route;
    private final HttpContext context = new BasicHttpContext();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start();
        cm = new RoutePoolConnectionManager();
        route = server.route();
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        cm.shutdown();
        server.close();
    }

    /** Leases, connects and completes the route, as MainClientExec does for a new connection. */
    private HttpClientConnection leaseConnected(Object state) throws Exception {
        HttpClientConnection conn = cm.requestConnection(route, state).get(5, TimeUnit.SECONDS);
        if (!conn.isOpen()) {
            cm.connect(conn, route, 5_000, context);
            cm.routeComplete(conn, route, context);
        }
        return conn;
    }

    /** One GET /hello over the leased connection; returns the client port the server saw. */
    private static int exchange(HttpClientConnection conn) throws Exception {
        conn.sendRequestHeader(new BasicHttpRequest("GET", "/hello"));
        conn.flush();
        HttpResponse response = conn.receiveResponseHeader();
        conn.receiveResponseEntity(response);
        assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("hello");
        return Integer.parseInt(response.getFirstHeader(TestServer.CLIENT_PORT).getValue());
    }

    @Test
    void connectionsAreCreatedUnconnectedAndReusedAfterARouteCompleteRelease() throws Exception {
        HttpClientConnection first = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        assertThat(first.isOpen()).as("created unconnected").isFalse();
        assertThat(server.accepted.get()).isZero();
        cm.connect(first, route, 5_000, context);
        cm.routeComplete(first, route, context);
        int port = exchange(first);
        assertThat(((ManagedHttpClientConnection) first).getLocalPort()).isEqualTo(port);
        cm.releaseConnection(first, null, 10, TimeUnit.SECONDS);
        assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 2]");

        HttpClientConnection second = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        assertThat(second).as("a new handle per lease").isNotSameAs(first);
        assertThat(second.isOpen()).as("reused, already connected").isTrue();
        assertThat(exchange(second)).isEqualTo(port);
        assertThat(server.accepted.get()).isEqualTo(1);
        cm.releaseConnection(second, null, -1, TimeUnit.MILLISECONDS);
    }

    @Test
    void releaseIsOncePerLeaseAndDetachesTheHandle() throws Exception {
        HttpClientConnection conn = leaseConnected(null);
        exchange(conn);
        cm.releaseConnection(conn, "state", 0, null);
        cm.releaseConnection(conn, null, 0, TimeUnit.MILLISECONDS); // HttpClient: a no-op
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);
        assertThat(cm.getTotalStats().getLeased()).isZero();

        assertThat(conn.isOpen()).isFalse();
        assertThat(conn.isStale()).isTrue();
        conn.close();    // no-ops once detached
        conn.shutdown();
        assertThatThrownBy(conn::getSocketTimeout).isInstanceOf(ConnectionShutdownException.class);
        assertThatThrownBy(() -> ((ManagedHttpClientConnection) conn).getLocalPort())
                .isInstanceOf(ConnectionShutdownException.class);
        assertThatThrownBy(() -> conn.sendRequestHeader(new BasicHttpRequest("GET", "/hello")))
                .isInstanceOf(ConnectionShutdownException.class);
        assertThatThrownBy(() -> cm.connect(conn, route, 1000, context)).isInstanceOf(ConnectionShutdownException.class);
        assertThatThrownBy(() -> cm.routeComplete(conn, route, context)).isInstanceOf(ConnectionShutdownException.class);
        // detaching did not close the pooled connection: the state was stored and it is reused
        HttpClientConnection again = cm.requestConnection(route, "state").get(5, TimeUnit.SECONDS);
        assertThat(again.isOpen()).isTrue();
        assertThat(server.accepted.get()).isEqualTo(1);
        cm.releaseConnection(again, null, 0, TimeUnit.MILLISECONDS);
    }

    @Test
    void aStaleHandleCannotReleaseTheConnectionsNextLease() throws Exception {
        HttpClientConnection first = leaseConnected(null);
        cm.releaseConnection(first, null, 0, TimeUnit.MILLISECONDS);
        HttpClientConnection second = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        assertThat(second.isOpen()).as("same pooled connection, leased again").isTrue();

        cm.releaseConnection(first, null, 0, TimeUnit.MILLISECONDS); // the old handle: nothing happens
        assertThat(cm.getStats(route).getLeased()).isEqualTo(1);
        assertThat(exchange(second)).isPositive();
        cm.releaseConnection(second, null, 0, TimeUnit.MILLISECONDS);
        assertThat(cm.getStats(route).getAvailable()).isEqualTo(1);
    }

    @Test
    void aConnectionWhoseRouteWasNotCompletedIsClosedOnRelease() throws Exception {
        HttpClientConnection conn = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        cm.connect(conn, route, 5_000, context);
        assertThat(conn.isOpen()).isTrue();
        cm.releaseConnection(conn, "state", 10, TimeUnit.SECONDS);
        assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 2]");
        Await.until("the server sees the connection end", () -> server.ended.get() == 1);
    }

    @Test
    void aClosedConnectionIsNotReusedAndItsStateIsNotStored() throws Exception {
        HttpClientConnection conn = leaseConnected(null);
        conn.close();
        cm.releaseConnection(conn, "state", 10, TimeUnit.SECONDS);
        assertThat(cm.getTotalStats().getAvailable()).isZero();
        HttpClientConnection next = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        assertThat(next.isOpen()).isFalse();
        cm.releaseConnection(next, null, 0, TimeUnit.MILLISECONDS);
    }

    @Test
    void theSocketTimeoutOfAReusedConnectionIsResetFromTheHostsSocketConfig() throws Exception {
        cm.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(4321).build());
        cm.setSocketConfig(route.getTargetHost(), SocketConfig.custom().setSoTimeout(1234).build());
        HttpClientConnection conn = leaseConnected(null);
        assertThat(conn.getSocketTimeout()).as("connect applies the host's config").isEqualTo(1234);
        conn.setSocketTimeout(99);
        cm.releaseConnection(conn, null, 0, TimeUnit.MILLISECONDS);
        HttpClientConnection reused = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        assertThat(reused.isOpen()).isTrue();
        assertThat(reused.getSocketTimeout()).isEqualTo(1234);
        cm.releaseConnection(reused, null, 0, TimeUnit.MILLISECONDS);
    }

    @Test
    void stateMatchingAsHttpClient() throws Exception {
        try (CapturedReports reports = CapturedReports.start()) {
            HttpClientConnection conn = leaseConnected(null);
            int port = exchange(conn);
            cm.releaseConnection(conn, "alice", 0, TimeUnit.MILLISECONDS);

            HttpClientConnection anonymous = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
            assertThat(anonymous.isOpen()).as("a null request never takes a connection with state").isFalse();
            HttpClientConnection bob = cm.requestConnection(route, "bob").get(5, TimeUnit.SECONDS);
            assertThat(bob.isOpen()).as("the route is at its limit of 2: the idle 'alice' one was closed for bob")
                    .isFalse();
            cm.releaseConnection(anonymous, null, 0, TimeUnit.MILLISECONDS);
            cm.releaseConnection(bob, null, 0, TimeUnit.MILLISECONDS);

            HttpClientConnection alice = leaseConnected(null);
            exchange(alice);
            cm.releaseConnection(alice, "alice", 0, TimeUnit.MILLISECONDS);
            HttpClientConnection aliceAgain = cm.requestConnection(route, "alice").get(5, TimeUnit.SECONDS);
            assertThat(aliceAgain.isOpen()).isTrue();
            assertThat(exchange(aliceAgain)).isNotEqualTo(port);
            cm.releaseConnection(aliceAgain, "alice", 0, TimeUnit.MILLISECONDS);
            assertThat(reports.warnings()).as("the expected report").anySatisfy(m -> assertThat(m)
                    .matches("(?s)routepool-\\d+: State mismatch on route .*")
                    .contains("route " + route + ": idle connections not reused\n  A lease for state null opened a new connection"));
        }
    }

    @Test
    void handlesFromAnotherManagerOrNoManagerAreRefused() throws Exception {
        try (RoutePoolConnectionManager other = new RoutePoolConnectionManager()) {
            HttpClientConnection foreign = other.requestConnection(route, null).get(5, TimeUnit.SECONDS);
            assertThatThrownBy(() -> cm.releaseConnection(foreign, null, 0, TimeUnit.MILLISECONDS))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not leased from this connection manager");
            assertThat(other.getTotalStats().getLeased()).as("still leased from its own manager").isEqualTo(1);
            other.releaseConnection(foreign, null, 0, TimeUnit.MILLISECONDS);
            assertThat(other.getTotalStats().getLeased()).isZero();
        }
        ManagedHttpClientConnection raw = ManagedHttpClientConnectionFactory.INSTANCE.create(route, null);
        assertThatThrownBy(() -> cm.releaseConnection(raw, null, 0, TimeUnit.MILLISECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Unexpected connection proxy class");
        assertThatThrownBy(() -> cm.connect(raw, route, 1000, context)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aZeroTimeoutWaitsForeverAsInHttpClient() throws Exception {
        cm.setMaxPerRoute(route, 1);
        HttpClientConnection held = leaseConnected(null);
        long start = System.nanoTime();
        Future<HttpClientConnection> waiter = threads.submit(() -> cm.requestConnection(route, null).get(0, TimeUnit.MILLISECONDS));
        Await.until("the request waits", () -> cm.getStats(route).getPending() == 1);
        Await.elapsed(start, 100);
        assertThat(waiter).as("still waiting: 0 is not 'do not wait'").isNotDone();
        cm.releaseConnection(held, null, 0, TimeUnit.MILLISECONDS);
        HttpClientConnection got = waiter.get(5, TimeUnit.SECONDS);
        assertThat(got.isOpen()).isTrue();
        cm.releaseConnection(got, null, 0, TimeUnit.MILLISECONDS);
        assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 0; pending: 0; available: 1; max: 1]");
    }

    @Test
    void aTimeoutThrowsConnectionPoolTimeoutExceptionThatExplainsAndLeavesNothingBehind() throws Exception {
        try (CapturedReports reports = CapturedReports.start()) {
            cm.setMaxPerRoute(route, 1);
            HttpClientConnection held = leaseConnected(null);
            ConnectionRequest request = cm.requestConnection(route, null);
            long start = System.nanoTime();
            assertThatThrownBy(() -> request.get(200, TimeUnit.MILLISECONDS))
                    .isInstanceOf(ConnectionPoolTimeoutException.class)
                    .hasMessageStartingWith("Timeout waiting for connection from pool")
                    .hasMessageContaining(route.toString())
                    .hasMessageContaining("maxPerRoute 1")
                    .hasMessageContaining("maxTotal 20");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(200);
            assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 1; pending: 0; available: 0; max: 1]");
            // As in HttpCore, a timed-out request may be tried again
            cm.releaseConnection(held, null, 0, TimeUnit.MILLISECONDS);
            HttpClientConnection got = request.get(1, TimeUnit.SECONDS);
            assertThat(request.get(1, TimeUnit.SECONDS)).as("the same handle again").isSameAs(got);
            cm.releaseConnection(got, null, 0, TimeUnit.MILLISECONDS);
            assertThat(reports.warnings()).as("the expected report").anySatisfy(m -> assertThat(m)
                    .matches("(?s)routepool-\\d+: Self-deadlock on route .*")
                    .contains("route " + route + ": thread \"" + Thread.currentThread().getName() + "\" holds all it could get"));
        }
    }

    @Test
    void cancelFromAnotherThreadEndsAWaitingGetAtOnce() throws Exception {
        cm.setMaxPerRoute(route, 1);
        HttpClientConnection held = leaseConnected(null);
        ConnectionRequest request = cm.requestConnection(route, null);
        Future<HttpClientConnection> waiter = threads.submit(() -> request.get(0, TimeUnit.MILLISECONDS));
        Await.until("the request waits", () -> cm.getStats(route).getPending() == 1);
        assertThat(request.cancel()).isTrue();
        assertThat(request.cancel()).isFalse();
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ExecutionException.class) // what ConnectionRequest.get threw
                .cause().isInstanceOf(CancellationException.class);
        assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 1; pending: 0; available: 0; max: 1]");
        cm.releaseConnection(held, null, 0, TimeUnit.MILLISECONDS);
        assertThat(cm.getStats(route).toString()).as("the released connection went to no one")
                .isEqualTo("[leased: 0; pending: 0; available: 1; max: 1]");
        assertThatThrownBy(() -> request.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CancellationException.class);
    }

    @Test
    void anInterruptedWaiterGetsInterruptedExceptionAndLeavesNothingBehind() throws Exception {
        cm.setMaxPerRoute(route, 1);
        HttpClientConnection held = leaseConnected(null);
        Thread[] waiting = new Thread[1];
        Future<HttpClientConnection> waiter = threads.submit(() -> {
            waiting[0] = Thread.currentThread();
            return cm.requestConnection(route, null).get(0, TimeUnit.MILLISECONDS);
        });
        Await.until("the request waits", () -> cm.getStats(route).getPending() == 1);
        waiting[0].interrupt();
        assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(InterruptedException.class);
        assertThat(cm.getStats(route).toString()).isEqualTo("[leased: 1; pending: 0; available: 0; max: 1]");
        cm.releaseConnection(held, null, 0, TimeUnit.MILLISECONDS);
        assertThat(cm.getStats(route).getAvailable()).isEqualTo(1);
    }

    @Test
    void aFailingConnectionFactoryReachesTheCallerAndGivesItsCapacityBack() throws Exception {
        boolean[] fail = {true};
        try (RoutePoolConnectionManager failing = new RoutePoolConnectionManager((r, config) -> {
            if (fail[0]) {
                throw new IllegalStateException("factory down");
            }
            return ManagedHttpClientConnectionFactory.INSTANCE.create(r, config);
        })) {
            failing.setMaxTotal(1);
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> failing.requestConnection(route, null).get(1, TimeUnit.SECONDS))
                        .hasMessage("factory down");
            }
            fail[0] = false;
            HttpClientConnection conn = failing.requestConnection(route, null).get(1, TimeUnit.SECONDS);
            failing.releaseConnection(conn, null, 0, TimeUnit.MILLISECONDS);
            assertThat(failing.getTotalStats().toString()).isEqualTo("[leased: 0; pending: 0; available: 0; max: 1]");
        }
    }

    @Test
    void shutdownClosesEverythingFailsWaitersAndRefusesNewRequests() throws Exception {
        cm.setMaxPerRoute(route, 2);
        HttpClientConnection idle = leaseConnected(null);
        exchange(idle);
        HttpClientConnection leased = leaseConnected(null);
        exchange(leased);
        cm.releaseConnection(idle, null, 0, TimeUnit.MILLISECONDS);
        HttpClientConnection reused = cm.requestConnection(route, null).get(1, TimeUnit.SECONDS);
        Future<HttpClientConnection> waiter = threads.submit(() -> cm.requestConnection(route, null).get(0, TimeUnit.MILLISECONDS));
        Await.until("the request waits", () -> cm.getStats(route).getPending() == 1);
        cm.releaseConnection(reused, null, 0, TimeUnit.MILLISECONDS);
        // the release handed the connection to the waiter; wait again with a second waiter
        HttpClientConnection handedOver = waiter.get(5, TimeUnit.SECONDS);
        Future<HttpClientConnection> waiter2 = threads.submit(() -> cm.requestConnection(route, null).get(0, TimeUnit.MILLISECONDS));
        Await.until("the second request waits", () -> cm.getStats(route).getPending() == 1);
        ConnectionRequest notStarted = cm.requestConnection(route, null);

        cm.shutdown();
        assertThatThrownBy(() -> waiter2.get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CancellationException.class)
                .hasMessageStartingWith("Connection pool shut down")
                .cause().isInstanceOf(PoolClosedException.class);
        assertThat(leased.isOpen()).as("leased connections are shut down").isFalse();
        assertThat(handedOver.isOpen()).isFalse();
        Await.until("the server sees both connections end", () -> server.ended.get() == 2);
        assertThatThrownBy(() -> exchange(leased)).isInstanceOf(IOException.class);
        cm.releaseConnection(leased, null, 0, TimeUnit.MILLISECONDS); // after shutdown: harmless
        cm.releaseConnection(handedOver, null, 0, TimeUnit.MILLISECONDS);
        cm.shutdown();
        assertThatThrownBy(() -> cm.requestConnection(route, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Connection pool shut down");
        assertThatThrownBy(() -> notStarted.get(1, TimeUnit.SECONDS))
                .as("a request whose get starts after shutdown fails as in HttpClient")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Connection pool shut down");
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getAvailable()).isZero();
    }

    @Test
    void timeToLiveFromTheConstructorExpiresIdleConnections() throws Exception {
        try (RoutePoolConnectionManager ttl = new RoutePoolConnectionManager(300, TimeUnit.MILLISECONDS)) {
            long start = System.nanoTime();
            HttpClientConnection conn = ttl.requestConnection(route, null).get(5, TimeUnit.SECONDS);
            ttl.connect(conn, route, 5_000, context);
            ttl.routeComplete(conn, route, context);
            ttl.releaseConnection(conn, null, -1, TimeUnit.MILLISECONDS);
            assertThat(ttl.getTotalStats().getAvailable()).isEqualTo(1);
            Await.until("closeExpiredConnections removes it", Duration.ofSeconds(10), () -> {
                ttl.closeExpiredConnections();
                return ttl.getTotalStats().getAvailable() == 0;
            });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
            assertThat(ttl.getRoutes()).isEmpty();
        }
    }

    @Test
    void debugLoggingGoesThroughCommonsLoggingAsHttpClientsDoes() throws Exception {
        Logger jul = Logger.getLogger(RoutePoolConnectionManager.class.getName());
        List<String> messages = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                messages.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level old = jul.getLevel();
        jul.setLevel(Level.FINE);
        jul.addHandler(capture);
        try {
            HttpClientConnection conn = leaseConnected("token");
            cm.releaseConnection(conn, "token", 5, TimeUnit.SECONDS);
        } finally {
            jul.removeHandler(capture);
            jul.setLevel(old);
        }
        assertThat(messages).anySatisfy(m -> assertThat(m)
                .startsWith("Connection request: [route: " + route + "][state: token]"));
        assertThat(messages).anySatisfy(m -> assertThat(m)
                .startsWith("Connection leased: [id: 1][route: " + route + "]"));
        assertThat(messages).anySatisfy(m -> assertThat(m)
                .startsWith("Connection released: [id: 1][route: " + route + "][state: token] kept alive for 5000 ms")
                .endsWith("[total available: 1; route allocated: 1 of 2; total allocated: 1 of 20]"));
    }

    /**
     * A request whose leased connection could not be prepared (resetting its socket timeout threw) gives the
     * entry back and fails; a second {@code get} on it fails again instead of handing out the entry it gave back.
     */
    @Test
    void aRequestWhoseConnectionCouldNotBePreparedFailsAgainInsteadOfSharingIt() throws Exception {
        AtomicBoolean setSocketTimeoutThrows = new AtomicBoolean();
        HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> factory = (r, config) -> {
            ManagedHttpClientConnection real = ManagedHttpClientConnectionFactory.INSTANCE.create(r, config);
            return (ManagedHttpClientConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ManagedHttpClientConnection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("setSocketTimeout") && setSocketTimeoutThrows.get()) {
                            throw new IllegalStateException("injected setSocketTimeout failure");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        };
        RoutePoolConnectionManager failing = new RoutePoolConnectionManager(factory);
        try {
            HttpClientConnection conn = failing.requestConnection(route, null).get(5, TimeUnit.SECONDS);
            failing.connect(conn, route, 5_000, context);
            failing.routeComplete(conn, route, context);
            conn.sendRequestHeader(new BasicHttpRequest("GET", "/hello"));
            conn.flush();
            HttpResponse response = conn.receiveResponseHeader();
            conn.receiveResponseEntity(response);
            EntityUtils.consume(response.getEntity());
            failing.releaseConnection(conn, null, 10, TimeUnit.SECONDS);
            assertThat(failing.getTotalStats().getAvailable()).isEqualTo(1);

            setSocketTimeoutThrows.set(true); // reusing the open connection resets its socket timeout
            ConnectionRequest request = failing.requestConnection(route, null);
            assertThatThrownBy(() -> request.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("injected");
            assertThat(failing.getTotalStats().getLeased()).as("the lease went back").isZero();
            assertThatThrownBy(() -> request.get(5, TimeUnit.SECONDS))
                    .as("a second get must not hand out the entry the first get gave back")
                    .isInstanceOf(ExecutionException.class).hasRootCauseMessage("injected setSocketTimeout failure");
            assertThat(failing.getTotalStats().getLeased()).isZero();

            setSocketTimeoutThrows.set(false);
            HttpClientConnection fresh = failing.requestConnection(route, null).get(5, TimeUnit.SECONDS);
            assertThat(failing.getTotalStats().getLeased()).isEqualTo(1);
            failing.releaseConnection(fresh, null, 0, TimeUnit.MILLISECONDS);
        } finally {
            failing.shutdown();
        }
    }

    @Test
    void aManagerDroppedWithoutShutdownIsShutDownOnceUnreachable() throws Exception {
        leaveAnIdleConnectionInAnUnreachableManager();
        assertThat(server.ended.get()).isZero();
        Await.until("the cleaner closed the dropped manager's idle connection", () -> {
            System.gc();
            return server.ended.get() == 1;
        });
    }

    private void leaveAnIdleConnectionInAnUnreachableManager() throws Exception {
        RoutePoolConnectionManager dropped = new RoutePoolConnectionManager();
        HttpClientConnection conn = dropped.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        dropped.connect(conn, route, 5_000, context);
        dropped.routeComplete(conn, route, context);
        dropped.releaseConnection(conn, null, 0, TimeUnit.MILLISECONDS);
        assertThat(dropped.getTotalStats().getAvailable()).isEqualTo(1);
        Await.until("the server accepted it", () -> server.accepted.get() == 1);
    }

    /**
     * A request keeps its manager reachable, as HttpClient's does: a thread may wait in {@code get} while nothing
     * else references the manager, and the manager must not be shut down as unreachable under it. A collected canary
     * shows that a full collection ran.
     */
    @Test
    void aPendingRequestKeepsItsManagerReachable() throws Exception {
        RoutePoolConnectionManager cm = new RoutePoolConnectionManager();
        cm.setDefaultMaxPerRoute(1);
        HttpClientConnection held = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
        ConnectionRequest waiting = cm.requestConnection(route, null);
        java.lang.ref.WeakReference<RoutePoolConnectionManager> manager = new java.lang.ref.WeakReference<>(cm);
        cm = null;
        java.lang.ref.WeakReference<Object> canary = new java.lang.ref.WeakReference<>(new Object());
        Await.until("a full collection ran", () -> {
            System.gc();
            return canary.get() == null;
        });

        assertThat(manager.get()).as("the manager, reachable through its request").isNotNull();
        manager.get().releaseConnection(held, null, 0, TimeUnit.MILLISECONDS);
        HttpClientConnection next = waiting.get(5, TimeUnit.SECONDS);
        manager.get().releaseConnection(next, null, 0, TimeUnit.MILLISECONDS);
        manager.get().shutdown();
    }
}

package io.routepool.httpclient5;

import static io.routepool.httpclient5.Exchanges.classicClient;
import static io.routepool.httpclient5.Exchanges.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request that waits for a connection, and what ends the wait: a lease timeout, {@code cancel()}, an interrupt,
 * or the manager's {@code close}. Whatever ends it, nothing may be left behind: no pending lease, no leased count,
 * no connection given to nobody. Each test proves it by the pool's counts and by a later request that must get the
 * (only) connection within a bounded time.
 */
@Timeout(60)
class ClassicLeaseIntegrationTest {

    private ClassicServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        server = ClassicServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.gate.open();
        threads.shutdownNow();
        for (AutoCloseable c : closeables) {
            c.close();
        }
        server.close();
    }

    private CloseableHttpClient client(PoolingHttpClientConnectionManager cm) {
        CloseableHttpClient client = classicClient(cm);
        closeables.add(client);
        return client;
    }

    private static String stats(PoolStats stats) {
        return "leased " + stats.getLeased() + ", pending " + stats.getPending() + ", available "
                + stats.getAvailable();
    }

    private static HttpClientContext requestTimeout(long millis) {
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(org.apache.hc.core5.util.Timeout.ofMilliseconds(millis)).build());
        return context;
    }

    /** One connection (maxPerRoute 1) held at the gate by another thread; returns that exchange. */
    private Future<Integer> holdTheOnlyConnection(CloseableHttpClient client) {
        Future<Integer> holder = threads.submit(() -> get(client, server.url("/gate")));
        Eventually.until("the holder at the gate", () -> server.gate.arrived.get() == 1);
        return holder;
    }

    /** The gate opens; the holder completes; the one connection is idle and a new request gets it at once. */
    private void assertNothingLeftBehind(PoolingHttpClientConnectionManager cm, CloseableHttpClient client,
            Future<Integer> holder) throws Exception {
        server.gate.open();
        int holderPort = holder.get(10, TimeUnit.SECONDS);
        Eventually.until("the pool is back to one idle connection", () ->
                stats(cm.getTotalStats()).equals("leased 0, pending 0, available 1"));
        assertThat(get(client, server.url("/hello"), requestTimeout(5000))).isEqualTo(holderPort);
        assertThat(server.accepted.get()).isEqualTo(1);
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 0, pending 0, available 1");
    }

    @Test
    void aLeaseTimeoutFailsTheRequestAndLeavesNothingBehind() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        Future<Integer> holder = holdTheOnlyConnection(client);

        long start = System.nanoTime();
        try (CapturedLogs reports = CapturedLogs.capture(CapturedLogs.DIAGNOSTICS)) {
            assertThatThrownBy(() -> get(client, server.url("/hello"), requestTimeout(200)))
                    .isInstanceOf(org.apache.hc.core5.http.ConnectionRequestTimeoutException.class);
            assertThat(reports.warnings()).isEmpty();
        }
        assertThat(Eventually.millisSince(start)).isBetween(150L, 5000L);
        assertThat(stats(cm.getTotalStats())).isEqualTo("leased 1, pending 0, available 0");
        assertThat(server.served.get()).isZero();

        assertNothingLeftBehind(cm, client, holder);
    }

    @Test
    void cancellingARequestThatWaitsForAConnectionLeavesNothingBehind() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        Future<Integer> holder = holdTheOnlyConnection(client);

        HttpGet waiting = new HttpGet(server.url("/hello"));
        Future<Integer> waiter = threads.submit(() -> get(client, waiting, HttpClientContext.create()));
        Eventually.until("the request waits for the pool", () -> cm.getTotalStats().getPending() == 1);
        assertThat(waiting.cancel()).isTrue();

        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(server.served.get()).isZero();

        assertNothingLeftBehind(cm, client, holder);
        assertThat(server.served.get()).as("the cancelled request never reached the server").isEqualTo(2);
    }

    @Test
    void interruptingARequestThatWaitsForAConnectionLeavesNothingBehind() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        Future<Integer> holder = holdTheOnlyConnection(client);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            try {
                get(client, server.url("/hello"));
            } catch (Throwable t) {
                failure.set(t);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        }, "waiting-request");
        waiter.start();
        Eventually.until("the request waits for the pool", () -> cm.getTotalStats().getPending() == 1);
        waiter.interrupt();
        waiter.join(10_000);

        assertThat(waiter.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(stillInterrupted.get()).as("the interrupt status is kept").isTrue();

        assertNothingLeftBehind(cm, client, holder);
    }

    /**
     * The holder releases the only connection while the waiter is being interrupted, many times over, so that the
     * interrupt lands before, during and after the hand-over. Whichever wins, the connection must end up idle in the
     * pool, never assigned to a lease nobody will release.
     */
    @Test
    void interruptsRacingTheHandOverOfAConnectionLeaveNothingBehind() throws Exception {
        assumeTrue(Managers.ROUTEPOOL, "HttpCore's StrictConnPool leaks the connection when the interrupt lands"
                + " just after the hand-over: HttpClient's cancel() of the completed lease does not release it"
                + " (aws-sdk-java-v2 #6786)");
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        int rounds = 40 * Integer.getInteger("routepool.stress.factor", 1);
        int served = 0;
        int interrupted = 0;
        for (int round = 0; round < rounds; round++) {
            server.gate.shut();
            int arrivedBefore = server.gate.arrived.get();
            Future<Integer> holder = threads.submit(() -> get(client, server.url("/gate")));
            Eventually.until("the holder at the gate", () -> server.gate.arrived.get() == arrivedBefore + 1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                try {
                    get(client, server.url("/hello"));
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    done.countDown();
                }
            }, "racing-request-" + round);
            waiter.start();
            Eventually.until("the request waits for the pool", () -> cm.getTotalStats().getPending() == 1);
            server.gate.open();
            if (round % 2 == 1) {
                Thread.onSpinWait();
            }
            waiter.interrupt();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            holder.get(10, TimeUnit.SECONDS);
            if (failure.get() == null) {
                served++;
            } else {
                assertThat(failure.get()).isInstanceOfAny(InterruptedIOException.class, IOException.class);
                interrupted++;
            }
            Eventually.until("round " + round + ": the pool is back to idle", () -> {
                PoolStats s = cm.getTotalStats();
                return s.getLeased() == 0 && s.getPending() == 0;
            });
        }
        assertThat(served + interrupted).isEqualTo(rounds);
        assertThat(get(client, server.url("/hello"), requestTimeout(5000))).isPositive();
        assertThat(cm.getTotalStats().getLeased()).isZero();
        assertThat(cm.getTotalStats().getAvailable()).isLessThanOrEqualTo(1);
    }

    @Test
    void closeClosesEveryIdleConnectionAndLaterRequestsFailClearly() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 3);
        CloseableHttpClient client = client(cm);
        List<Future<Integer>> exchanges = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            exchanges.add(threads.submit(() -> get(client, server.url("/gate"))));
        }
        Eventually.until("three requests at the gate", () -> server.gate.arrived.get() == 3);
        server.gate.open();
        for (Future<Integer> f : exchanges) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(cm.getTotalStats().getAvailable()).isEqualTo(3);

        cm.close(CloseMode.GRACEFUL);

        Eventually.until("the server sees all three connections end", () -> server.ended.get() == 3);
        assertThat(cm.getTotalStats().getAvailable()).isZero();
        assertThatThrownBy(() -> get(client, server.url("/hello")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
        assertThat(server.accepted.get()).isEqualTo(3);
    }

    @Test
    void closeImmediateAlsoClosesLeasedConnections() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        Future<Integer> holder = holdTheOnlyConnection(client);

        cm.close(CloseMode.IMMEDIATE);

        // the holder fails while the server still holds its response: its connection was closed under it
        assertThatThrownBy(() -> holder.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
        server.gate.open();
        Eventually.until("the server sees the leased connection end", () -> server.ended.get() == 1);
        assertThatThrownBy(() -> get(client, server.url("/hello")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
    }

    /**
     * A request waiting for a connection when the manager closes fails at once, instead of waiting out its request
     * timeout.
     */
    @Test
    void closeFailsARequestThatWaitsForAConnectionAtOnce() throws Exception {
        assumeTrue(Managers.ROUTEPOOL, "HttpCore's StrictConnPool.close clears its queue without completing the"
                + " waiting leases: they wait out their request timeout");
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        Future<Integer> holder = holdTheOnlyConnection(client);
        Future<Integer> waiter = threads.submit(() -> get(client, server.url("/hello"), requestTimeout(30_000)));
        Eventually.until("the request waits for the pool", () -> cm.getTotalStats().getPending() == 1);

        long start = System.nanoTime();
        cm.close(CloseMode.GRACEFUL);

        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasStackTraceContaining("shut down");
        assertThat(Eventually.millisSince(start)).isLessThan(10_000);
    }

    /**
     * A connection leased when the manager closes gracefully is closed by the time its request has ended, whether
     * the close cut the request short (HttpClient's own pool closes leased connections at once) or let it finish
     * and closes the connection on release (routepool's): never left open with nobody to close it.
     */
    @Test
    void aConnectionLeasedWhenTheManagerClosesIsClosedOnceItsRequestEnds() throws Exception {
        PoolingHttpClientConnectionManager cm = Managers.classic(10, 1);
        CloseableHttpClient client = client(cm);
        Future<Integer> holder = holdTheOnlyConnection(client);

        cm.close(CloseMode.GRACEFUL);
        server.gate.open();
        try {
            holder.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException cutShort) {
            assertThat(cutShort).hasCauseInstanceOf(IOException.class);
        }

        Eventually.until("the server sees the connection end", () -> server.ended.get() == 1);
        assertThat(cm.getTotalStats().getLeased()).isZero();
    }
}

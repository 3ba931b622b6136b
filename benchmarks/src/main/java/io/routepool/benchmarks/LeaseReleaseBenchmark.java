package io.routepool.benchmarks;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.http.HttpClientConnection;
import org.apache.http.HttpConnectionMetrics;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;
import org.apache.http.impl.pool.BasicConnPool;
import org.apache.http.impl.pool.BasicPoolEntry;
import org.apache.http.pool.ConnFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The uncontended-capacity fast path: lease an idle connection (state {@code null}, 10 s timeout) and
 * release it as reusable, routepool side by side with HttpCore 4.4's {@link BasicConnPool} in the same run.
 *
 * <p>Capacity is ample (64 per route, {@code 64 * routes} in total), so nobody ever waits for a
 * connection: what is measured is the pool's own bookkeeping and locking. Connections are stubs
 * whose creation and close cost nothing. Thread counts come from the command line ({@code -t 1},
 * {@code -t 2}); see {@code benchmarks/run.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LeaseReleaseBenchmark {

    /** The competitors. */
    public enum Pool {
        /** io.routepool.core.KeyedPool. */
        ROUTEPOOL,
        /** org.apache.http.impl.pool.BasicConnPool (HttpCore 4.4). */
        HTTPCORE4
    }

    static final int MAX_PER_ROUTE = 64;
    static final long TIMEOUT_SECONDS = 10;

    @Param({"ROUTEPOOL", "HTTPCORE4"})
    public Pool pool;

    /** Number of distinct routes the threads cycle through. */
    @Param({"1"})
    public int routes;

    HttpHost[] hosts;
    private Competitor competitor;

    @Setup(Level.Trial)
    public void setUp() {
        if (routes < 1) {
            throw new IllegalArgumentException("routes must be >= 1: " + routes);
        }
        hosts = new HttpHost[routes];
        for (int i = 0; i < routes; i++) {
            hosts[i] = new HttpHost("host" + i, 80);
        }
        int maxTotal = MAX_PER_ROUTE * routes;
        switch (pool) {
            case ROUTEPOOL -> competitor = new RoutePoolCompetitor(maxTotal);
            case HTTPCORE4 -> competitor = new HttpCore4Competitor(maxTotal);
            default -> throw new AssertionError(pool);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        // Every lease was released: a leak here means the measurement is wrong.
        int leased = competitor.leased();
        competitor.close();
        if (leased != 0) {
            throw new IllegalStateException(pool + ": " + leased + " connections still leased after the trial");
        }
    }

    /** Each thread cycles through the routes, starting at its own offset; no shared state, no Random. */
    @State(Scope.Thread)
    public static class RouteCursor {
        HttpHost[] hosts;
        int next;

        @Setup(Level.Trial)
        public void setUp(LeaseReleaseBenchmark bench, ThreadParams threads) {
            hosts = bench.hosts;
            next = threads.getThreadIndex() % hosts.length;
        }

        HttpHost nextRoute() {
            HttpHost[] h = hosts;
            int i = next;
            next = (i + 1 == h.length) ? 0 : i + 1;
            return h[i];
        }
    }

    @Benchmark
    public Object leaseRelease(RouteCursor cursor) throws Exception {
        return competitor.leaseRelease(cursor.nextRoute());
    }

    /** One pool under test; exactly one implementation is loaded per fork, so the call stays monomorphic. */
    abstract static class Competitor {
        /** Leases a connection for {@code route} (state {@code null}, 10 s timeout), releases it reusable, returns the entry. */
        abstract Object leaseRelease(HttpHost route) throws Exception;

        abstract int leased();

        abstract void close() throws IOException;
    }

    static final class RoutePoolCompetitor extends Competitor {
        private final KeyedPool<HttpHost, StubConnection> pool;

        RoutePoolCompetitor(int maxTotal) {
            pool = KeyedPool.builder(new StubConnectionFactory())
                    .maxTotal(maxTotal)
                    .defaultMaxPerRoute(MAX_PER_ROUTE)
                    .build();
        }

        @Override
        Object leaseRelease(HttpHost route) throws Exception {
            PoolEntry<HttpHost, StubConnection> entry = pool.lease(route, null, TIMEOUT_SECONDS, TimeUnit.SECONDS);
            pool.release(entry, true);
            return entry;
        }

        @Override
        int leased() {
            return pool.getTotalStats().leased();
        }

        @Override
        void close() {
            pool.close();
        }
    }

    static final class HttpCore4Competitor extends Competitor {
        private final BasicConnPool pool;

        HttpCore4Competitor(int maxTotal) {
            ConnFactory<HttpHost, HttpClientConnection> factory = route -> new StubHttpClientConnection();
            pool = new BasicConnPool(factory);
            pool.setMaxTotal(maxTotal);
            pool.setDefaultMaxPerRoute(MAX_PER_ROUTE);
        }

        @Override
        Object leaseRelease(HttpHost route) throws Exception {
            BasicPoolEntry entry = pool.lease(route, null).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            pool.release(entry, true);
            return entry;
        }

        @Override
        int leased() {
            return pool.getTotalStats().getLeased();
        }

        @Override
        void close() throws IOException {
            pool.shutdown();
        }
    }

    /** routepool's stub connection: nothing behind it. */
    static final class StubConnection {
        final HttpHost route;

        StubConnection(HttpHost route) {
            this.route = route;
        }
    }

    static final class StubConnectionFactory implements ConnectionFactory<HttpHost, StubConnection> {
        @Override
        public StubConnection create(HttpHost route) {
            return new StubConnection(route);
        }

        @Override
        public void close(StubConnection connection, CloseMode mode) {
            // nothing to close
        }
    }

    /** HttpCore 4.4's stub connection: always open, never stale, every operation a no-op. */
    static final class StubHttpClientConnection implements HttpClientConnection {
        @Override
        public boolean isResponseAvailable(int timeout) {
            return false;
        }

        @Override
        public void sendRequestHeader(HttpRequest request) {
        }

        @Override
        public void sendRequestEntity(HttpEntityEnclosingRequest request) {
        }

        @Override
        public HttpResponse receiveResponseHeader() {
            return null;
        }

        @Override
        public void receiveResponseEntity(HttpResponse response) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean isStale() {
            return false;
        }

        @Override
        public void setSocketTimeout(int timeout) {
        }

        @Override
        public int getSocketTimeout() {
            return 0;
        }

        @Override
        public void shutdown() {
        }

        @Override
        public HttpConnectionMetrics getMetrics() {
            return null;
        }
    }
}

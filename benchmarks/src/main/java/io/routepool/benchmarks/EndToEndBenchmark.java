package io.routepool.benchmarks;

import io.routepool.httpclient.RoutePoolConnectionManager;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.http.ExceptionLogger;
import org.apache.http.HttpHost;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.HttpClientConnectionManager;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.impl.bootstrap.HttpServer;
import org.apache.http.impl.bootstrap.ServerBootstrap;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * End to end: HttpClient 4.5.14 with routepool's {@link RoutePoolConnectionManager} or with its own
 * {@link PoolingHttpClientConnectionManager}, GETs against local HttpCore 4.4 servers on 127.0.0.1
 * (one server per route, a 2-byte body, keep-alive); requests per second over all threads
 * ({@code -t 1, 8, 32}). Each thread cycles through the routes from its own offset.
 *
 * <p>Limits are ample for the thread count (maxPerRoute = threads, maxTotal = threads × routes), so
 * connections are reused, not churned. Client and servers share the same cores: this is the share
 * of a real request's cost that the pool is, not the pool alone.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class EndToEndBenchmark {

    /** The connection manager under test. */
    public enum Manager {
        ROUTEPOOL,
        HTTPCLIENT_POOLING
    }

    private static final byte[] BODY = "ok".getBytes(StandardCharsets.US_ASCII);

    @Param({"ROUTEPOOL", "HTTPCLIENT_POOLING"})
    public Manager pool;

    /** Distinct routes: 127.0.0.1 on this many ports, one server each. */
    @Param({"1", "16"})
    public int routes;

    HttpHost[] targets;
    private HttpServer[] servers;
    private CloseableHttpClient client;
    private HttpClientConnectionManager manager;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
        if (routes < 1) {
            throw new IllegalArgumentException("routes must be >= 1: " + routes);
        }
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        servers = new HttpServer[routes];
        targets = new HttpHost[routes];
        for (int i = 0; i < routes; i++) {
            HttpServer server = ServerBootstrap.bootstrap()
                    .setLocalAddress(loopback)
                    .setListenerPort(0)
                    .setSocketConfig(SocketConfig.custom().setTcpNoDelay(true).setSoKeepAlive(true).build())
                    .setExceptionLogger(ExceptionLogger.NO_OP)
                    .registerHandler("*", (request, response, context) -> {
                        response.setStatusCode(200);
                        response.setEntity(new ByteArrayEntity(BODY, ContentType.TEXT_PLAIN));
                    })
                    .create();
            server.start();
            servers[i] = server;
            targets[i] = new HttpHost("127.0.0.1", server.getLocalPort(), "http");
        }
        int threads = params.getThreads();
        int perRoute = Math.max(2, threads);
        int total = perRoute * routes;
        switch (pool) {
            case ROUTEPOOL -> {
                RoutePoolConnectionManager m = new RoutePoolConnectionManager();
                m.setMaxTotal(total);
                m.setDefaultMaxPerRoute(perRoute);
                manager = m;
            }
            case HTTPCLIENT_POOLING -> {
                PoolingHttpClientConnectionManager m = new PoolingHttpClientConnectionManager();
                m.setMaxTotal(total);
                m.setDefaultMaxPerRoute(perRoute);
                manager = m;
            }
            default -> throw new AssertionError(pool);
        }
        client = HttpClients.custom().setConnectionManager(manager).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (servers != null) {
                for (HttpServer server : servers) {
                    if (server != null) {
                        server.shutdown(100, TimeUnit.MILLISECONDS);
                    }
                }
            }
        }
    }

    /** Per thread: the next target. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp(ThreadParams threads) {
            next = threads.getThreadIndex();
        }

        HttpHost target(HttpHost[] targets) {
            int i = next;
            if (i >= targets.length) {
                i %= targets.length;
            }
            next = i + 1;
            return targets[i];
        }
    }

    @Benchmark
    public int get(Cursor cursor) throws IOException {
        try (CloseableHttpResponse response = client.execute(cursor.target(targets), new HttpGet("/"))) {
            EntityUtils.consume(response.getEntity());
            int status = response.getStatusLine().getStatusCode();
            if (status != 200) {
                throw new IOException("unexpected status " + status);
            }
            return status;
        }
    }
}

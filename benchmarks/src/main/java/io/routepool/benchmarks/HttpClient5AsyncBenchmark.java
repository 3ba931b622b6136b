package io.routepool.benchmarks;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.nio.AsyncClientConnectionManager;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.io.CloseMode;
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

/**
 * End to end through HttpClient 5.6.5's <em>async</em> client: every benchmark thread runs
 * {@code client.execute(GET /, null).get(10 s)} in a loop, so one operation is a request's full round trip
 * (lease, write, read the buffered 2-byte body, release) and each thread has one request in flight; requests per
 * second over all threads ({@code -t 1, 8, 32}). The lease is requested on the benchmark thread; the connection is
 * released on one of the client's I/O reactor threads (HttpCore's default count, one per available processor).
 *
 * <p>{@code pool}: routepool's {@code RoutePoolAsyncClientConnectionManager}, or HttpClient 5's own
 * {@code PoolingAsyncClientConnectionManager} with {@code PoolConcurrencyPolicy} STRICT (its default), LAX or OFFLOCK
 * (see {@link HttpClient5Manager}). {@code routes}: 1 or 16 distinct targets, 127.0.0.1 on as many ports of one
 * HttpCore 5 async server ({@link LoopbackHttp5Server}: HTTP/1.1, keep-alive, 200 with a 2-byte body); each thread
 * cycles through the routes from its own offset.
 *
 * <p>Configuration: maxPerRoute = max(2, threads), maxTotal = maxPerRoute × routes (LAX has no total limit), so a
 * lease never waits for capacity and connections are reused, not churned: this measures the pool plus the client,
 * not waiting. HTTP/1.1 only (TlsConfig FORCE_HTTP_1; the server speaks nothing else), no message multiplexing.
 * Connect, socket, response and lease timeouts 10 s; everything else is HttpClient's default. One client and one
 * server per trial, both closed at its end; one request per route in setup checks the harness (status, body,
 * HTTP/1.1); teardown prints how many connections the server accepted for how many requests. Client and server
 * share the same cores.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class HttpClient5AsyncBenchmark {

    @Param({"ROUTEPOOL", "HC5_STRICT", "HC5_LAX", "HC5_OFFLOCK"})
    public HttpClient5Manager pool;

    /** Distinct routes: 127.0.0.1 on this many ports of one server. */
    @Param({"1", "16"})
    public int routes;

    private static final long TIMEOUT_SECONDS = HttpClient5Manager.TIMEOUT.toSeconds();

    HttpHost[] targets;
    private LoopbackHttp5Server server;
    private CloseableHttpAsyncClient client;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        server = LoopbackHttp5Server.start(routes);
        targets = server.targets();
        int perRoute = Math.max(2, params.getThreads());
        AsyncClientConnectionManager manager = pool.async(perRoute * routes, perRoute);
        client = HttpAsyncClients.custom()
                .setConnectionManager(manager)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(HttpClient5Manager.TIMEOUT)
                        .setResponseTimeout(HttpClient5Manager.TIMEOUT)
                        .build())
                .build();
        client.start();
        for (HttpHost target : targets) {
            SimpleHttpResponse response = roundTrip(target);
            String body = response.getBodyText();
            if (response.getCode() != 200 || !LoopbackHttp5Server.BODY.equals(body)
                    || !HttpVersion.HTTP_1_1.equals(response.getVersion())) {
                throw new IOException("harness check failed: " + response.getVersion() + " " + response.getCode()
                        + " '" + body + "' from " + target);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (client != null) {
                client.close(CloseMode.GRACEFUL); // stops the I/O reactor, closes the connection manager
            }
        } finally {
            if (server != null) {
                System.out.println("\n[pool " + pool + ", routes " + routes + "] server: " + server.counts());
                server.close();
            }
        }
    }

    private SimpleHttpResponse roundTrip(HttpHost target)
            throws InterruptedException, ExecutionException, TimeoutException {
        SimpleHttpRequest request = SimpleRequestBuilder.get().setHttpHost(target).setPath("/").build();
        return client.execute(request, null).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Benchmark
    public int get(Http5TargetCursor cursor) throws Exception {
        SimpleHttpResponse response = roundTrip(cursor.next(targets));
        int status = response.getCode();
        if (status != 200) {
            throw new IOException("unexpected status " + status);
        }
        return status + response.getBodyBytes().length;
    }
}

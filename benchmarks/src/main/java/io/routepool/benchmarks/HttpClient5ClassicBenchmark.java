package io.routepool.benchmarks;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.io.HttpClientResponseHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
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
 * End to end through HttpClient 5.6.5's <em>classic</em> (blocking) client: every benchmark thread runs
 * {@code client.execute(target, GET /, handler)} in a loop, the handler reading the whole 2-byte body and
 * checking the status; requests per second over all threads ({@code -t 1, 8, 32}).
 *
 * <p>{@code pool}: routepool's {@code RoutePoolHttpClientConnectionManager}, or HttpClient 5's own
 * {@code PoolingHttpClientConnectionManager} with {@code PoolConcurrencyPolicy} STRICT (its default), LAX or OFFLOCK
 * (see {@link HttpClient5Manager}). {@code routes}: 1 or 16 distinct targets, 127.0.0.1 on as many ports of one
 * HttpCore 5 async server ({@link LoopbackHttp5Server}: HTTP/1.1, keep-alive, 200 with a 2-byte body); each thread
 * cycles through the routes from its own offset.
 *
 * <p>Configuration: maxPerRoute = max(2, threads), maxTotal = maxPerRoute × routes (LAX has no total limit), so a
 * lease never waits for capacity and connections are reused, not churned: this measures the pool plus the client,
 * not waiting. Connect, socket, response and lease timeouts 10 s (a broken harness fails instead of hanging);
 * everything else is HttpClient's default (retries, redirects, cookie store, validateAfterInactivity 2 s, LIFO
 * reuse). One client and one server per trial, both closed at its end; one request per route in setup checks the
 * harness (status, body, HTTP/1.1); teardown prints how many connections the server accepted for how many
 * requests (reuse, not churn). Client and server share the same cores: this is the share of a real request's
 * cost that the pool is, not the pool alone.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class HttpClient5ClassicBenchmark {

    @Param({"ROUTEPOOL", "HC5_STRICT", "HC5_LAX", "HC5_OFFLOCK"})
    public HttpClient5Manager pool;

    /** Distinct routes: 127.0.0.1 on this many ports of one server. */
    @Param({"1", "16"})
    public int routes;

    private static final HttpClientResponseHandler<Integer> STATUS_200 = response -> {
        int status = response.getCode();
        EntityUtils.consume(response.getEntity());
        if (status != 200) {
            throw new IOException("unexpected status " + status);
        }
        return status;
    };

    HttpHost[] targets;
    private LoopbackHttp5Server server;
    private CloseableHttpClient client;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
        server = LoopbackHttp5Server.start(routes);
        targets = server.targets();
        int perRoute = Math.max(2, params.getThreads());
        HttpClientConnectionManager manager = pool.classic(perRoute * routes, perRoute);
        client = HttpClients.custom()
                .setConnectionManager(manager)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(HttpClient5Manager.TIMEOUT)
                        .setResponseTimeout(HttpClient5Manager.TIMEOUT)
                        .build())
                .build();
        for (HttpHost target : targets) {
            client.execute(target, new HttpGet("/"), response -> {
                String body = EntityUtils.toString(response.getEntity());
                if (response.getCode() != 200 || !LoopbackHttp5Server.BODY.equals(body)
                        || !HttpVersion.HTTP_1_1.equals(response.getVersion())) {
                    throw new IOException("harness check failed: " + response.getVersion() + " " + response.getCode()
                            + " '" + body + "' from " + target);
                }
                return null;
            });
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (client != null) {
                client.close(CloseMode.GRACEFUL); // closes the connection manager
            }
        } finally {
            if (server != null) {
                System.out.println("\n[pool " + pool + ", routes " + routes + "] server: " + server.counts());
                server.close();
            }
        }
    }

    @Benchmark
    public int get(Http5TargetCursor cursor) throws IOException {
        return client.execute(cursor.next(targets), new HttpGet("/"), STATUS_200);
    }
}

package io.routepool.httpclient5;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.nio.AsyncClientConnectionManager;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.reactor.IOReactorConfig;

/** HTTP exchanges as users write them, reduced to what the tests look at: the status and the client port. */
final class Exchanges {

    private Exchanges() {
    }

    /** A classic client on {@code cm}, as users build one; no automatic retries, so a failed exchange shows. */
    static CloseableHttpClient classicClient(HttpClientConnectionManager cm) {
        return HttpClients.custom().setConnectionManager(cm).disableAutomaticRetries().build();
    }

    /** A started async client on {@code cm}, one I/O thread, no automatic retries. */
    static CloseableHttpAsyncClient asyncClient(AsyncClientConnectionManager cm) {
        CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setConnectionManager(cm)
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(1).build())
                .disableAutomaticRetries()
                .build();
        client.start();
        return client;
    }

    /** GET with a 200 expected, body consumed; returns the client port the server saw. */
    static int get(CloseableHttpClient client, String url) throws IOException {
        return get(client, new HttpGet(url), HttpClientContext.create());
    }

    static int get(CloseableHttpClient client, String url, HttpClientContext context) throws IOException {
        return get(client, new HttpGet(url), context);
    }

    static int get(CloseableHttpClient client, HttpGet request, HttpClientContext context) throws IOException {
        return client.execute(request, context, response -> {
            EntityUtils.consume(response.getEntity());
            if (response.getCode() != 200) {
                throw new AssertionError("status " + response.getCode() + " for " + request);
            }
            return port(response.getFirstHeader(ClassicServer.CLIENT_PORT));
        });
    }

    /** Starts an async GET. */
    static Future<SimpleHttpResponse> start(CloseableHttpAsyncClient client, String url) {
        return client.execute(SimpleRequestBuilder.get(url).build(), null);
    }

    /** Waits for an async GET with a 200 expected; returns the client port the server saw. */
    static int port(Future<SimpleHttpResponse> exchange)
            throws InterruptedException, ExecutionException, TimeoutException {
        SimpleHttpResponse response = exchange.get(20, TimeUnit.SECONDS);
        if (response.getCode() != 200) {
            throw new AssertionError("status " + response.getCode());
        }
        return port(response.getFirstHeader(ClassicServer.CLIENT_PORT));
    }

    static int asyncGet(CloseableHttpAsyncClient client, String url)
            throws InterruptedException, ExecutionException, TimeoutException {
        return port(start(client, url));
    }

    private static int port(Header header) {
        if (header == null) {
            throw new AssertionError("no " + ClassicServer.CLIENT_PORT + " header in the response");
        }
        return Integer.parseInt(header.getValue());
    }
}

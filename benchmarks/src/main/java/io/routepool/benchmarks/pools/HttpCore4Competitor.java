package io.routepool.benchmarks.pools;

import org.apache.http.HttpClientConnection;
import org.apache.http.HttpHost;
import org.apache.http.impl.pool.BasicConnPool;
import org.apache.http.impl.pool.BasicPoolEntry;
import org.apache.http.pool.ConnFactory;

/**
 * HttpCore 4.4.16's {@link BasicConnPool}, which runs the same {@code AbstractConnPool} code as
 * HttpClient 4.5's {@code CPool}: {@code lease(route, state).get(10 s)}, {@code setState},
 * {@code release(entry, true)}.
 */
final class HttpCore4Competitor extends Competitor {

    private final BasicConnPool pool;

    HttpCore4Competitor(int maxPerRoute, int maxTotal) {
        ConnFactory<HttpHost, HttpClientConnection> factory = route -> {
            created.incrementAndGet();
            return new StubConnection.Http4(closed);
        };
        pool = new BasicConnPool(factory);
        pool.setMaxTotal(maxTotal);
        pool.setDefaultMaxPerRoute(maxPerRoute);
    }

    @Override
    public Object lease(HttpHost route, Object state) throws Exception {
        return pool.lease(route, state).get(TIMEOUT_SECONDS, TIMEOUT_UNIT);
    }

    @Override
    public void release(Object handle, Object state) {
        BasicPoolEntry entry = (BasicPoolEntry) handle;
        entry.setState(state);
        pool.release(entry, true);
    }

    @Override
    public int leased() {
        return pool.getTotalStats().getLeased();
    }

    @Override
    public void close() {
        try {
            pool.shutdown();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

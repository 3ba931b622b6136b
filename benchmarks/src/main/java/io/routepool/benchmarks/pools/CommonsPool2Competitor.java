package io.routepool.benchmarks.pools;

import java.time.Duration;
import org.apache.commons.pool2.BaseKeyedPooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;
import org.apache.http.HttpHost;

/**
 * commons-pool2 2.12.0's {@link GenericKeyedObjectPool}: maxTotalPerKey = maxIdlePerKey = the route
 * limit (its default maxIdlePerKey of 8 would destroy returns above 8), maxTotal, blockWhenExhausted,
 * maxWait 10 s, JMX off, no evictor; {@code borrowObject(key)} / {@code returnObject(key, obj)}.
 * It has no connection state: it never runs the state variants.
 */
final class CommonsPool2Competitor extends Competitor {

    private final GenericKeyedObjectPool<HttpHost, StubConnection> pool;

    CommonsPool2Competitor(int maxPerRoute, int maxTotal) {
        GenericKeyedObjectPoolConfig<StubConnection> config = new GenericKeyedObjectPoolConfig<>();
        config.setMaxTotalPerKey(maxPerRoute);
        config.setMaxIdlePerKey(maxPerRoute);
        config.setMaxTotal(maxTotal);
        config.setBlockWhenExhausted(true);
        config.setMaxWait(Duration.ofSeconds(TIMEOUT_SECONDS));
        config.setJmxEnabled(false);
        pool = new GenericKeyedObjectPool<>(new BaseKeyedPooledObjectFactory<HttpHost, StubConnection>() {
            @Override
            public StubConnection create(HttpHost key) {
                created.incrementAndGet();
                return new StubConnection(key);
            }

            @Override
            public PooledObject<StubConnection> wrap(StubConnection value) {
                return new DefaultPooledObject<>(value);
            }

            @Override
            public void destroyObject(HttpHost key, PooledObject<StubConnection> p) {
                closed.incrementAndGet();
            }
        }, config);
    }

    @Override
    public Object lease(HttpHost route, Object state) throws Exception {
        return pool.borrowObject(route);
    }

    @Override
    public void release(Object handle, Object state) {
        StubConnection connection = (StubConnection) handle;
        pool.returnObject(connection.route, connection);
    }

    /** {@code addObject}: an idle object without the return path, whose waiter check visits every key. */
    @Override
    public void addIdle(HttpHost route, Object state) throws Exception {
        pool.addObject(route);
    }

    @Override
    public int leased() {
        return pool.getNumActive();
    }

    @Override
    public void close() {
        pool.close();
    }
}

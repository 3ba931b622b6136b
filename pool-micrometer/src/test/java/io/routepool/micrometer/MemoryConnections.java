package io.routepool.micrometer;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** A connection factory of plain objects: a "connection" is a number, opened and closed in memory. */
final class MemoryConnections implements ConnectionFactory<String, Integer> {

    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();

    @Override
    public Integer create(String route) {
        return created.incrementAndGet();
    }

    @Override
    public void close(Integer connection, CloseMode mode) {
        closed.incrementAndGet();
    }
}

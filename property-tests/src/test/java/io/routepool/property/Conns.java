package io.routepool.property;

import io.routepool.core.CloseMode;
import io.routepool.core.ConnectionFactory;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Makes {@link Conn}s and keeps the books: open now, highest ever open (total and per route), double closes. */
final class Conns implements ConnectionFactory<String, Conn> {

    interface Fault {
        void maybeFail(String route) throws IOException;
    }

    final List<Conn> created = new CopyOnWriteArrayList<>();
    final AtomicInteger serials = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final Map<String, AtomicInteger> openPerRoute = new ConcurrentHashMap<>();
    final AtomicInteger doubleCloses = new AtomicInteger();
    volatile Fault fault = route -> { };

    @Override
    public Conn create(String route) throws IOException {
        fault.maybeFail(route);
        Conn c = new Conn(route, serials.incrementAndGet());
        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
        openPerRoute.computeIfAbsent(route, r -> new AtomicInteger()).incrementAndGet();
        created.add(c);
        return c;
    }

    @Override
    public void close(Conn c, CloseMode mode) {
        if (c.closes.incrementAndGet() > 1) {
            doubleCloses.incrementAndGet();
            return;
        }
        c.closedWith = mode;
        c.open = false;
        open.decrementAndGet();
        openPerRoute.get(c.route).decrementAndGet();
    }

    @Override
    public boolean isOpen(Conn c) {
        return c.open;
    }

    int openOn(String route) {
        AtomicInteger n = openPerRoute.get(route);
        return n == null ? 0 : n.get();
    }
}

package io.routepool.core;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A connection factory that keeps the books: every connection it made, how many are open now (in
 * total and per route), the highest number ever open at once, and how often each was closed.
 */
final class TestConnections implements ConnectionFactory<String, TestConnections.Conn> {

    static final class Conn {
        final String route;
        final int serial;
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger holders = new AtomicInteger();
        volatile boolean open = true;
        /** When set, isOpen throws, as a broken connection implementation might. */
        volatile boolean isOpenThrows;
        volatile CloseMode closeMode;

        Conn(String route, int serial) {
            this.route = route;
            this.serial = serial;
        }

        @Override
        public String toString() {
            return route + "#" + serial;
        }
    }

    final List<Conn> created = new CopyOnWriteArrayList<>();

    /** A pool on these connections with {@code log}, the fake clock {@code time} and no background maintenance. */
    RoutePool<String, Conn> manualPool(CapturedLog log, FakeTime time, int maxPerRoute, int maxTotal) {
        return (RoutePool<String, Conn>) KeyedPool.builder(this).logger(log).defaultMaxPerRoute(maxPerRoute).maxTotal(maxTotal)
                .timeSource(time).maintenanceInterval(java.time.Duration.ZERO).build();
    }
    private final AtomicInteger serials = new AtomicInteger();
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger maxOpen = new AtomicInteger();
    final Map<String, AtomicInteger> openPerRoute = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> maxOpenPerRoute = new ConcurrentHashMap<>();
    final AtomicInteger doubleCloses = new AtomicInteger();
    /** When set, the next create calls this instead of making a connection. */
    final AtomicReference<CreateHook> hook = new AtomicReference<>();

    interface CreateHook {
        Conn create(String route) throws IOException;
    }

    @Override
    public Conn create(String route) throws IOException {
        CreateHook h = hook.get();
        if (h != null) {
            return h.create(route);
        }
        return make(route);
    }

    Conn make(String route) {
        Conn c = new Conn(route, serials.incrementAndGet());
        int n = open.incrementAndGet();
        maxOpen.accumulateAndGet(n, Math::max);
        int r = openPerRoute.computeIfAbsent(route, k -> new AtomicInteger()).incrementAndGet();
        maxOpenPerRoute.computeIfAbsent(route, k -> new AtomicInteger()).accumulateAndGet(r, Math::max);
        created.add(c);
        return c;
    }

    @Override
    public void close(Conn c, CloseMode mode) {
        if (c.closes.incrementAndGet() > 1) {
            doubleCloses.incrementAndGet();
            return;
        }
        c.closeMode = mode;
        c.open = false;
        open.decrementAndGet();
        openPerRoute.get(c.route).decrementAndGet();
    }

    @Override
    public boolean isOpen(Conn c) {
        if (c.isOpenThrows) {
            throw new IllegalStateException("isOpen of " + c + " is broken");
        }
        return c.open;
    }

    Conn conn(int serial) {
        return created.stream().filter(c -> c.serial == serial).findFirst().orElseThrow();
    }

    long closedCount() {
        return created.stream().filter(c -> c.closes.get() > 0).count();
    }
}

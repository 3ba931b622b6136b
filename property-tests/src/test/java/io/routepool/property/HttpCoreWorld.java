package io.routepool.property;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.http.pool.AbstractConnPool;
import org.apache.http.pool.PoolEntry;
import org.apache.http.pool.PoolEntryCallback;

/**
 * HttpCore 4.4's AbstractConnPool (the reference), with routepool's documented differences applied
 * explicitly on top, so that the comparison states them instead of hiding them:
 * <ul>
 *   <li>lowering a limit closes surplus idle connections at once (least recently released first);</li>
 *   <li>a connection released while its route or the pool is over its limit is closed;</li>
 *   <li>releasing an entry that is not leased is refused (HttpCore ignores it; routepool throws);</li>
 *   <li>a zero timeout does not wait (HttpCore: get(1 µs), which does not wait either).</li>
 * </ul>
 */
final class HttpCoreWorld implements World {

    static final class RefEntry extends PoolEntry<String, Conn> {
        private final java.util.function.BooleanSupplier bookkeeping;

        RefEntry(String id, String route, Conn conn, java.util.function.BooleanSupplier bookkeeping) {
            super(id, route, conn);
            this.bookkeeping = bookkeeping;
        }

        @Override
        public void close() {
            Conn c = getConnection();
            c.open = false;
            c.closes.incrementAndGet();
        }

        /**
         * While the oracle enumerates for its own bookkeeping, only closes count: enumAvailable would
         * otherwise drop peer-closed entries, a side effect routepool's eager shrink does not have.
         */
        @Override
        public boolean isClosed() {
            Conn c = getConnection();
            return bookkeeping.getAsBoolean() ? c.closes.get() > 0 : !c.open;
        }
    }

    static final class RefPool extends AbstractConnPool<String, Conn, RefEntry> {
        private long ids;
        boolean bookkeeping;

        RefPool(List<Conn> created, int maxPerRoute, int maxTotal) {
            super(route -> {
                Conn c = new Conn(route, created.size() + 1);
                created.add(c);
                return c;
            }, maxPerRoute, maxTotal);
        }

        @Override
        protected RefEntry createEntry(String route, Conn conn) {
            return new RefEntry(Long.toString(++ids), route, conn, () -> bookkeeping);
        }

        void forEachAvailable(PoolEntryCallback<String, Conn> callback) {
            bookkeeping = true;
            try {
                enumAvailable(callback);
            } finally {
                bookkeeping = false;
            }
        }
    }

    private final List<Conn> created = new ArrayList<>();
    private final RefPool pool;
    private final Leases leases = new Leases();
    private final Map<Integer, RefEntry> handles = new HashMap<>();
    private final Set<String> overridden = new HashSet<>();
    private String last = "";
    private boolean closed;

    HttpCoreWorld(Action.Config cfg) {
        pool = new RefPool(created, cfg.maxPerRoute(), cfg.maxTotal());
    }

    @Override
    public String apply(Action a) {
        try {
            last = run(a);
        } catch (RuntimeException e) {
            last = "threw " + e;
        }
        return last;
    }

    private String run(Action a) {
        if (a instanceof Action.Lease l) {
            try {
                RefEntry e = pool.lease(l.route(), l.state()).get(1, TimeUnit.MICROSECONDS);
                int serial = e.getConnection().serial;
                handles.put(serial, e);
                leases.order.add(serial);
                return "conn#" + serial;
            } catch (TimeoutException e) {
                return "timeout";
            } catch (IllegalStateException e) {
                return closed ? "closed" : "threw " + e;
            } catch (Exception e) {
                return "threw " + e;
            }
        } else if (a instanceof Action.Release r) {
            Integer serial = leases.pick(r.pick());
            if (serial == null) {
                return "noop";
            }
            leases.order.remove(serial);
            RefEntry e = handles.get(serial);
            e.setState(r.state());
            boolean reusable = r.reusable();
            if (reusable) {
                e.updateExpiry(r.keepAliveNanos(), TimeUnit.NANOSECONDS);
                if (!closed && overLimit(e.getRoute())) {
                    reusable = false; // routepool: surplus after a lowered limit is closed
                }
            }
            pool.release(e, reusable);
            return "ok";
        } else if (a instanceof Action.ReleaseNotLeased r) {
            Integer serial = leases.pickNotLeased(created, r.pick());
            if (serial == null) {
                return "noop";
            }
            pool.release(handles.get(serial), true);
            return "refused"; // HttpCore ignores it silently; routepool refuses with an exception
        } else if (a instanceof Action.SetMaxTotal s) {
            int old = pool.getMaxTotal();
            pool.setMaxTotal(s.max());
            if (s.max() < old) {
                shrinkTotal();
            }
        } else if (a instanceof Action.SetMaxPerRoute s) {
            pool.setMaxPerRoute(s.route(), s.max());
            overridden.add(s.route());
            shrinkRoute(s.route());
        } else if (a instanceof Action.ClearMaxPerRoute c) {
            pool.setMaxPerRoute(c.route(), -1);
            overridden.remove(c.route());
            shrinkRoute(c.route());
        } else if (a instanceof Action.SetDefaultMaxPerRoute s) {
            pool.setDefaultMaxPerRoute(s.max());
            for (String r : Action.ROUTES) {
                if (!overridden.contains(r)) {
                    shrinkRoute(r);
                }
            }
        } else if (a instanceof Action.CloseIdle c) {
            pool.closeIdle(TimeUnit.NANOSECONDS.toMillis(c.idleNanos()), TimeUnit.MILLISECONDS);
        } else if (a instanceof Action.CloseExpired) {
            pool.closeExpired();
        } else if (a instanceof Action.PeerClose p) {
            Conn c = leases.pickIdle(created, p.pick());
            if (c == null) {
                return "noop";
            }
            c.open = false;
        } else if (a instanceof Action.Close) {
            closed = true;
            try {
                pool.shutdown();
            } catch (java.io.IOException e) {
                return "threw " + e;
            }
        } else {
            throw new IllegalArgumentException("HttpCore cannot replay " + a);
        }
        return "ok";
    }

    private boolean overLimit(String route) {
        var r = pool.getStats(route);
        var t = pool.getTotalStats();
        return r.getLeased() + r.getAvailable() > pool.getMaxPerRoute(route)
                || t.getLeased() + t.getAvailable() > pool.getMaxTotal();
    }

    /** Available entries, most recently released first. */
    private List<RefEntry> available() {
        List<RefEntry> out = new ArrayList<>();
        pool.forEachAvailable(e -> out.add((RefEntry) e));
        return out;
    }

    private void closeAll(Set<RefEntry> victims) {
        if (!victims.isEmpty()) {
            pool.forEachAvailable(e -> {
                if (victims.contains(e)) {
                    e.close();
                }
            });
        }
    }

    private void shrinkRoute(String route) {
        var s = pool.getStats(route);
        int excess = s.getLeased() + s.getAvailable() - pool.getMaxPerRoute(route);
        List<RefEntry> idle = available().stream().filter(e -> e.getRoute().equals(route)).collect(Collectors.toList());
        Set<RefEntry> victims = new HashSet<>();
        for (int i = idle.size() - 1; i >= 0 && excess > 0; i--, excess--) {
            victims.add(idle.get(i));
        }
        closeAll(victims);
    }

    private void shrinkTotal() {
        var t = pool.getTotalStats();
        int excess = t.getLeased() + t.getAvailable() - pool.getMaxTotal();
        List<RefEntry> idle = available();
        Set<RefEntry> victims = new HashSet<>();
        for (int i = idle.size() - 1; i >= 0 && excess > 0; i--, excess--) {
            victims.add(idle.get(i));
        }
        closeAll(victims);
    }

    @Override
    public Observation observe() {
        Set<Integer> closedSet = created.stream().filter(c -> !c.open).map(c -> c.serial)
                .collect(Collectors.toCollection(TreeSet::new));
        if (closed) {
            return Observation.of(last, closedSet, Set.of(), Map.of(), "closed");
        }
        Map<String, String> stats = new HashMap<>();
        for (String r : Action.ROUTES) {
            stats.put(r, pool.getStats(r).toString());
        }
        Set<String> inUse = pool.getRoutes().stream()
                .filter(r -> pool.getStats(r).getLeased() + pool.getStats(r).getAvailable() > 0)
                .collect(Collectors.toCollection(TreeSet::new));
        return Observation.of(last, closedSet, inUse, stats, pool.getTotalStats().toString());
    }
}

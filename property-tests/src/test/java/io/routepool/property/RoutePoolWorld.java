package io.routepool.property;

import io.routepool.core.CloseMode;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import io.routepool.core.TimeSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** routepool's pool, driven by actions. */
final class RoutePoolWorld implements World {

    /** Builds the pool under test; the broken-pool tests plug deliberately wrong ones in here. */
    interface PoolMaker {
        KeyedPool<String, Conn> make(Conns conns, TimeSource clock, Action.Config cfg);

        PoolMaker REAL = (conns, clock, cfg) -> builder(conns, clock, cfg).build();

        /** Every thread on one spot of each route: the lock-free path's displacement and demotion run all the time. */
        PoolMaker ONE_SPOT = (conns, clock, cfg) -> io.routepool.core.SpotsForTests.spots(builder(conns, clock, cfg), 1).build();

        private static io.routepool.core.PoolBuilder<String, Conn> builder(Conns conns, TimeSource clock, Action.Config cfg) {
            var b = KeyedPool.builder(conns).defaultMaxPerRoute(cfg.maxPerRoute()).maxTotal(cfg.maxTotal())
                    .timeSource(clock).maintenanceInterval(java.time.Duration.ZERO).validator((Conn c) -> !c.stale)
                    // HttpCore's rules, which HttpCore and the time model follow: learnIdleClose adds checks and expiry
                    // of its own (a deliberate difference, DESIGN.md; pool-core's IdleCloseLearningTest covers it)
                    .learnIdleClose(false);
            if (cfg.ttlNanos() > 0) {
                b.timeToLive(java.time.Duration.ofNanos(cfg.ttlNanos()));
            }
            if (cfg.validateAfterNanos() > 0) {
                b.validateAfterInactivity(java.time.Duration.ofNanos(cfg.validateAfterNanos()));
            }
            return b;
        }
    }

    final Conns conns = new Conns();
    final FakeClock clock;
    final KeyedPool<String, Conn> pool;
    private final Leases leases = new Leases();
    private final Map<Integer, PoolEntry<String, Conn>> handles = new HashMap<>();
    private String last = "";
    private boolean closed;

    RoutePoolWorld(Action.Config cfg, PoolMaker maker, long tickNanos) {
        this.clock = new FakeClock(tickNanos);
        this.pool = maker.make(conns, clock, cfg);
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
                PoolEntry<String, Conn> e = pool.lease(l.route(), l.state(), 0, TimeUnit.MILLISECONDS);
                int serial = e.connection().serial;
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
            PoolEntry<String, Conn> e = handles.get(serial);
            e.setState(r.state());
            pool.release(e, r.reusable(), r.keepAliveNanos(), TimeUnit.NANOSECONDS);
            return "ok";
        } else if (a instanceof Action.ReleaseNotLeased r) {
            Integer serial = leases.pickNotLeased(conns.created, r.pick());
            if (serial == null) {
                return "noop";
            }
            try {
                pool.release(handles.get(serial), true);
                return "accepted";
            } catch (IllegalStateException refused) {
                return "refused";
            }
        } else if (a instanceof Action.SetMaxTotal s) {
            pool.setMaxTotal(s.max());
        } else if (a instanceof Action.SetMaxPerRoute s) {
            pool.setMaxPerRoute(s.route(), s.max());
        } else if (a instanceof Action.ClearMaxPerRoute c) {
            pool.clearMaxPerRoute(c.route());
        } else if (a instanceof Action.SetDefaultMaxPerRoute s) {
            pool.setDefaultMaxPerRoute(s.max());
        } else if (a instanceof Action.CloseIdle c) {
            pool.closeIdle(c.idleNanos(), TimeUnit.NANOSECONDS);
        } else if (a instanceof Action.CloseExpired) {
            pool.closeExpired();
        } else if (a instanceof Action.PeerClose p) {
            Conn c = leases.pickIdle(conns.created, p.pick());
            if (c == null) {
                return "noop";
            }
            c.open = false;
        } else if (a instanceof Action.MarkStale m) {
            Conn c = leases.pickIdle(conns.created, m.pick());
            if (c == null) {
                return "noop";
            }
            c.stale = true;
        } else if (a instanceof Action.Advance adv) {
            clock.advance(adv.nanos());
        } else if (a instanceof Action.Close) {
            closed = true;
            pool.close(CloseMode.IMMEDIATE);
        }
        return "ok";
    }

    @Override
    public Observation observe() {
        Set<Integer> closedSet = conns.created.stream().filter(c -> !c.open).map(c -> c.serial)
                .collect(Collectors.toCollection(TreeSet::new));
        if (closed) {
            return Observation.of(last, closedSet, Set.of(), Map.of(), "closed");
        }
        Map<String, String> stats = new HashMap<>();
        for (String r : Action.ROUTES) {
            stats.put(r, pool.getStats(r).toString());
        }
        Set<String> inUse = pool.getRoutes().stream()
                .filter(r -> pool.getStats(r).leased() + pool.getStats(r).available() > 0)
                .collect(Collectors.toCollection(TreeSet::new));
        return Observation.of(last, closedSet, inUse, stats, pool.getTotalStats().toString());
    }
}

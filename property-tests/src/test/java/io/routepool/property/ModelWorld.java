package io.routepool.property;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/** The reference model, driven by actions, on exact logical time. */
final class ModelWorld implements World {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ReferenceModel model;
    private final Leases leases = new Leases();
    private final Map<Integer, ReferenceModel.Entry> handles = new HashMap<>();
    private String last = "";

    ModelWorld(Action.Config cfg) {
        model = new ReferenceModel(cfg.maxPerRoute(), cfg.maxTotal(), cfg.ttlNanos(), cfg.validateAfterNanos(), now::get);
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
            if (model.isClosed()) {
                return "closed";
            }
            ReferenceModel.Entry e = model.lease(l.route(), l.state());
            if (e == null) {
                return "timeout";
            }
            handles.put(e.conn.serial, e);
            leases.order.add(e.conn.serial);
            return "conn#" + e.conn.serial;
        } else if (a instanceof Action.Release r) {
            Integer serial = leases.pick(r.pick());
            if (serial == null) {
                return "noop";
            }
            leases.order.remove(serial);
            ReferenceModel.Entry e = handles.get(serial);
            e.state = r.state();
            model.release(e, r.reusable(), r.keepAliveNanos());
            return "ok";
        } else if (a instanceof Action.ReleaseNotLeased r) {
            Integer serial = leases.pickNotLeased(model.created(), r.pick());
            if (serial == null) {
                return "noop";
            }
            try {
                model.release(handles.get(serial), true, 0);
                return "accepted";
            } catch (IllegalStateException refused) {
                return "refused";
            }
        } else if (a instanceof Action.SetMaxTotal s) {
            model.setMaxTotal(s.max());
        } else if (a instanceof Action.SetMaxPerRoute s) {
            model.setMaxPerRoute(s.route(), s.max());
        } else if (a instanceof Action.ClearMaxPerRoute c) {
            model.clearMaxPerRoute(c.route());
        } else if (a instanceof Action.SetDefaultMaxPerRoute s) {
            model.setDefaultMaxPerRoute(s.max());
        } else if (a instanceof Action.CloseIdle c) {
            model.closeIdle(c.idleNanos());
        } else if (a instanceof Action.CloseExpired) {
            model.closeExpired();
        } else if (a instanceof Action.PeerClose p) {
            Conn c = leases.pickIdle(model.created(), p.pick());
            if (c == null) {
                return "noop";
            }
            c.open = false;
        } else if (a instanceof Action.MarkStale m) {
            Conn c = leases.pickIdle(model.created(), m.pick());
            if (c == null) {
                return "noop";
            }
            c.stale = true;
        } else if (a instanceof Action.Advance adv) {
            now.addAndGet(adv.nanos());
        } else if (a instanceof Action.Close) {
            model.close();
        }
        return "ok";
    }

    @Override
    public Observation observe() {
        Set<Integer> closedSet = model.created().stream().filter(c -> !c.open).map(c -> c.serial)
                .collect(Collectors.toCollection(TreeSet::new));
        if (model.isClosed()) {
            return Observation.of(last, closedSet, Set.of(), Map.of(), "closed");
        }
        Map<String, String> stats = new HashMap<>();
        for (String r : Action.ROUTES) {
            stats.put(r, model.stats(r));
        }
        return Observation.of(last, closedSet, model.routesInUse(), stats, model.totalStats());
    }
}

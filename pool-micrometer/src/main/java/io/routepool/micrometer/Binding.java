package io.routepool.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.routepool.core.PoolCounters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The meters of one pool in one registry. Every gauge and counter reads the binder's shared {@link Sampler} (held
 * strongly by the gauges, so it lives as long as they are registered, while the pool is held only weakly); the
 * per-route gauges are rows of three {@link MultiGauge}s, one row set per shown route name, replaced as the set
 * changes. Created, changed and removed only under the binder's lock.
 */
final class Binding {

    static final String POOL_TAG = "pool";
    static final String ROUTE_TAG = "route";
    static final String STATE_TAG = "state";
    static final String OUTCOME_TAG = "outcome";

    /** A life count of the pool as a FunctionCounter: its name, its description and where it comes from. */
    static final class CounterMeter {
        final String name;
        final String description;
        final ToLongFunction<PoolCounters> count;

        CounterMeter(String name, String description, ToLongFunction<PoolCounters> count) {
            this.name = name;
            this.description = description;
            this.count = count;
        }
    }

    /** The pool's life counts: one line per counter, in the order of {@link PoolCounters}'s accessors. */
    static final List<CounterMeter> COUNTERS = Collections.unmodifiableList(Arrays.asList(
            new CounterMeter("routepool.connections.created", "Connections created", PoolCounters::created),
            new CounterMeter("routepool.connections.closed", "Connections closed", PoolCounters::closed),
            new CounterMeter("routepool.connections.reused", "Idle connections handed to leases", PoolCounters::reused),
            new CounterMeter("routepool.leases.waited", "Leases that had to wait for a connection", PoolCounters::waited),
            new CounterMeter("routepool.leases.timeouts", "Leases that timed out", PoolCounters::timedOut),
            new CounterMeter("routepool.leases.leaks", "Leases held longer than the leak threshold", PoolCounters::leaksSuspected),
            new CounterMeter("routepool.leases.reclaimed", "Abandoned leases taken back", PoolCounters::reclaimed),
            new CounterMeter("routepool.leases.state.mismatches",
                    "Leases that opened or waited while idle connections of their route carried another state",
                    PoolCounters::stateMismatches),
            new CounterMeter("routepool.leases.self.deadlocks",
                    "Leases that waited for connections all leased by their own thread", PoolCounters::selfDeadlocks),
            new CounterMeter("routepool.leases.refused", "Leases refused by a cap on waiting requests",
                    PoolCounters::pendingRefused),
            new CounterMeter("routepool.connections.stale", "Connections found closed by their server",
                    PoolCounters::staleFound)));

    final MeterRegistry registry;
    private final Sampler<?> sampler;
    private final List<Meter> meters = new ArrayList<>();
    /** The per-route gauges, or null when no per-route meters are asked for. */
    private final MultiGauge routeConnections;
    private final MultiGauge routeMax;
    private final MultiGauge routePending;
    private final MetricsPoolListener<?> listener;
    /** The timers {@link #listener} records into for this registry, or null without a listener. */
    private final Timer[] waitTimers;

    private Binding(MeterRegistry registry, Tags tags, Sampler<?> sampler, boolean perRoute,
            MetricsPoolListener<?> listener) {
        this.registry = registry;
        this.sampler = sampler;
        gauge("routepool.connections", "Connections of the pool, leased or idle", tags.and(STATE_TAG, "leased"),
                s -> s.gauge(s.totals.leased));
        gauge("routepool.connections", "Connections of the pool, leased or idle", tags.and(STATE_TAG, "idle"),
                s -> s.gauge(s.totals.idle));
        gauge("routepool.connections.max", "maxTotal: the most connections the pool opens", tags,
                s -> s.gauge(s.maxTotal));
        gauge("routepool.leases.pending", "Lease requests waiting for a connection", tags,
                s -> s.gauge(s.totals.pending));
        gauge("routepool.routes", "Routes the pool has, shown on their own or not", tags, s -> s.gauge(s.routes));
        for (CounterMeter c : COUNTERS) {
            ToLongFunction<PoolCounters> count = c.count;
            meters.add(FunctionCounter.builder(c.name, sampler, x -> count.applyAsLong(x.sample().counters))
                    .description(c.description)
                    .tags(tags)
                    .register(registry));
        }
        if (perRoute) {
            routeConnections = MultiGauge.builder("routepool.route.connections")
                    .description("Connections of a route, leased or idle").tags(tags).register(registry);
            routeMax = MultiGauge.builder("routepool.route.connections.max")
                    .description("maxPerRoute of a route (summed for the routes counted together)").tags(tags)
                    .register(registry);
            routePending = MultiGauge.builder("routepool.route.leases.pending")
                    .description("Lease requests of a route waiting for a connection").tags(tags).register(registry);
        } else {
            routeConnections = null;
            routeMax = null;
            routePending = null;
        }
        this.listener = listener;
        if (listener != null) {
            Timer granted = waitTimer(tags.and(OUTCOME_TAG, "granted"));
            Timer notGranted = waitTimer(tags.and(OUTCOME_TAG, "failed"));
            meters.add(granted);
            meters.add(notGranted);
            waitTimers = listener.attach(granted, notGranted);
        } else {
            waitTimers = null;
        }
    }

    static Binding bind(MeterRegistry registry, Tags tags, Sampler<?> sampler, boolean perRoute,
            MetricsPoolListener<?> listener) {
        return new Binding(registry, tags, sampler, perRoute, listener);
    }

    private Timer waitTimer(Tags tags) {
        return Timer.builder("routepool.leases.wait")
                .description("How long leases that had to wait waited: granted a connection, or failed (timed out,"
                        + " cancelled, interrupted, or failed: the pool closed, or its new connection could not be opened)")
                .tags(tags)
                .register(registry);
    }

    private void gauge(String name, String description, Tags tags, ToDoubleFunction<Sample> value) {
        meters.add(Gauge.builder(name, sampler, s -> value.applyAsDouble(s.sample()))
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry));
    }

    /** Shows these route names on their own (and the rest under {@code otherName} if {@code other}), and no others. */
    void showRoutes(Set<String> names, boolean other, String otherName) {
        if (routeConnections == null) {
            return;
        }
        List<MultiGauge.Row<?>> connections = new ArrayList<>();
        List<MultiGauge.Row<?>> max = new ArrayList<>();
        List<MultiGauge.Row<?>> pending = new ArrayList<>();
        for (String name : names) {
            rows(connections, max, pending, name, name);
        }
        if (other) {
            rows(connections, max, pending, otherName, null);
        }
        // overwrite false: a row that stays keeps its gauge (its value function reads the sampler by name)
        routeConnections.register(connections, false);
        routeMax.register(max, false);
        routePending.register(pending, false);
    }

    /** The rows of one route name; {@code name} null is "other". */
    private void rows(List<MultiGauge.Row<?>> connections, List<MultiGauge.Row<?>> max, List<MultiGauge.Row<?>> pending,
            String tag, String name) {
        Tags route = Tags.of(ROUTE_TAG, tag);
        connections.add(MultiGauge.Row.of(route.and(STATE_TAG, "leased"), sampler,
                s -> value(s, name, c -> c.leased)));
        connections.add(MultiGauge.Row.of(route.and(STATE_TAG, "idle"), sampler, s -> value(s, name, c -> c.idle)));
        max.add(MultiGauge.Row.of(route, sampler, s -> value(s, name, c -> c.max)));
        pending.add(MultiGauge.Row.of(route, sampler, s -> value(s, name, c -> c.pending)));
    }

    private static double value(Sampler<?> sampler, String name, ToLongFunction<Sample.Counts> field) {
        Sample s = sampler.sample();
        return s.gauge(field.applyAsLong(s.shownOrOther(name)));
    }

    /** Removes every meter of this binding from the registry and stops recording lease waits into it. */
    void unbind() {
        if (waitTimers != null) {
            listener.detach(waitTimers);
        }
        if (routeConnections != null) {
            routeConnections.register(Collections.<MultiGauge.Row<?>>emptyList(), true);
            routeMax.register(Collections.<MultiGauge.Row<?>>emptyList(), true);
            routePending.register(Collections.<MultiGauge.Row<?>>emptyList(), true);
        }
        for (Meter m : meters) {
            registry.remove(m);
        }
        meters.clear();
    }
}

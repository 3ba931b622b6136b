package io.routepool.core;

/**
 * The pool's parts, wired once by {@link RoutePool}'s constructor and handed to each lease attempt: a holder
 * with no behaviour of its own, so that an attempt calls the parts (never the façade that made it).
 */
final class PoolParts<R, C> {

    final Settings settings;
    final PoolState pool;
    final Clocks clocks;
    final Segments<R, C> segments;
    final CapacityQueue<R, C> capacity;
    final Eviction<R, C> eviction;
    final HandOff<R, C> handOff;
    final UserCode<R, C> calls;
    final Connections<R, C> connections;
    final LeaseLedger ledger;
    final Diagnostics<R> diagnostics;
    final Diagnosis<R, C> diagnosis;

    PoolParts(PoolBuilder<R, C> b) {
        this.settings = new Settings(b);
        this.pool = new PoolState(b.maxTotal, b.defaultMaxPerRoute, b.validateAfterInactivityNanos);
        this.clocks = Clocks.of(b.timeSource, b.maintenanceIntervalNanos > 0);
        this.segments = new Segments<>(b.reuseOrder == ReuseOrder.FIFO, pool, b.spots,
                java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(b.warmRoutes)));
        this.capacity = new CapacityQueue<>(pool.waiting);
        this.eviction = new Eviction<>(segments, pool);
        this.diagnostics = new Diagnostics<>(b.listener, new Log(b.logger),
                new Remedies(b.remedies, b.remedyHints, b.captureLeaseStacks), settings.poolName);
        this.calls = new UserCode<>(b.factory, b.validator, b.idleProbe, diagnostics.log, diagnostics);
        this.handOff = new HandOff<>(pool, capacity, eviction, calls, clocks);
        this.connections = new Connections<>(pool, clocks, calls, handOff, diagnostics, settings, segments);
        this.ledger = new LeaseLedger(b.captureLeaseStacks);
        this.diagnosis = new Diagnosis<>(segments, pool, clocks, diagnostics, settings);
    }
}

package io.routepool.micrometer;

import io.routepool.core.PoolCounters;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * One reading of a pool, which every meter of one scrape shares: the totals, the counts of every route name, the
 * counts of the names not shown on their own summed as "other", and the life counts. Immutable.
 */
final class Sample {

    /** Counts of one route name (the sum over the routes that carry it), or of "other". Immutable. */
    static final class Counts {

        static final Counts ZERO = new Counts(0, 0, 0, 0);

        final long leased;
        final long idle;
        final long pending;
        final long max;

        Counts(long leased, long idle, long pending, long max) {
            this.leased = leased;
            this.idle = idle;
            this.pending = pending;
            this.max = max;
        }

        /** How busy a route is, for the cap on routes: the connections it holds plus the requests waiting for one. */
        long footprint() {
            return leased + idle + pending;
        }

        Counts plus(long leased, long idle, long pending, long max) {
            return new Counts(this.leased + leased, this.idle + idle, this.pending + pending, this.max + max);
        }

        Counts plus(Counts c) {
            return plus(c.leased, c.idle, c.pending, c.max);
        }
    }

    static final PoolCounters NO_COUNTS = new PoolCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** When it was taken ({@code System.nanoTime()} or the test clock). */
    final long takenNanos;
    /** False once the pool has been garbage-collected: gauges read NaN, counters keep their last counts. */
    final boolean present;
    /** Whether the pool said it was closed. */
    final boolean closed;
    final Counts totals;
    final long maxTotal;
    /** Routes the pool has (route pools), named or folded. */
    final int routes;
    /** Routes without a name of their own (the namer threw, or gave null, "" or the "other" tag): always "other". */
    final int unnamed;
    /** The counts of the {@link #unnamed} routes. */
    final Counts unnamedCounts;
    /** Every route name and its counts (empty when no per-route meters are asked for). */
    final Map<String, Counts> byName;
    /** The names shown on their own: every other name, and the unnamed routes, are summed into {@link #other}. */
    final Set<String> shown;
    final Counts other;
    final PoolCounters counters;

    Sample(long takenNanos, boolean present, boolean closed, Counts totals, long maxTotal, int routes, int unnamed,
            Counts unnamedCounts, Map<String, Counts> byName, Set<String> shown, PoolCounters counters) {
        this.takenNanos = takenNanos;
        this.present = present;
        this.closed = closed;
        this.totals = totals;
        this.maxTotal = maxTotal;
        this.routes = routes;
        this.unnamed = unnamed;
        this.unnamedCounts = unnamedCounts;
        this.byName = byName;
        this.shown = shown;
        Counts o = unnamedCounts;
        for (Map.Entry<String, Counts> e : byName.entrySet()) {
            if (!shown.contains(e.getKey())) {
                o = o.plus(e.getValue());
            }
        }
        this.other = o;
        this.counters = counters;
    }

    /** Nothing read yet, or nothing could be: zeros. */
    static Sample empty(long now) {
        return new Sample(now, true, false, Counts.ZERO, 0, 0, 0, Counts.ZERO,
                Collections.<String, Counts>emptyMap(), Collections.<String>emptySet(), NO_COUNTS);
    }

    /** The pool is gone: gauges read NaN, counters keep {@code last}. */
    static Sample gone(long now, PoolCounters last) {
        return new Sample(now, false, true, Counts.ZERO, 0, 0, 0, Counts.ZERO,
                Collections.<String, Counts>emptyMap(), Collections.<String>emptySet(), last);
    }

    /** The same values, taken again at {@code now} (after a reading failed: the meters keep the last good values). */
    Sample at(long now) {
        return new Sample(now, present, closed, totals, maxTotal, routes, unnamed, unnamedCounts, byName, shown, counters);
    }

    /** The same reading with other names shown on their own ({@link #other} summed again; the pool is not read). */
    Sample showing(Set<String> names) {
        return new Sample(takenNanos, present, closed, totals, maxTotal, routes, unnamed, unnamedCounts, byName, names,
                counters);
    }

    /** The counts of a name shown on its own (zero when no route carries it now), or {@link #other} for {@code null}. */
    Counts shownOrOther(String name) {
        if (name == null) {
            return other;
        }
        Counts c = byName.get(name);
        return c != null && shown.contains(name) ? c : Counts.ZERO;
    }

    /** A gauge's value: NaN once the pool is gone, as Micrometer's gauges read for a collected object. */
    double gauge(long value) {
        return present ? value : Double.NaN;
    }
}

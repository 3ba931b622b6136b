package io.routepool.micrometer;

import io.routepool.core.PoolCounters;
import io.routepool.core.PoolStats;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Reads a pool for its meters, at most once per {@code maxSampleAge}: the gauges and counters of one scrape all read
 * the same {@link Sample}, so a scrape costs the pool one reading (one pass over its routes for the per-route counts
 * and the totals, one for the life counts), not one per meter. Runs only on the threads that read meters (a scrape,
 * a push) or refresh the route set; never on a thread that leases or releases.
 *
 * <p>Concurrency: a reading is taken under this object's monitor (one reader at a time; the others wait for it
 * and share its sample); a cached sample is returned after one volatile read. Lock order: the binder's lock, then
 * this one, then the pool's route locks (taken by the pool's own stats methods); the pool never calls back into
 * the meters, and neither lock is held while a registry is called from here.
 *
 * @param <R> route
 */
final class Sampler<R> {

    private final PoolSource<R> source;
    private final Function<? super R, String> namer;
    private final String otherName;
    /** Whether per-route counts are read (the binder's maxRoutes is above 0). */
    private final boolean perRoute;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    final Reporter reporter;

    /**
     * Guarded by this. Route to name (null: folded into "other") for the routes of the last reading, so that the
     * namer runs once per route while the route stays; rebuilt by each reading, so it never holds a route the pool no
     * longer has.
     */
    private Map<R, String> names = new HashMap<>();
    /** Written under this, read without it by every meter. Never null. */
    private volatile Sample last;
    /** The names shown on their own, set by the binder ({@link #show}) under this. Never null. */
    private Set<String> shown = Collections.emptySet();
    /** True until the first reading: the initial {@link #last} holds zeros, not a reading. */
    private volatile boolean unread = true;

    Sampler(PoolSource<R> source, Function<? super R, String> namer, String otherName, boolean perRoute,
            long maxAgeNanos, LongSupplier clock, Reporter reporter) {
        this.source = source;
        this.namer = namer;
        this.otherName = otherName;
        this.perRoute = perRoute;
        this.maxAgeNanos = maxAgeNanos;
        this.clock = clock;
        this.reporter = reporter;
        this.last = Sample.empty(clock.getAsLong());
    }

    /** The last sample if it is younger than {@code maxSampleAge}, else a new one. Never throws a pool's exception. */
    Sample sample() {
        Sample s = last;
        if (!unread && clock.getAsLong() - s.takenNanos < maxAgeNanos) {
            return s;
        }
        synchronized (this) {
            s = last;
            long now = clock.getAsLong();
            if (!unread && now - s.takenNanos < maxAgeNanos) {
                return s; // another reader has just read
            }
            s = take(now);
            last = s;
            return s;
        }
    }

    /** A new sample, whatever the age of the last one (the refresh of the route set). */
    synchronized Sample fresh() {
        Sample s = take(clock.getAsLong());
        last = s;
        return s;
    }

    /**
     * Which names are shown on their own from now on. The last reading is summed again for them (no new reading),
     * so a row shown now reads its own counts at once, and "other" no longer counts them.
     */
    synchronized void show(Set<String> names) {
        shown = names;
        last = last.showing(names);
    }

    private Sample take(long now) {
        unread = false;
        Set<String> shownNow = shown;
        Sample previous = last;
        PoolReading<R> pool = source.open();
        if (pool == null) {
            return Sample.gone(now, previous.counters);
        }
        try {
            PoolCounters counters = pool.counters();
            long maxTotal = pool.maxTotal();
            boolean closed = pool.isClosed();
            if (!perRoute) {
                PoolStats t = pool.totals();
                return new Sample(now, true, closed, new Sample.Counts(t.leased(), t.available(), t.pending(), maxTotal),
                        maxTotal, pool.routes().size(), 0, Sample.Counts.ZERO, Collections.<String, Sample.Counts>emptyMap(),
                        Collections.<String>emptySet(), counters);
            }
            Set<R> routes = pool.routes();
            Map<R, String> nextNames = new HashMap<>(routes.size() * 2);
            Map<String, Sample.Counts> byName = new HashMap<>();
            Sample.Counts totals = Sample.Counts.ZERO;
            Sample.Counts unnamedCounts = Sample.Counts.ZERO;
            int unnamed = 0;
            for (R route : routes) {
                String name = names.containsKey(route) ? names.get(route) : nameOf(route);
                nextNames.put(route, name);
                PoolStats s = pool.route(route);
                Sample.Counts c = new Sample.Counts(s.leased(), s.available(), s.pending(), s.max());
                totals = totals.plus(c);
                if (name == null || name.equals(otherName)) {
                    unnamedCounts = unnamedCounts.plus(c);
                    unnamed++;
                } else {
                    byName.merge(name, c, Sample.Counts::plus);
                }
            }
            names = nextNames;
            return new Sample(now, true, closed, new Sample.Counts(totals.leased, totals.idle, totals.pending, maxTotal),
                    maxTotal, routes.size(), unnamed, unnamedCounts, Collections.unmodifiableMap(byName), shownNow,
                    counters);
        } catch (RuntimeException ex) {
            reporter.report("reading the pool failed; its meters keep their last values", ex);
            return previous.at(now);
        }
    }

    /** The route's name, or null (folded into "other") when the namer throws or gives null or "". */
    private String nameOf(R route) {
        String name;
        try {
            name = namer.apply(route);
        } catch (RuntimeException ex) {
            reporter.report("the route namer threw; the route is counted under '" + otherName + "'", ex);
            return null;
        }
        return name == null || name.isEmpty() ? null : name;
    }
}

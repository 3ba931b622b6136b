package io.routepool.benchmarks.report;

import static io.routepool.benchmarks.report.Report.BASE;
import static io.routepool.benchmarks.report.Report.find;
import static io.routepool.benchmarks.report.Report.fmt;
import static io.routepool.benchmarks.report.Report.fmtRatio;
import static io.routepool.benchmarks.report.Report.is;

import io.routepool.benchmarks.report.Report.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The summary's "Key figures": the few numbers a reader looks for first, each with what is measured,
 * this run's value and how to read it (what is better). Figures whose configuration the mode did not
 * run are left out. Nothing here changes a measurement; the tables above hold every score.
 */
final class KeyFigures {

    private KeyFigures() {
    }

    private record Line(String measured, String value, String reading) {
    }

    static String table(List<Result> all, Report.Run run) {
        List<Result> plain = all.stream().filter(r -> !r.isGc()).collect(Collectors.toList());
        List<Result> gc = all.stream().filter(Result::isGc).collect(Collectors.toList());
        List<Line> lines = new ArrayList<>();

        // ---- 1 route, ample capacity: nobody waits, the pool's own cost
        Map<Integer, Map<String, Result>> ample1 = byThreads(plain, "1", "AMPLE");
        Result rp1 = get(ample1, 1, BASE);
        if (rp1 != null) {
            lines.add(new Line("Time per lease + release, 1 route, ample capacity, 1 thread",
                    String.format(Locale.ROOT, "%.1f ns (%s ops/µs)", 1000 / rp1.score(), fmt(rp1.score())),
                    "lower is better"));
        }
        Result h1 = get(ample1, 1, "HTTPCORE4");
        if (rp1 != null && h1 != null) {
            lines.add(new Line("Same, routepool ÷ HttpCore 4.4 (the pool it replaces)", ratio(rp1, h1),
                    "> 1: routepool is faster" + withinError(rp1, h1)));
        }
        List<String> values = new ArrayList<>();
        for (int t : ample1.keySet()) {
            Result r = get(ample1, t, BASE);
            if (t >= 2 && r != null) {
                values.add(t + " thr: " + fmt(r.score()));
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("Aggregate throughput, 1 route, ample, 2 and more threads (ops/µs)", String.join("; ", values),
                    "higher is better; on 2 cores, more than 2 threads is oversubscription, not scaling"));
        }
        values.clear();
        for (int t : ample1.keySet()) {
            Result r = get(ample1, t, BASE);
            Result bag = get(ample1, t, "HIKARI_BAG");
            if (r != null && bag != null) {
                values.add(t + " thr: " + fmtRatio(bag.score() / r.score()) + "×");
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("HikariCP's bag ÷ routepool, 1 route, ample", String.join("; ", values),
                    "the bag is not keyed (no routes, no state, no limits): a ceiling for any keyed pool, not a peer;"
                            + " closer to 1 is better for routepool"));
        }
        List<Result> allocs = gc.stream().filter(r -> r.pool().equals(BASE) && r.clazz().equals("LeaseReleaseBenchmark"))
                .collect(Collectors.toList());
        if (!allocs.isEmpty()) {
            String where = allocs.stream().map(r -> Report.paramsText(r.params()) + ", " + r.threads() + " thr: "
                    + Report.fmtAlloc(r.allocPerOp()) + " B/op").collect(Collectors.joining("; "));
            lines.add(new Line("Allocation per lease + release (-prof gc)", where, "0 B/op: no garbage per request"));
        }

        // ---- 20 routes, ample
        Map<Integer, Map<String, Result>> ample20 = byThreads(plain, "20", "AMPLE");
        values.clear();
        for (int t : ample20.keySet()) {
            Result r = get(ample20, t, BASE);
            Result h = get(ample20, t, "HTTPCORE4");
            if (r != null) {
                values.add(t + " thr: " + Report.scoreText(r) + (h == null ? "" : " (" + ratio(r, h) + " HttpCore 4.4)"));
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("Throughput, 20 routes picked at random, ample (ops/µs)", String.join("; ", values),
                    "higher is better"));
        }

        // ---- scarce: 2 connections, many threads waiting
        Map<Integer, Map<String, Result>> scarce = byThreads(plain, "1", "SCARCE");
        for (int t : scarce.keySet()) {
            Result rpS = get(scarce, t, BASE);
            Result strictS = get(scarce, t, "STRICT5");
            if (rpS != null && strictS != null && t >= 4) {
                lines.add(new Line("Scarce (1 route, 2 connections, " + t + " threads): throughput, routepool ÷ HttpCore5 Strict"
                        + " (both serve waiters first come, first served)",
                        fmt(rpS.score()) + " vs " + fmt(strictS.score()) + " ops/µs: " + ratio(rpS, strictS),
                        "> 1: routepool is faster" + withinError(rpS, strictS)));
            }
        }
        Map<String, Result> latency = find(plain, is("ScarceLatencyBenchmark", 0));
        Result rpL = latency.get(BASE);
        if (rpL != null) {
            lines.add(new Line("Scarce, " + rpL.threads() + " threads on 2 connections: median, p99.99 and worst time per"
                    + " lease + release", "p50 " + us(rpL.percentiles().get("50.0")) + ", p99.99 "
                    + us(rpL.percentiles().get("99.99")) + ", max " + us(rpL.percentiles().get("100.0")),
                    "lower is better; first come, first served costs the median (a waiter is parked and woken) and"
                            + " bounds the tail (see the latency table)"));
        }

        // ---- end to end
        Map<String, Map<String, Result>> e2e = Report.byConfig(plain.stream()
                .filter(r -> r.clazz().equals("EndToEndBenchmark")).collect(Collectors.toList()));
        values.clear();
        boolean anyWithinError = false;
        for (Map<String, Result> config : e2e.values()) {
            Result rp = config.get(BASE);
            Result peer = config.get("HTTPCLIENT_POOLING");
            if (rp != null && peer != null) {
                values.add(rp.params().get("routes") + (rp.params().get("routes").equals("1") ? " route, " : " routes, ")
                        + rp.threads() + " thr: " + ratio(rp, peer));
                anyWithinError |= overlaps(rp, peer);
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("End to end through HttpClient 4.5: requests/s, routepool ÷ PoolingHttpClientConnectionManager",
                    String.join("; ", values), "> 1: routepool is faster"
                    + (anyWithinError ? "; some differences are within error: those cells do not rank the two" : "")));
        }

        // ---- cross-thread release
        Map<String, Result> cross = find(plain, is("CrossThreadReleaseBenchmark", 0));
        Result rpX = cross.get(BASE);
        Result h4X = cross.get("HTTPCORE4");
        if (rpX != null && h4X != null) {
            lines.add(new Line("Release on another thread (3 lessees hand to 1 releaser): routepool ÷ HttpCore 4.4",
                    ratio(rpX, h4X), "> 1: routepool is faster" + withinError(rpX, h4X)));
            Result sameThreads = get(ample1, rpX.threads(), BASE);
            if (sameThreads != null) {
                lines.add(new Line("Same, against lease and release on the same thread at " + rpX.threads() + " threads",
                        fmt(rpX.score()) + " vs " + fmt(sameThreads.score()) + " ops/µs ("
                                + fmtRatio(sameThreads.score() / rpX.score()) + "× slower)",
                        "closer to 1 is better: what handing a connection to another thread costs"));
            }
        }

        // ---- eviction after many routes
        values.clear();
        for (String maintenance : new String[] {"OFF", "ON"}) {
            Result fresh = find(plain, is("RouteScaleEvictionBenchmark", 0, "history", "FRESH", "maintenance", maintenance)).get(BASE);
            for (String history : new String[] {"SEEN_50K", "SEEN_50K_PURGED"}) {
                Result seen = find(plain, is("RouteScaleEvictionBenchmark", 0, "history", history, "maintenance", maintenance)).get(BASE);
                if (fresh != null && seen != null) {
                    values.add(history + ", maintenance " + maintenance + ": " + fmt(seen.score()) + " vs " + fmt(fresh.score())
                            + " µs (" + fmtRatio(seen.score() / fresh.score()) + "×)");
                }
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("A lease that evicts another route's idle connection, after 50,000 routes were used"
                    + " (and after a purge), ÷ the same in a fresh pool", String.join("; ", values),
                    "close to 1 is better: routes used once do not slow the pool down"));
        }

        StringBuilder md = new StringBuilder("## Key figures\n\n");
        if (lines.isEmpty()) {
            return md.append("None of the configurations behind the key figures ran in this mode.\n\n").toString();
        }
        md.append("| what is measured | this run | how to read it |\n|---|---|---|\n");
        for (Line l : lines) {
            md.append("| ").append(l.measured()).append(" | ").append(l.value()).append(" | ").append(l.reading()).append(" |\n");
        }
        md.append('\n');
        if (run.smoke()) {
            md.append("**").append(run.warning()).append("**\n\n");
        } else {
            md.append("Runs of 1 fork and 3 iterations (`quick`) are good for ratios of 2× or more; quote `full` (3 forks ×"
                    + " 5 iterations) for anything finer. DESIGN.md (\"Performance\") says what limits these figures.\n\n");
        }
        return md.toString();
    }

    /** LeaseReleaseBenchmark without state on {@code routes} routes, by thread count, then by pool. */
    private static Map<Integer, Map<String, Result>> byThreads(List<Result> plain, String routes, String capacity) {
        Map<Integer, Map<String, Result>> map = new TreeMap<>();
        for (Result r : plain) {
            if (is("LeaseReleaseBenchmark", 0, "routes", routes, "capacity", capacity, "states", "0").test(r)) {
                map.computeIfAbsent(r.threads(), k -> new LinkedHashMap<>()).put(r.pool(), r);
            }
        }
        return map;
    }

    private static Result get(Map<Integer, Map<String, Result>> map, int threads, String pool) {
        Map<String, Result> m = map.get(threads);
        return m == null ? null : m.get(pool);
    }

    private static String ratio(Result base, Result peer) {
        return Report.ratioText(base, peer);
    }

    private static String withinError(Result a, Result b) {
        return overlaps(a, b) ? "; within error here: not distinguishable" : "";
    }

    private static boolean overlaps(Result a, Result b) {
        if (!Double.isFinite(a.error()) || !Double.isFinite(b.error())) {
            return false;
        }
        return Math.abs(a.score() - b.score()) <= a.error() + b.error();
    }

    private static String us(Double micros) {
        if (micros == null) {
            return "–";
        }
        return micros >= 1000 ? String.format(Locale.ROOT, "%.2f ms", micros / 1000)
                : String.format(Locale.ROOT, micros >= 10 ? "%.0f µs" : "%.2f µs", micros);
    }
}

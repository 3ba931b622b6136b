package io.routepool.benchmarks.report;

import static io.routepool.benchmarks.report.Report.BASE;
import static io.routepool.benchmarks.report.Report.find;
import static io.routepool.benchmarks.report.Report.fmt;
import static io.routepool.benchmarks.report.Report.fmtRatio;
import static io.routepool.benchmarks.report.Report.is;

import io.routepool.benchmarks.report.Report.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The targets, each checked against what this run measured: the value, and met or missed by
 * how much. A target whose configuration was not run says so. Nothing here changes a measurement.
 */
final class Targets {

    private Targets() {
    }

    private record Line(String target, String measured, String verdict) {
    }

    static String check(List<Result> all) {
        List<Result> plain = all.stream().filter(r -> !r.isGc()).collect(Collectors.toList());
        List<Result> gc = all.stream().filter(Result::isGc).collect(Collectors.toList());
        List<Line> lines = new ArrayList<>();

        // ---- T1: 1 route, ample
        Map<Integer, Map<String, Result>> t1 = byThreads(plain, "LeaseReleaseBenchmark", "1", "AMPLE");
        Result rp1 = get(t1, 1, BASE);
        if (rp1 != null) {
            double ns = 1000 / rp1.score();
            lines.add(new Line("1 route, ample, 1 thread: ≤ 25 ns per lease+release",
                    String.format(Locale.ROOT, "%.1f ns (%s ops/µs)", ns, fmt(rp1.score())),
                    ns <= 25 ? "met" : String.format(Locale.ROOT, "missed by %.1f ns (%.1f× the budget)", ns - 25, ns / 25)));
        } else {
            lines.add(notRun("1 route, ample, 1 thread: ≤ 25 ns per lease+release"));
        }
        Result h1 = get(t1, 1, "HTTPCORE4");
        if (rp1 != null && h1 != null) {
            double r = rp1.score() / h1.score();
            lines.add(new Line("1 route, ample, 1 thread: ≥ 5× HttpCore 4.4", ratio(rp1, h1),
                    r >= 5 ? "met" : "missed: needs " + fmtRatio(5 / r) + "× more"));
        }
        List<String> values = new ArrayList<>();
        double worst = Double.MAX_VALUE;
        for (int t : t1.keySet()) {
            Result r = get(t1, t, BASE);
            if (t >= 2 && r != null) {
                values.add(t + " thr: " + fmt(r.score()));
                worst = Math.min(worst, r.score());
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("1 route, ample, 2–16 threads: ≥ 40 ops/µs aggregate", String.join("; ", values),
                    worst >= 40 ? "met" : "missed: lowest " + fmt(worst) + " (needs " + fmtRatio(40 / worst) + "×)"));
        } else {
            lines.add(notRun("1 route, ample, 2–16 threads: ≥ 40 ops/µs aggregate"));
        }
        Result rp2 = get(t1, 2, BASE);
        Result rp16 = get(t1, 16, BASE);
        if (rp2 != null && rp16 != null) {
            double drop = 1 - rp16.score() / rp2.score();
            lines.add(new Line("1 route, ample: ≤ 15 % drop from 2 to 16 threads",
                    fmt(rp2.score()) + " → " + fmt(rp16.score()) + String.format(Locale.ROOT, " (%+.0f %%)", -drop * 100),
                    drop <= 0.15 ? "met" : String.format(Locale.ROOT, "missed by %.0f points", (drop - 0.15) * 100)));
        }
        values.clear();
        double worstBag = 0;
        for (int t : t1.keySet()) {
            Result r = get(t1, t, BASE);
            Result bag = get(t1, t, "HIKARI_BAG");
            if (r != null && bag != null) {
                double f = bag.score() / r.score();
                values.add(t + " thr: bag " + fmtRatio(f) + "× routepool");
                worstBag = Math.max(worstBag, f);
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line("1 route, ample: within 2.5× of the HikariCP bag", String.join("; ", values),
                    worstBag <= 2.5 ? "met" : "missed: worst " + fmtRatio(worstBag) + "× (" + fmtRatio(worstBag / 2.5)
                            + "× over the bound)"));
        }
        List<Result> allocs = gc.stream().filter(r -> r.pool().equals(BASE) && r.clazz().equals("LeaseReleaseBenchmark"))
                .collect(Collectors.toList());
        if (!allocs.isEmpty()) {
            double max = allocs.stream().mapToDouble(Result::allocPerOp).max().orElse(Double.NaN);
            String where = allocs.stream().map(r -> Report.paramsText(r.params()) + ", " + r.threads() + " thr: "
                    + Report.fmtAlloc(r.allocPerOp()) + " B/op").collect(Collectors.joining("; "));
            lines.add(new Line("0 B/op on the hit path (-prof gc)", where,
                    max < 0.5 ? "met" : "missed: " + Report.fmtAlloc(max) + " B/op"));
        } else {
            lines.add(notRun("0 B/op on the hit path (-prof gc)"));
        }

        // ---- T2: 20 routes, ample
        Map<Integer, Map<String, Result>> t2 = byThreads(plain, "LeaseReleaseBenchmark", "20", "AMPLE");
        atLeast(lines, "20 routes, ample, 1 thread: ≥ 30 ops/µs", get(t2, 1, BASE), 30);
        atLeast(lines, "20 routes, ample, 2 threads: ≥ 50 ops/µs", get(t2, 2, BASE), 50);

        // ---- T3: scarce with FIFO waiters
        Map<Integer, Map<String, Result>> t3 = byThreads(plain, "LeaseReleaseBenchmark", "1", "SCARCE");
        Result rpS = get(t3, 16, BASE);
        Result strictS = get(t3, 16, "STRICT5");
        if (rpS != null && strictS != null) {
            double r = rpS.score() / strictS.score();
            lines.add(new Line("Scarce (2 connections), 16 threads: throughput ≥ StrictConnPool's",
                    fmt(rpS.score()) + " vs " + fmt(strictS.score()) + " ops/µs: " + ratio(rpS, strictS),
                    r >= 1 ? "met" + (overlaps(rpS, strictS) ? " (within error)" : "")
                            : "missed by " + String.format(Locale.ROOT, "%.0f %%", (1 - r) * 100)
                            + (overlaps(rpS, strictS) ? " (within error)" : "")));
        } else {
            lines.add(notRun("Scarce (2 connections), 16 threads: throughput ≥ StrictConnPool's"));
        }
        Map<String, Result> latency = find(plain, is("ScarceLatencyBenchmark", 0));
        Result rpL = latency.get(BASE);
        if (rpL != null) {
            Double p9999 = rpL.percentiles().get("99.99");
            Double max = rpL.percentiles().get("100.0");
            lines.add(new Line("Scarce, " + rpL.threads() + " threads: p99.99 ≤ 5 ms", us(p9999), atMost(p9999, 5000)));
            lines.add(new Line("Scarce, " + rpL.threads() + " threads: max ≤ 7.3 ms", us(max), atMost(max, 7300)));
        } else {
            lines.add(notRun("Scarce, 16 threads: p99.99 ≤ 5 ms, max ≤ 7.3 ms"));
        }

        // ---- End to end
        Map<String, Map<String, Result>> e2e = Report.byConfig(plain.stream()
                .filter(r -> r.clazz().equals("EndToEndBenchmark")).collect(Collectors.toList()));
        if (!e2e.isEmpty()) {
            values.clear();
            boolean allMet = true;
            boolean anyWithinError = false;
            for (Map<String, Result> config : e2e.values()) {
                Result rp = config.get(BASE);
                Result peer = config.get("HTTPCLIENT_POOLING");
                if (rp == null || peer == null) {
                    continue;
                }
                double r = rp.score() / peer.score();
                values.add(rp.params().get("routes") + " route(s), " + rp.threads() + " thr: " + ratio(rp, peer));
                allMet &= r >= 1;
                anyWithinError |= overlaps(rp, peer);
            }
            lines.add(new Line("End to end: ≥ PoolingHttpClientConnectionManager at every thread count",
                    String.join("; ", values), (allMet ? "met" : "missed")
                            + (anyWithinError ? " (differences within error: not distinguishable)" : "")));
        } else {
            lines.add(notRun("End to end: ≥ PoolingHttpClientConnectionManager at every thread count"));
        }

        // ---- Performance notes' T6: cross-thread release
        Map<String, Result> cross = find(plain, is("CrossThreadReleaseBenchmark", 0));
        Result rpX = cross.get(BASE);
        Result h4X = cross.get("HTTPCORE4");
        if (rpX != null && h4X != null) {
            double r = rpX.score() / h4X.score();
            lines.add(new Line("(notes T6) cross-thread release: ≥ 5× HttpCore 4.4", ratio(rpX, h4X),
                    r >= 5 ? "met" : "missed: needs " + fmtRatio(5 / r) + "× more"));
            Result sameThreads = get(t1, rpX.threads(), BASE);
            if (sameThreads != null) {
                double slower = sameThreads.score() / rpX.score();
                lines.add(new Line("(notes T6) cross-thread no more than 2× slower than T1 at " + rpX.threads() + " threads",
                        fmt(rpX.score()) + " vs " + fmt(sameThreads.score()) + " ops/µs (" + fmtRatio(slower) + "× slower)",
                        slower <= 2 ? "met" : "missed: " + fmtRatio(slower / 2) + "× over the bound"));
            }
        }

        // ---- Eviction defect: a cross-route evicting lease at 50,000 routes within 2x of a fresh pool's
        String evictionTarget = "Evicting lease after 50,000 routes (and after a purge): ≤ 2× a fresh pool's, maintenance off and on";
        values.clear();
        double worstEviction = 0;
        for (String maintenance : new String[] {"OFF", "ON"}) {
            Result fresh = find(plain, is("RouteScaleEvictionBenchmark", 0, "history", "FRESH", "maintenance", maintenance)).get(BASE);
            for (String history : new String[] {"SEEN_50K", "SEEN_50K_PURGED"}) {
                Result seen = find(plain, is("RouteScaleEvictionBenchmark", 0, "history", history, "maintenance", maintenance)).get(BASE);
                if (fresh != null && seen != null) {
                    double f = seen.score() / fresh.score();
                    values.add(history + ", maintenance " + maintenance + ": " + fmt(seen.score()) + " vs " + fmt(fresh.score())
                            + " µs (" + fmtRatio(f) + "×)");
                    worstEviction = Math.max(worstEviction, f);
                }
            }
        }
        if (!values.isEmpty()) {
            lines.add(new Line(evictionTarget, String.join("; ", values),
                    worstEviction <= 2 ? "met" : "missed: worst " + fmtRatio(worstEviction) + "× ("
                            + fmtRatio(worstEviction / 2) + "× over the bound)"));
        } else {
            lines.add(notRun(evictionTarget));
        }

        StringBuilder md = new StringBuilder("## Targets of the issue (this run)\n\n| target | measured | verdict |\n|---|---|---|\n");
        for (Line l : lines) {
            md.append("| ").append(l.target()).append(" | ").append(l.measured()).append(" | ").append(l.verdict()).append(" |\n");
        }
        md.append("\nQuick runs (1 fork, 3 iterations) are good for ratios of 2× or more; quote `full` for anything finer.\n\n");
        return md.toString();
    }

    private static Map<Integer, Map<String, Result>> byThreads(List<Result> plain, String clazz, String routes, String capacity) {
        Map<Integer, Map<String, Result>> map = new TreeMap<>();
        for (Result r : plain) {
            if (is(clazz, 0, "routes", routes, "capacity", capacity, "states", "0").test(r)) {
                map.computeIfAbsent(r.threads(), k -> new java.util.LinkedHashMap<>()).put(r.pool(), r);
            }
        }
        return map;
    }

    private static Result get(Map<Integer, Map<String, Result>> map, int threads, String pool) {
        Map<String, Result> m = map.get(threads);
        return m == null ? null : m.get(pool);
    }

    private static void atLeast(List<Line> lines, String target, Result r, double bound) {
        if (r == null) {
            lines.add(notRun(target));
            return;
        }
        lines.add(new Line(target, Report.scoreText(r) + " ops/µs",
                r.score() >= bound ? "met" : "missed: needs " + fmtRatio(bound / r.score()) + "×"));
    }

    private static Line notRun(String target) {
        return new Line(target, "not run in this mode", "–");
    }

    private static String ratio(Result base, Result peer) {
        return Report.ratioText(base, peer);
    }

    private static boolean overlaps(Result a, Result b) {
        if (!Double.isFinite(a.error()) || !Double.isFinite(b.error())) {
            return false;
        }
        return Math.abs(a.score() - b.score()) <= a.error() + b.error();
    }

    private static String atMost(Double micros, double boundMicros) {
        if (micros == null) {
            return "–";
        }
        return micros <= boundMicros ? "met" : "missed by " + us(micros - boundMicros);
    }

    private static String us(Double micros) {
        if (micros == null) {
            return "–";
        }
        return micros >= 1000 ? String.format(Locale.ROOT, "%.2f ms", micros / 1000) : String.format(Locale.ROOT, "%.0f µs", micros);
    }
}

package io.routepool.benchmarks.report;

import io.routepool.benchmarks.report.Report.Result;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;

/** PNG charts of a run, drawn headless with XChart; each is skipped when its data is absent. */
final class Charts {

    /** One colour per competitor, stable across charts; routepool stands out. */
    private static final Map<String, Color> COLORS = Map.ofEntries(
            Map.entry("ROUTEPOOL", new Color(0xD6, 0x27, 0x28)),
            Map.entry("HTTPCORE4", new Color(0x1F, 0x77, 0xB4)),
            Map.entry("STRICT5", new Color(0x2C, 0xA0, 0x2C)),
            Map.entry("LAX5", new Color(0x98, 0xDF, 0x8A)),
            Map.entry("ROUTEPOOL5", new Color(0xFF, 0x98, 0x96)),
            Map.entry("OFFLOCK5", new Color(0xFF, 0x7F, 0x0E)),
            Map.entry("COMMONS_POOL2", new Color(0x94, 0x67, 0xBD)),
            Map.entry("HIKARI_BAG", new Color(0x7F, 0x7F, 0x7F)),
            Map.entry("HTTPCLIENT_POOLING", new Color(0x1F, 0x77, 0xB4)),
            Map.entry("HC5_STRICT", new Color(0x2C, 0xA0, 0x2C)),
            Map.entry("HC5_LAX", new Color(0x98, 0xDF, 0x8A)),
            Map.entry("HC5_OFFLOCK", new Color(0xFF, 0x7F, 0x0E)));

    private Charts() {
    }

    /** Draws every chart it has data for into {@code dir}; returns the file names. */
    static List<String> draw(List<Result> all, Path dir) throws IOException {
        List<Result> results = all.stream().filter(r -> !r.isGc()).collect(Collectors.toList());
        List<String> files = new ArrayList<>();
        byThreads(results, dir, files, "lease-release-1-route-ample",
                "Lease + release, 1 route, ample capacity (aggregate ops/µs, log scale)",
                Report.is("LeaseReleaseBenchmark", 0, "routes", "1", "capacity", "AMPLE", "states", "0"));
        byThreads(results, dir, files, "lease-release-20-routes-ample",
                "Lease + release, 20 routes, ample capacity (aggregate ops/µs, log scale)",
                Report.is("LeaseReleaseBenchmark", 0, "routes", "20", "capacity", "AMPLE", "states", "0"));
        scarceLatency(results, dir, files);
        byParam(results, dir, files, "route-scale", "One route among N warmed routes, 1 thread (ops/µs, log scale)",
                "RouteScaleBenchmark", "routes", "routes");
        byParam(results, dir, files, "state-scale",
                "Lease past N idle connections of other states, 1 thread (ops/µs, log scale)",
                "StateScaleBenchmark", "others", "idle connections under other states");
        endToEnd(results, dir, files, "EndToEndBenchmark", "end-to-end", "HttpClient 4.5 GET, local servers (requests/s)");
        endToEnd(results, dir, files, "HttpClient5ClassicBenchmark", "end-to-end-hc5-classic",
                "HttpClient 5 classic GET, local server (requests/s)");
        endToEnd(results, dir, files, "HttpClient5AsyncBenchmark", "end-to-end-hc5-async",
                "HttpClient 5 async GET, one in flight per thread, local server (requests/s)");
        return files;
    }

    private static void byThreads(List<Result> results, Path dir, List<String> files, String name, String title,
                                  Predicate<Result> filter) throws IOException {
        List<Result> rows = results.stream().filter(filter).collect(Collectors.toList());
        if (rows.isEmpty()) {
            return;
        }
        TreeSet<Integer> threads = rows.stream().map(Result::threads).collect(Collectors.toCollection(TreeSet::new));
        List<String> categories = threads.stream().map(t -> t + (t == 1 ? " thread" : " threads")).collect(Collectors.toList());
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String pool : Report.poolsIn(rows)) {
            List<Double> values = new ArrayList<>();
            for (int t : threads) {
                values.add(rows.stream().filter(r -> r.pool().equals(pool) && r.threads() == t)
                        .map(Result::score).findFirst().orElse(null));
            }
            series.put(pool, values);
        }
        save(dir, files, name, title, "threads (2 cores: > 2 is oversubscribed)", "ops/µs", true, categories, series);
    }

    private static void byParam(List<Result> results, Path dir, List<String> files, String name, String title,
                                String clazz, String param, String xTitle) throws IOException {
        List<Result> rows = results.stream().filter(r -> r.clazz().equals(clazz)).collect(Collectors.toList());
        if (rows.isEmpty()) {
            return;
        }
        TreeSet<Long> values = rows.stream().map(r -> Long.parseLong(r.params().get(param)))
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> categories = values.stream().map(String::valueOf).collect(Collectors.toList());
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String pool : Report.poolsIn(rows)) {
            List<Double> scores = new ArrayList<>();
            for (long v : values) {
                scores.add(rows.stream().filter(r -> r.pool().equals(pool) && r.params().get(param).equals(String.valueOf(v)))
                        .map(Result::score).findFirst().orElse(null));
            }
            series.put(pool, scores);
        }
        save(dir, files, name, title, xTitle, "ops/µs", true, categories, series);
    }

    private static void scarceLatency(List<Result> results, Path dir, List<String> files) throws IOException {
        List<Result> rows = results.stream().filter(r -> r.clazz().equals("ScarceLatencyBenchmark"))
                .collect(Collectors.toList());
        if (rows.isEmpty()) {
            return;
        }
        String[][] shown = {{"50.0", "p50"}, {"99.0", "p99"}, {"99.9", "p99.9"}, {"99.99", "p99.99"}, {"100.0", "max"}};
        List<String> categories = new ArrayList<>();
        for (String[] p : shown) {
            categories.add(p[1]);
        }
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String pool : Report.poolsIn(rows)) {
            Result r = rows.stream().filter(x -> x.pool().equals(pool)).findFirst().orElseThrow();
            List<Double> values = new ArrayList<>();
            for (String[] p : shown) {
                values.add(r.percentiles().get(p[0]));
            }
            series.put(pool, values);
        }
        int threads = rows.get(0).threads();
        save(dir, files, "scarce-latency", "Scarce: " + threads + " threads on 2 connections, time per lease + release"
                + " (µs, log scale)", "percentile", "µs", true, categories, series);
    }

    private static void endToEnd(List<Result> results, Path dir, List<String> files, String clazz, String name,
                                 String title) throws IOException {
        List<Result> rows = results.stream().filter(r -> r.clazz().equals(clazz)).collect(Collectors.toList());
        if (rows.isEmpty()) {
            return;
        }
        Map<String, List<Result>> configs = Report.byConfig(rows).values().stream()
                .collect(Collectors.toMap(m -> {
                    Result any = m.values().iterator().next();
                    return any.params().get("routes") + (any.params().get("routes").equals("1") ? " route, " : " routes, ")
                            + any.threads() + (any.threads() == 1 ? " thread" : " threads");
                }, m -> new ArrayList<>(m.values()), (a, b) -> a, LinkedHashMap::new));
        List<String> categories = new ArrayList<>(configs.keySet());
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String pool : Report.poolsIn(rows)) {
            List<Double> values = new ArrayList<>();
            for (String c : categories) {
                values.add(configs.get(c).stream().filter(r -> r.pool().equals(pool)).map(Result::score).findFirst().orElse(null));
            }
            series.put(pool, values);
        }
        save(dir, files, name, title, "configuration", "requests/s", false, categories, series);
    }

    private static void save(Path dir, List<String> files, String name, String title, String xTitle, String yTitle,
                             boolean log, List<String> categories, Map<String, List<Double>> series) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(560).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(LegendLayout.Horizontal);
        chart.getStyler().setYAxisLogarithmic(log);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setAvailableSpaceFill(0.85);
        chart.getStyler().setOverlapped(false);
        for (Map.Entry<String, List<Double>> e : series.entrySet()) {
            List<Double> values = new ArrayList<>();
            for (Double v : e.getValue()) {
                // log axes cannot show 0 or a missing value: leave the bar out
                values.add(v == null || (log && v <= 0) ? null : v);
            }
            if (values.stream().allMatch(v -> v == null)) {
                continue;
            }
            chart.addSeries(Report.label(e.getKey()), categories, values)
                    .setFillColor(COLORS.getOrDefault(e.getKey(), Color.DARK_GRAY));
        }
        if (chart.getSeriesMap().isEmpty()) {
            return;
        }
        if (log) {
            // bars start at the axis minimum, which must be positive on a log axis: a power of ten below the data
            double min = series.values().stream().flatMap(List::stream).filter(v -> v != null && v > 0)
                    .mapToDouble(Double::doubleValue).min().orElse(1);
            double max = series.values().stream().flatMap(List::stream).filter(v -> v != null && v > 0)
                    .mapToDouble(Double::doubleValue).max().orElse(10);
            // (at least a third of a decade of bar below the smallest value, so that it stays visible)
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min) - 0.3)));
            chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapFormat.PNG);
        files.add(name + ".png");
    }
}

package io.routepool.benchmarks.report;

import io.routepool.benchmarks.report.Report.Result;
import io.routepool.benchmarks.report.Report.Run;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a run, drawn headless with XChart; each is skipped when its data is absent.
 *
 * <p>Throughput charts show each pool's score divided by the reference's in the same configuration:
 * HttpCore 4.4 at pool level (the pool routepool replaces), PoolingHttpClientConnectionManager
 * end to end through HttpClient 4.5 (HttpCore 4.4's pool inside), HttpClient 5's default (STRICT)
 * manager end to end through HttpClient 5. The axis is linear and starts at 0, so bar lengths compare;
 * error bars are JMH's 99.9 % confidence half-widths propagated into the ratio. Absolute scores stay
 * in the summary's tables. HikariCP's bag, the only pool here that is not keyed, has a chart of its
 * own so that its scale does not flatten the keyed pools. Scarce latency percentiles span decades,
 * so that chart is lines on a log axis.
 *
 * <p>Every image carries its title, what was measured (run, machine, JMH iterations) and its caption;
 * a smoke run's images also carry a red "not for quoting" band and watermark.
 */
final class Charts {

    /** A chart written to the results directory, with the caption drawn into it (also in summary.md). */
    record Drawn(String file, String title, String caption) {
    }

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

    /** Pools that are not keyed (no routes): never on a chart of the keyed pools. commons-pool2's is keyed. */
    static final Set<String> UNKEYED = Set.of("HIKARI_BAG");

    /** Pools whose waiters are served in arrival order, and pools whose releasing thread may take the connection back. */
    static final List<String> FIRST_COME_FIRST_SERVED = List.of("ROUTEPOOL", "STRICT5");
    static final List<String> BARGING = List.of("HTTPCORE4", "COMMONS_POOL2");

    private static final int WIDTH = 1000;
    private static final int PLOT_HEIGHT = 520;
    private static final Color SMOKE_RED = new Color(0xB0, 0x00, 0x20);

    private static final String ERROR_BARS = "Error bars: JMH's 99.9 % confidence half-width of each score, propagated into"
            + " the ratio r = a ÷ b as r·√((ea/a)² + (eb/b)²); bars whose error bars overlap are not distinguishable.";
    private static final String NO_ERROR_BARS = "No error bars: a single iteration has no error estimate.";

    private Charts() {
    }

    /** Draws every chart it has data for into {@code dir}. */
    static List<Drawn> draw(List<Result> all, Path dir, Run run) throws IOException {
        List<Result> results = all.stream().filter(r -> !r.isGc()).collect(Collectors.toList());
        String machine = machineLine(Report.readMachine(dir), results);
        List<Drawn> out = new ArrayList<>();
        Canvas canvas = new Canvas(dir, run, machine, out);

        // ---- lease + release, one chart per (routes, capacity, states) the run has, keyed pools only
        Map<String, List<Result>> groups = new LinkedHashMap<>();
        for (Map<String, Result> config : Report.byConfig(results.stream()
                .filter(r -> r.clazz().equals("LeaseReleaseBenchmark")).collect(Collectors.toList())).values()) {
            for (Result r : config.values()) {
                String key = r.params().get("routes") + "|" + r.params().get("capacity") + "|" + r.params().get("states");
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
            }
        }
        List<String> keys = new ArrayList<>(groups.keySet());
        keys.sort(java.util.Comparator.comparingLong((String k) -> Long.parseLong(k.split("\\|")[0]))
                .thenComparing(k -> k.split("\\|")[1]).thenComparing(k -> k.split("\\|")[2]));
        for (String key : keys) {
            String[] k = key.split("\\|");
            String routes = k[0];
            boolean scarce = "SCARCE".equals(k[1]);
            boolean states = !"0".equals(k[2]);
            String routesText = routes + (routes.equals("1") ? " route" : " routes");
            String name = "lease-release-" + routes + (routes.equals("1") ? "-route-" : "-routes-") + k[1].toLowerCase(Locale.ROOT)
                    + (states ? "-" + k[2] + "-states" : "");
            String caption = "Lease + release of an idle connection, every thread in a loop on " + routesText
                    + (routes.equals("1") ? "" : " picked at random") + ", " + (scarce ? "2 connections per route (threads wait)"
                    : "ample capacity (nobody waits)") + (states ? ", " + k[2] + " connection states (a lease asks for its thread's)" : "")
                    + "; aggregate throughput of each pool ÷ HttpCore 4.4's in the same configuration.";
            if (scarce) {
                caption += " With connections scarce, HttpCore 4.4 and commons-pool2 let the releasing thread lease its"
                        + " connection again at once while others wait (barging: high throughput, unbounded waits), where"
                        + " routepool and HttpCore5 Strict hand it to the longest waiter (first come, first served): each"
                        + " lease parks and wakes a thread. See the scarce latency chart for what each order costs.";
            }
            canvas.ratioChart(name, "Lease + release, " + routesText + ", " + (scarce ? "scarce" : "ample") + " capacity"
                            + (states ? ", " + k[2] + " states" : ""),
                    "threads (2 cores: more than 2 is oversubscribed)", cells(groups.get(key), Charts::threadsText),
                    "HTTPCORE4", Set.copyOf(UNKEYED), caption);
        }

        // ---- HikariCP's bag, on its own: 1 route, no state, and the cross-thread handoff
        Map<String, Map<String, Result>> bagCells = new LinkedHashMap<>();
        cells(results.stream().filter(Report.is("LeaseReleaseBenchmark", 0, "routes", "1", "states", "0"))
                .collect(Collectors.toList()), r -> r.params().get("capacity").toLowerCase(Locale.ROOT) + ", "
                + threadsText(r)).forEach(bagCells::put);
        cells(results.stream().filter(r -> r.clazz().equals("CrossThreadReleaseBenchmark")).collect(Collectors.toList()),
                r -> "release on another thread").forEach(bagCells::put);
        bagCells.values().removeIf(m -> !m.containsKey("HIKARI_BAG"));
        canvas.ratioChart("unkeyed-bag", "Not keyed: HikariCP's bag against routepool and HttpCore 4.4",
                "configuration (1 route, no state)", bagCells, "HTTPCORE4",
                Set.of("ROUTEPOOL5", "STRICT5", "LAX5", "OFFLOCK5", "COMMONS_POOL2"),
                "HikariCP's ConcurrentBag (5.1.0) is not a keyed pool: one set of interchangeable entries, no routes, no"
                        + " state, no limits, no creation; a lease is one CAS on an entry. It is the ceiling any keyed"
                        + " pool is measured against, not a peer, so it has this chart of its own instead of setting the"
                        + " scale of the keyed pools' charts. Throughput of each ÷ HttpCore 4.4's.");

        // ---- release on another thread, keyed pools
        canvas.ratioChart("cross-thread", "Release on another thread (3 lessees hand connections to 1 releaser)",
                "configuration", cells(results.stream().filter(r -> r.clazz().equals("CrossThreadReleaseBenchmark"))
                        .collect(Collectors.toList()), r -> threadsText(r) + ", 1 route"), "HTTPCORE4", UNKEYED,
                "Lessee throughput of each pool ÷ HttpCore 4.4's; on 2 cores the single releasing thread (about half a"
                        + " core) can be the limit rather than the pool.");

        scarceLatency(canvas, results);

        canvas.ratioChart("route-scale", "One route among N routes that each hold an idle connection, 1 thread",
                "routes", cells(results.stream().filter(r -> r.clazz().equals("RouteScaleBenchmark")).collect(Collectors.toList()),
                        r -> r.params().get("routes") + (r.params().get("routes").equals("1") ? " route" : " routes")),
                "HTTPCORE4", UNKEYED, "Lease + release throughput of each pool ÷ HttpCore 4.4's with the same number of"
                        + " routes: what the other routes cost a lease.");
        canvas.ratioChart("state-scale", "Lease past N idle connections of other states, 1 thread",
                "idle connections under other states", cells(results.stream().filter(r -> r.clazz().equals("StateScaleBenchmark"))
                        .collect(Collectors.toList()), r -> r.params().get("others")),
                "HTTPCORE4", UNKEYED, "A lease for a state that only the least recently released of N + 1 idle connections"
                        + " has; throughput of each pool ÷ HttpCore 4.4's. HttpCore5 Lax closes and re-creates a"
                        + " connection instead of looking past the others, which is free with these stub connections"
                        + " and costs a TCP (and TLS) handshake with real ones.");

        endToEnd(canvas, results, "EndToEndBenchmark", "end-to-end", "End to end: HttpClient 4.5 GET against local servers",
                "HTTPCLIENT_POOLING", "PoolingHttpClientConnectionManager (HttpClient 4.5's own manager, on HttpCore 4.4's"
                        + " pool: what routepool's manager replaces)");
        endToEnd(canvas, results, "HttpClient5ClassicBenchmark", "end-to-end-hc5-classic",
                "End to end: HttpClient 5 classic GET against a local server", "HC5_STRICT",
                "HttpClient 5's PoolingHttpClientConnectionManager with its default policy, STRICT (what routepool's"
                        + " manager replaces)");
        endToEnd(canvas, results, "HttpClient5AsyncBenchmark", "end-to-end-hc5-async",
                "End to end: HttpClient 5 async GET, one request in flight per thread", "HC5_STRICT",
                "HttpClient 5's PoolingAsyncClientConnectionManager with its default policy, STRICT (what routepool's"
                        + " manager replaces)");
        return out;
    }

    private static void endToEnd(Canvas canvas, List<Result> results, String clazz, String name, String title,
                                 String reference, String referenceText) throws IOException {
        List<Result> rows = results.stream().filter(r -> r.clazz().equals(clazz)).collect(Collectors.toList());
        canvas.ratioChart(name, title, "configuration", cells(rows, r -> {
                    String routes = r.params().get("routes");
                    return routes + (routes.equals("1") ? " route, " : " routes, ") + threadsText(r);
                }), reference, UNKEYED,
                "Requests per second of each connection manager ÷ the reference's in the same configuration; the"
                        + " reference is " + referenceText + "."
                        + " End to end the pool is a small share of a request: most differences here are within error.");
    }

    private static String threadsText(Result r) {
        return r.threads() + (r.threads() == 1 ? " thread" : " threads");
    }

    /** Rows grouped into chart categories, in the report's natural order (numbers numerically, then threads). */
    private static Map<String, Map<String, Result>> cells(List<Result> rows, Function<Result, String> category) {
        Map<String, Map<String, Result>> cells = new LinkedHashMap<>();
        for (Map<String, Result> config : Report.byConfig(rows).values()) {
            for (Result r : config.values()) {
                cells.computeIfAbsent(category.apply(r), k -> new LinkedHashMap<>()).put(r.pool(), r);
            }
        }
        return cells;
    }

    // ================================================================== scarce latency

    private static void scarceLatency(Canvas canvas, List<Result> results) throws IOException {
        List<Result> rows = results.stream().filter(r -> r.clazz().equals("ScarceLatencyBenchmark"))
                .filter(r -> !UNKEYED.contains(r.pool())).collect(Collectors.toList());
        if (rows.isEmpty()) {
            return;
        }
        String[][] shown = {{"50.0", "p50"}, {"90.0", "p90"}, {"99.0", "p99"}, {"99.9", "p99.9"}, {"99.99", "p99.99"},
            {"100.0", "max"}};
        Map<String, Result> byPool = new LinkedHashMap<>();
        for (String pool : Report.poolsIn(rows)) {
            rows.stream().filter(x -> x.pool().equals(pool)).findFirst().ifPresent(r -> byPool.put(pool, r));
        }
        int threads = rows.get(0).threads();
        List<String> categories = new ArrayList<>();
        for (String[] p : shown) {
            categories.add(p[1]);
        }
        CategoryChart chart = baseChart("percentile", "µs per lease + release (log scale)");
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeriesRenderStyle.Line);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setPlotGridVerticalLinesVisible(true);
        chart.getStyler().setOverlapped(true); // points on their percentile, not spread like bars
        chart.getStyler().setLegendPosition(LegendPosition.InsideSE); // tails are high: the lower right stays empty
        chart.getStyler().setLegendLayout(LegendLayout.Vertical);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Map.Entry<String, Result> e : byPool.entrySet()) {
            List<Double> values = new ArrayList<>();
            for (String[] p : shown) {
                Double v = e.getValue().percentiles().get(p[0]);
                values.add(v == null || v <= 0 ? null : v);
                if (v != null && v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (values.stream().allMatch(v -> v == null)) {
                continue;
            }
            String order = FIRST_COME_FIRST_SERVED.contains(e.getKey()) ? " (first come, first served)"
                    : BARGING.contains(e.getKey()) ? " (barging)" : "";
            CategorySeries s = chart.addSeries(Report.label(e.getKey()) + order, categories, values);
            Color c = COLORS.getOrDefault(e.getKey(), Color.DARK_GRAY);
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineStyle(new BasicStroke(FIRST_COME_FIRST_SERVED.contains(e.getKey()) ? 3.5f : 2f));
        }
        if (chart.getSeriesMap().isEmpty()) {
            return;
        }
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));

        long samples = byPool.values().stream().mapToLong(Result::samples).min().orElse(0);
        String caption = scarceCaption(byPool, shown) + " Percentiles of JMH's sample-time histogram (at least "
                + String.format(Locale.ROOT, "%,d", samples) + " samples per pool); no error bars: one histogram per pool."
                + " Log scale: the values span " + Math.round(Math.log10(max / min)) + " decades. HikariCP's bag (not keyed)"
                + " is in the summary's table, not here.";
        canvas.save("scarce-latency", "Scarce: " + threads + " threads on 1 route with 2 connections: time per lease + release"
                + " (lower is better)", chart, rows, caption);
    }

    /** What first come, first served costs and buys, in this run's numbers. */
    static String scarceCaption(Map<String, Result> byPool, String[][] shown) {
        List<String> fcfs = FIRST_COME_FIRST_SERVED.stream().filter(byPool::containsKey).collect(Collectors.toList());
        List<String> barging = BARGING.stream().filter(byPool::containsKey).collect(Collectors.toList());
        StringBuilder sb = new StringBuilder();
        sb.append("First come, first served (").append(labels(fcfs)).append("): a released connection goes to the thread"
                + " that has waited longest, so nearly every lease parks a thread and wakes it. That is the price, paid at"
                + " the median");
        if (!fcfs.isEmpty() && !barging.isEmpty()) {
            sb.append(": ").append(values(byPool, fcfs, "50.0")).append(" against ").append(values(byPool, barging, "50.0"))
                    .append(" for the barging pools, whose releasing thread leases its connection again at once while the"
                            + " others keep waiting");
        }
        sb.append(". What it buys is a bounded tail: no waiter is overtaken without end");
        if (!fcfs.isEmpty() && !barging.isEmpty()) {
            sb.append("; max ").append(values(byPool, fcfs, "100.0")).append(" against ").append(values(byPool, barging, "100.0"));
            String from = null;
            for (String[] p : shown) {
                double worstFcfs = fcfs.stream().mapToDouble(x -> pct(byPool, x, p[0])).max().orElse(Double.NaN);
                double bestBarging = barging.stream().mapToDouble(x -> pct(byPool, x, p[0])).min().orElse(Double.NaN);
                boolean below = worstFcfs < bestBarging;
                if (below && from == null) {
                    from = p[1];
                } else if (!below) {
                    from = null;
                }
            }
            sb.append(from == null
                    ? ". In this run no percentile has every first-come-first-served pool below every barging one"
                    : ". From " + from + " on, in this run, every first-come-first-served pool is below every barging one");
        }
        return sb.append('.').toString();
    }

    private static double pct(Map<String, Result> byPool, String pool, String p) {
        Double v = byPool.get(pool).percentiles().get(p);
        return v == null ? Double.NaN : v;
    }

    private static String labels(List<String> pools) {
        return pools.stream().map(Report::label).collect(Collectors.joining(", "));
    }

    private static String values(Map<String, Result> byPool, List<String> pools, String p) {
        return pools.stream().map(x -> Report.label(x) + " " + micros(pct(byPool, x, p))).collect(Collectors.joining(", "));
    }

    private static String micros(double us) {
        if (!Double.isFinite(us)) {
            return "–";
        }
        if (us >= 1000) {
            return String.format(Locale.ROOT, us >= 100_000 ? "%.0f ms" : "%.1f ms", us / 1000);
        }
        return String.format(Locale.ROOT, us >= 10 ? "%.0f µs" : "%.2f µs", us);
    }

    // ================================================================== drawing

    private static CategoryChart baseChart(String xTitle, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PLOT_HEIGHT).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        chart.getStyler().setChartTitleVisible(false);
        chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(LegendLayout.Horizontal);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setAvailableSpaceFill(0.85);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setErrorBarsColor(Color.BLACK);
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        chart.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return chart;
    }

    private static String machineLine(String machine, List<Result> results) {
        String cpu = machine.lines().filter(l -> l.startsWith("cpu:")).map(l -> l.substring(4).strip()).findFirst().orElse("");
        String jdk = results.isEmpty() ? "" : "JDK " + results.get(0).jdk();
        return cpu.isEmpty() ? jdk : cpu + ", " + jdk;
    }

    /** Draws charts into one directory, each with the run's header and its caption. */
    private record Canvas(Path dir, Run run, String machine, List<Drawn> out) {

        /**
         * A bar chart of each pool's score ÷ the reference's, per category; linear axis from 0, error bars
         * propagated from both scores' errors. Skipped without the reference or without another pool.
         */
        void ratioChart(String name, String title, String xTitle, Map<String, Map<String, Result>> cells, String reference,
                        Set<String> excluded, String caption) throws IOException {
            Map<String, Map<String, Result>> usable = new LinkedHashMap<>();
            cells.forEach((k, v) -> {
                if (v.containsKey(reference)) {
                    usable.put(k, v);
                }
            });
            Set<String> pools = new LinkedHashSet<>();
            List<Result> rows = new ArrayList<>();
            usable.values().forEach(m -> rows.addAll(m.values()));
            for (String p : Report.poolsIn(rows)) {
                if (!excluded.contains(p)) {
                    pools.add(p);
                }
            }
            if (usable.isEmpty() || pools.size() < 2) {
                return;
            }
            rows.removeIf(r -> !pools.contains(r.pool()));
            List<String> categories = new ArrayList<>(usable.keySet());
            String refLabel = Report.label(reference);
            CategoryChart chart = baseChart(xTitle, (refLabel.length() > 20 ? "throughput ÷ the reference's"
                    : "throughput ÷ " + refLabel + "'s") + " (higher is better)");
            chart.getStyler().setLabelsVisible(true);
            chart.getStyler().setLabelsPosition(0.04);
            chart.getStyler().setLabelsRotation(0);
            chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.BOLD, 10));
            chart.getStyler().setLabelsFontColorAutomaticEnabled(true);
            chart.getStyler().setYAxisDecimalPattern("0.##");
            boolean anyError = false;
            double top = 0;
            double topValue = 0;
            Map<String, double[][]> ratios = new LinkedHashMap<>(); // pool -> per category {ratio, error}, NaN if absent
            for (String pool : pools) {
                double[][] byCategory = new double[categories.size()][];
                for (int i = 0; i < categories.size(); i++) {
                    Result r = usable.get(categories.get(i)).get(pool);
                    Result base = usable.get(categories.get(i)).get(reference);
                    if (r == null) {
                        byCategory[i] = new double[] {Double.NaN, Double.NaN};
                        continue;
                    }
                    double ratio = faster(r, base);
                    double error = pool.equals(reference) ? 0
                            : ratio * Math.sqrt(sq(r.error() / r.score()) + sq(base.error() / base.score()));
                    byCategory[i] = new double[] {ratio, error};
                    anyError |= Double.isFinite(error) && error > 0;
                    topValue = Math.max(topValue, ratio);
                    top = Math.max(top, ratio + (Double.isFinite(error) ? Math.min(error, ratio) : 0));
                }
                ratios.put(pool, byCategory);
            }
            // linear from 0 to the highest bar or error bar; an error bar wider than its value is cut at 0 (and listed)
            double axisTop = Math.max(top, topValue) * 1.08;
            List<String> cut = new ArrayList<>();
            for (Map.Entry<String, double[][]> e : ratios.entrySet()) {
                List<Double> values = new ArrayList<>();
                List<Double> errors = new ArrayList<>();
                for (int i = 0; i < categories.size(); i++) {
                    double ratio = e.getValue()[i][0];
                    double error = e.getValue()[i][1];
                    values.add(Double.isFinite(ratio) ? ratio : null);
                    if (!Double.isFinite(ratio) || !Double.isFinite(error)) {
                        errors.add(0.0);
                        continue;
                    }
                    // XChart draws symmetric error bars without clipping: keep them above 0
                    double drawn = Math.min(error, ratio);
                    if (drawn < error) {
                        cut.add(Report.label(e.getKey()) + ", " + categories.get(i) + ": "
                                + Report.fmtRatio(ratio) + " ±" + Report.fmtRatio(error));
                    }
                    errors.add(Math.max(0, drawn));
                }
                String pool = e.getKey();
                CategorySeries s = chart.addSeries(Report.label(pool) + (pool.equals(reference) ? " (= 1)" : ""), categories,
                        values, errors);
                s.setFillColor(COLORS.getOrDefault(pool, Color.DARK_GRAY));
            }
            chart.getStyler().setYAxisMin(0.0);
            chart.getStyler().setYAxisMax(axisTop);
            if (pools.size() > 5) { // one legend row below the plot would run off the image
                chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
                chart.getStyler().setLegendLayout(LegendLayout.Vertical);
            }
            if (categories.size() > 4 && categories.stream().anyMatch(c -> c.length() > 16)) {
                chart.getStyler().setXAxisLabelRotation(12); // long labels side by side would run into each other
            }
            String full = caption + " " + refLabel + " is 1 by definition; absolute scores are in summary.md's tables. "
                    + (anyError ? ERROR_BARS : NO_ERROR_BARS)
                    + (cut.isEmpty() ? "" : " Error bars cut at 0 and so drawn narrower than the error, which is"
                    + " wider than the value: " + String.join("; ", cut) + ".");
            save(name, title + ": throughput relative to " + refLabel, chart, rows, full);
        }

        void save(String name, String title, CategoryChart chart, List<Result> rows, String caption) throws IOException {
            BufferedImage plot = BitmapEncoder.getBufferedImage(chart);
            String subtitle = "Run " + run.name() + " · " + machine + " · JMH: " + Run.shape(rows);
            Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 17);
            Font subFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            Font bandFont = new Font(Font.SANS_SERIF, Font.BOLD, 15);
            Font captionFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
            Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            int margin = 20;
            int textWidth = WIDTH - 2 * margin;
            List<String> titleLines = wrap(title, probe.getFontMetrics(titleFont), textWidth);
            List<String> subLines = wrap(subtitle, probe.getFontMetrics(subFont), textWidth);
            List<String> bandLines = run.smoke() ? wrap(run.warning(), probe.getFontMetrics(bandFont), textWidth - 10) : List.of();
            List<String> captionLines = wrap(caption, probe.getFontMetrics(captionFont), textWidth);
            probe.dispose();
            int lh = 20;
            int header = 14 + titleLines.size() * 22 + subLines.size() * 16 + (bandLines.isEmpty() ? 0 : 12 + bandLines.size() * lh + 8) + 6;
            int footer = 12 + captionLines.size() * 18 + 12;
            BufferedImage image = new BufferedImage(WIDTH, header + plot.getHeight() + footer, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            int y = 14;
            g.setColor(Color.BLACK);
            g.setFont(titleFont);
            for (String l : titleLines) {
                y += 22;
                g.drawString(l, margin, y - 5);
            }
            g.setFont(subFont);
            g.setColor(Color.DARK_GRAY);
            for (String l : subLines) {
                y += 16;
                g.drawString(l, margin, y - 3);
            }
            if (!bandLines.isEmpty()) {
                y += 8;
                g.setColor(SMOKE_RED);
                g.fillRect(margin - 6, y, textWidth + 12, bandLines.size() * lh + 10);
                g.setColor(Color.WHITE);
                g.setFont(bandFont);
                for (String l : bandLines) {
                    y += lh;
                    g.drawString(l, margin, y);
                }
                y += 10;
            }
            g.drawImage(plot, 0, header, null);
            if (run.smoke()) {
                watermark(g, header, plot.getHeight());
            }
            y = header + plot.getHeight() + 12;
            g.setColor(Color.BLACK);
            g.setFont(captionFont);
            for (String l : captionLines) {
                y += 18;
                g.drawString(l, margin, y - 4);
            }
            g.dispose();
            ImageIO.write(image, "png", dir.resolve(name + ".png").toFile());
            out.add(new Drawn(name + ".png", title, caption));
        }

        private void watermark(Graphics2D g, int top, int height) {
            Graphics2D w = (Graphics2D) g.create();
            w.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.16f));
            w.setColor(SMOKE_RED);
            String text = "SMOKE RUN · NOT FOR QUOTING";
            double diagonal = Math.hypot(WIDTH, height * 0.6);
            Font font = new Font(Font.SANS_SERIF, Font.BOLD, 64);
            int tw = w.getFontMetrics(font).stringWidth(text);
            font = font.deriveFont((float) (64 * Math.min(1, 0.8 * diagonal / tw))); // the whole text inside the image
            w.setFont(font);
            tw = w.getFontMetrics().stringWidth(text);
            w.transform(AffineTransform.getRotateInstance(-Math.atan2(height * 0.6, WIDTH), WIDTH / 2.0, top + height / 2.0));
            w.drawString(text, (WIDTH - tw) / 2, top + height / 2 + 22);
            w.dispose();
        }
    }

    /** Higher is better: throughput as it is, time per operation inverted, so that > 1 always means faster. */
    private static double faster(Result r, Result base) {
        boolean time = !r.mode().equals("thrpt");
        return time ? base.score() / r.score() : r.score() / base.score();
    }

    private static double sq(double x) {
        return x * x;
    }

    static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.length() == 0 ? word : line + " " + word;
            if (fm.stringWidth(candidate) > width && line.length() > 0) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}

package io.routepool.benchmarks.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the JMH JSON files of one run ({@code benchmarks/run.sh} writes them to
 * {@code benchmarks/results/<mode>-<timestamp>/}) and writes, next to them:
 * <ul>
 *   <li>{@code summary.md}: per benchmark, every configuration with routepool's score and, for each
 *       peer, its score and the ratio routepool ÷ peer (± the propagated 99.9 % error); allocation per
 *       operation ({@code -prof gc}); scarce-mode latency percentiles; key figures, each with what
 *       is better;</li>
 *   <li>PNG charts (XChart, headless, see {@link Charts}): throughput relative to the pool routepool
 *       replaces, on a linear scale with error bars, each with its caption drawn into the image.</li>
 * </ul>
 * The summary is also printed to stdout. A smoke run (no warm-up, one iteration: what
 * {@code run.sh smoke} and {@code BenchmarkSmokeTest} do) says so in every table heading, in the
 * summary's first lines and in every chart image: its numbers check that the benchmarks run and are
 * not for quoting.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.routepool.benchmarks.report.Report &lt;results dir&gt;</pre>
 *
 * Rows are matched by benchmark class, mode, parameters (except {@code pool}) and thread count, not
 * by method, so the bag's own method lines up with the keyed pools' rows.
 */
public final class Report {

    static final String BASE = "ROUTEPOOL";

    /** Canonical column order and labels. */
    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("ROUTEPOOL", "routepool");
        LABELS.put("HTTPCORE4", "HttpCore 4.4");
        LABELS.put("STRICT5", "HttpCore5 Strict");
        LABELS.put("LAX5", "HttpCore5 Lax");
        LABELS.put("ROUTEPOOL5", "routepool (httpcore5 API)");
        LABELS.put("OFFLOCK5", "HttpCore5 RouteSegmented");
        LABELS.put("COMMONS_POOL2", "commons-pool2");
        LABELS.put("HIKARI_BAG", "HikariCP bag");
        LABELS.put("HTTPCLIENT_POOLING", "PoolingHttpClientConnectionManager");
        LABELS.put("HC5_STRICT", "HttpClient 5 STRICT");
        LABELS.put("HC5_LAX", "HttpClient 5 LAX");
        LABELS.put("HC5_OFFLOCK", "HttpClient 5 OFFLOCK");
    }

    /** Benchmark classes in the order the summary presents them, with a one-line description. */
    static final Map<String, String> CLASSES = new LinkedHashMap<>();

    static {
        CLASSES.put("LeaseReleaseBenchmark",
                "Lease + release of an idle connection, every thread in a loop; aggregate throughput (higher is better)");
        CLASSES.put("CrossThreadReleaseBenchmark",
                "Cross-thread release: 3 lessee threads hand entries to 1 releasing thread (-t 4); lessee throughput");
        CLASSES.put("RouteScaleBenchmark",
                "One route leased and released while `routes` routes each hold an idle connection; 1 thread");
        CLASSES.put("RouteScaleEvictionBenchmark",
                "A lease that must evict another route's idle connection (maxTotal 20, all idle), then its release;"
                        + " after `history` (FRESH; SEEN_50K: 50,000 routes leased once; _PURGED: then closeIdle(0)),"
                        + " with background `maintenance` off or on (1 s); 1 thread, time per operation (lower is better)");
        CLASSES.put("StateScaleBenchmark",
                "Lease the least recently released of `others`+1 idle connections, each with its own state; 1 thread"
                        + " (Lax closes and re-creates instead of scanning: free with stub connections)");
        CLASSES.put("EndToEndBenchmark",
                "HttpClient 4.5.14 GET against local HttpCore servers (1 server per route), requests/s");
        CLASSES.put("HttpClient5ClassicBenchmark",
                "HttpClient 5.6.5 classic client, GET against a local HttpCore 5 server (1 port per route), requests/s;"
                        + " routepool's manager vs HttpClient 5's PoolingHttpClientConnectionManager per PoolConcurrencyPolicy"
                        + " (maxPerRoute = max(2, threads): no waiting)");
        CLASSES.put("HttpClient5AsyncBenchmark",
                "HttpClient 5.6.5 async client, one request in flight per thread (execute().get()), HTTP/1.1, local"
                        + " HttpCore 5 server (1 port per route), requests/s; routepool's manager vs HttpClient 5's"
                        + " PoolingAsyncClientConnectionManager per PoolConcurrencyPolicy (maxPerRoute = max(2, threads): no waiting)");
        CLASSES.put("ScarceLatencyBenchmark",
                "16 threads, 1 route, 2 connections: time per lease + release");
        CLASSES.put("HandOffAnchorBenchmark",
                "Not a pool: 16 threads take turns on a fair Semaphore with 2 permits (first come, first served with no"
                        + " pool in it): the floor under the scarce percentiles on this machine; time per acquire + release");
        CLASSES.put("AnchorBenchmark",
                "Not pools: what a lease + release is made of on this machine (clock read, uncontended lock + unlock,"
                        + " HttpHost hash, route lookup in a ConcurrentHashMap)");
    }

    /** The latency percentiles shown: median, tail, and the single worst sample. */
    static final String[][] PERCENTILES = {
        {"50.0", "p50"}, {"90.0", "p90"}, {"99.0", "p99"}, {"99.9", "p99.9"}, {"99.99", "p99.99"}, {"100.0", "max"},
    };

    private Report() {
    }

    /** One benchmark result (one configuration of one pool). */
    record Result(String clazz, String method, String mode, int threads, Map<String, String> params, String pool,
                  double score, double error, String unit, Map<String, Double> percentiles, long samples,
                  Double allocPerOp, Double allocPerOpError, String jdk, String vm,
                  int forks, int warmupIterations, int iterations, String iterationTime) {

        String configKey() {
            return clazz + "|" + mode + "|" + params + "|" + threads;
        }

        boolean isGc() {
            return allocPerOp != null;
        }
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (args.length != 1) {
            System.err.println("usage: Report <directory with JMH JSON results>");
            System.exit(2);
        }
        Path dir = Paths.get(args[0]);
        String summary = write(dir);
        if (summary == null) {
            System.err.println("Report: no JMH results under " + dir);
            System.exit(1);
        }
        System.out.println(summary);
        System.out.println("(written to " + dir.resolve("summary.md") + ")");
    }

    /**
     * Reads the results under {@code dir}, writes {@code summary.md} and the charts there, and returns
     * the summary; {@code null} if there were no results.
     */
    public static String write(Path dir) throws IOException {
        List<Result> results = load(dir);
        if (results.isEmpty()) {
            return null;
        }
        String machine = readMachine(dir);
        String runName = dir.toAbsolutePath().normalize().getFileName().toString();
        Run run = Run.of(runName, machine, results);
        List<Charts.Drawn> charts = Charts.draw(results, dir, run);
        String summary = summary(run, machine, results, charts);
        Files.writeString(dir.resolve("summary.md"), summary, StandardCharsets.UTF_8);
        return summary;
    }

    // ================================================================== loading

    static List<Result> load(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
        List<Result> results = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.isBlank()) {
                continue; // a JMH run that failed before writing
            }
            Object root = Json.parse(text);
            if (!(root instanceof List<?> list)) {
                continue;
            }
            for (Object o : list) {
                if (o instanceof Map<?, ?> map) {
                    results.add(result(map));
                }
            }
        }
        return results;
    }

    static Result result(Map<?, ?> r) {
        String benchmark = (String) r.get("benchmark");
        String[] parts = benchmark.split("\\.");
        String clazz = parts[parts.length - 2];
        String method = parts[parts.length - 1];
        Map<String, String> params = new TreeMap<>();
        String pool = null;
        if (r.get("params") instanceof Map<?, ?> p) {
            for (Map.Entry<?, ?> e : p.entrySet()) {
                if ("pool".equals(e.getKey())) {
                    pool = String.valueOf(e.getValue());
                } else {
                    params.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
                }
            }
        }
        Map<?, ?> primary = (Map<?, ?>) r.get("primaryMetric");
        Map<?, ?> secondary = r.get("secondaryMetrics") instanceof Map<?, ?> s ? s : Map.of();
        // A @Group benchmark: the lessees' own metric is the score (the group total mixes in releases).
        Map<?, ?> metric = secondary.get("lease") instanceof Map<?, ?> lease ? lease : primary;
        Map<String, Double> percentiles = new LinkedHashMap<>();
        if (metric.get("scorePercentiles") instanceof Map<?, ?> pct) {
            for (Map.Entry<?, ?> e : pct.entrySet()) {
                percentiles.put(String.valueOf(e.getKey()), number(e.getValue()));
            }
        }
        long samples = 0;
        if ("sample".equals(r.get("mode")) && metric.get("rawDataHistogram") instanceof List<?> forks) {
            for (Object fork : forks) {
                for (Object iteration : (List<?>) fork) {
                    for (Object bucket : (List<?>) iteration) {
                        samples += (long) number(((List<?>) bucket).get(1));
                    }
                }
            }
        }
        Double alloc = null;
        Double allocError = null;
        for (Map.Entry<?, ?> e : secondary.entrySet()) {
            String name = String.valueOf(e.getKey()).replace("\u00b7", "");
            if (name.equals("gc.alloc.rate.norm") && e.getValue() instanceof Map<?, ?> m) {
                alloc = number(m.get("score"));
                allocError = number(m.get("scoreError"));
            }
        }
        return new Result(clazz, method, String.valueOf(r.get("mode")), (int) number(r.get("threads")), params,
                pool == null ? "-" : pool, number(metric.get("score")), number(metric.get("scoreError")),
                String.valueOf(metric.get("scoreUnit")), percentiles, samples, alloc, allocError,
                String.valueOf(r.get("jdkVersion")), String.valueOf(r.get("vmName")),
                (int) orZero(r.get("forks")), (int) orZero(r.get("warmupIterations")),
                (int) orZero(r.get("measurementIterations")), String.valueOf(r.get("measurementTime")));
    }

    private static double orZero(Object o) {
        double d = number(o);
        return Double.isFinite(d) ? d : 0;
    }

    static double number(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s); // JMH writes "NaN" for the error of a single iteration
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    static String readMachine(Path dir) {
        Path file = dir.resolve("machine.txt");
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ================================================================== summary

    /**
     * What kind of run the results come from. A smoke run is one named so ({@code run.sh smoke}, or
     * {@code run: smoke} in machine.txt), or one whose every benchmark ran one iteration without
     * warm-up (what {@code BenchmarkSmokeTest} does): its numbers are not measurements.
     */
    record Run(String name, boolean smoke, String iterationTime) {

        static final String NOT_FOR_QUOTING = "not for quoting";

        static Run of(String name, String machine, List<Result> results) {
            boolean named = name.startsWith("smoke")
                    || machine.lines().anyMatch(l -> l.matches("run:\\s+smoke\\b.*"));
            boolean unwarmedSingle = !results.isEmpty() && results.stream()
                    .allMatch(r -> r.warmupIterations() == 0 && Math.max(1, r.forks()) * r.iterations() <= 1);
            String time = results.stream().map(Result::iterationTime).filter(t -> !"null".equals(t))
                    .collect(Collectors.groupingBy(t -> t, LinkedHashMap::new, Collectors.counting()))
                    .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("short");
            return new Run(name, named || unwarmedSingle, time);
        }

        /** The warning a smoke run's summary, console output and every chart carry. */
        String warning() {
            return "SMOKE RUN, " + NOT_FOR_QUOTING.toUpperCase(Locale.ROOT) + ": no warm-up, one " + iterationTime
                    + " iteration per benchmark. It only checks that every benchmark runs; its scores, ratios and"
                    + " charts measure nothing (an unwarmed JIT, a single short sample), so do not compare pools with"
                    + " them. For figures, run `benchmarks/run.sh quick` (ratios of 2× or more) or `full`.";
        }

        /** Appended to every table heading of a smoke run ("" otherwise). */
        String tag() {
            return smoke ? " (smoke run: " + NOT_FOR_QUOTING + ")" : "";
        }

        /**
         * How the given results were measured, for a chart's subtitle: "1 fork × 3 iterations of 1 s after
         * 2 warm-up iterations" (several such, most frequent first, when the rows mix them).
         */
        static String shape(List<Result> rows) {
            Map<String, Long> shapes = rows.stream().collect(Collectors.groupingBy(r -> {
                int forks = Math.max(1, r.forks());
                return forks + (forks == 1 ? " fork × " : " forks × ") + r.iterations()
                        + (r.iterations() == 1 ? " iteration of " : " iterations of ") + r.iterationTime()
                        + (r.warmupIterations() == 0 ? ", no warm-up"
                        : " after " + r.warmupIterations() + " warm-up iteration" + (r.warmupIterations() == 1 ? "" : "s"));
            }, LinkedHashMap::new, Collectors.counting()));
            return shapes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(Map.Entry::getKey).collect(Collectors.joining("; "));
        }
    }

    static String summary(Run run, String machine, List<Result> results, List<Charts.Drawn> charts) {
        StringBuilder md = new StringBuilder();
        md.append("# routepool benchmarks: ").append(run.name()).append(run.tag()).append("\n\n");
        if (run.smoke()) {
            md.append("> **").append(run.warning()).append("**\n\n");
        }
        if (!machine.isEmpty()) {
            md.append("```\n").append(machine).append("\n```\n\n");
        } else {
            Result any = results.get(0);
            md.append("JDK ").append(any.jdk()).append(" (").append(any.vm()).append(")\n\n");
        }
        md.append("Scores are JMH means ± JMH's 99.9 % confidence half-width (Student's t over the iterations: with ")
                .append("3 iterations of 1 fork that is about 18 standard deviations, so the ± is wide; none with 1 iteration). ")
                .append("Each peer cell is `ratio (peer's score)`, ratio = routepool ÷ peer for throughput ")
                .append("(> 1: routepool is faster), ± propagated from both errors. ")
                .append("On a 2-core machine, more than 2 threads measure oversubscription, not scaling.\n\n");

        List<Result> plain = results.stream().filter(r -> !r.isGc()).collect(Collectors.toList());
        List<Result> gc = results.stream().filter(Result::isGc).collect(Collectors.toList());

        StringBuilder sections = new StringBuilder();
        Set<String> classes = new LinkedHashSet<>(CLASSES.keySet());
        plain.forEach(r -> classes.add(r.clazz()));
        for (String clazz : classes) {
            List<Result> rows = plain.stream().filter(r -> r.clazz().equals(clazz)).collect(Collectors.toList());
            if (rows.isEmpty()) {
                continue;
            }
            if (rows.stream().allMatch(r -> r.pool().equals("-"))) {
                sections.append(plainTable(clazz, rows));
            } else if (rows.stream().allMatch(r -> r.mode().equals("sample"))) {
                sections.append(percentileTable(clazz, rows));
            } else {
                sections.append(ratioTable(clazz, rows));
            }
        }
        if (!gc.isEmpty()) {
            sections.append(allocationTable(gc));
        }
        sections.append(KeyFigures.table(results, run));
        if (!charts.isEmpty()) {
            sections.append("## Charts\n\n");
            for (Charts.Drawn chart : charts) {
                sections.append("![").append(chart.file()).append("](").append(chart.file()).append(")\n\n")
                        .append(chart.caption()).append("\n\n");
            }
        }
        // every table heading of a smoke run says what it is, so that no table is quoted out of context
        for (String line : sections.toString().split("\n", -1)) {
            md.append(line.startsWith("## ") ? line + run.tag() : line).append('\n');
        }
        md.setLength(md.length() - 1);
        return md.toString();
    }

    static List<String> poolsIn(List<Result> rows) {
        Set<String> present = rows.stream().map(Result::pool).collect(Collectors.toSet());
        List<String> pools = new ArrayList<>();
        for (String p : LABELS.keySet()) {
            if (present.contains(p)) {
                pools.add(p);
            }
        }
        present.stream().filter(p -> !LABELS.containsKey(p)).sorted().forEach(pools::add);
        return pools;
    }

    static String label(String pool) {
        return LABELS.getOrDefault(pool, pool);
    }

    /** Rows grouped by configuration (params + threads), in a natural order (numbers numerically). */
    static Map<String, Map<String, Result>> byConfig(List<Result> rows) {
        List<Result> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing((Result r) -> sortKey(r.params())).thenComparingInt(Result::threads));
        Map<String, Map<String, Result>> configs = new LinkedHashMap<>();
        for (Result r : sorted) {
            configs.computeIfAbsent(r.configKey(), k -> new LinkedHashMap<>()).put(r.pool(), r);
        }
        return configs;
    }

    static String sortKey(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            String v = e.getValue();
            sb.append(e.getKey()).append('=');
            sb.append(v.matches("\\d+") ? String.format(Locale.ROOT, "%012d", Long.parseLong(v)) : v).append(';');
        }
        return sb.toString();
    }

    static String ratioTable(String clazz, List<Result> rows) {
        List<String> pools = poolsIn(rows);
        List<String> paramNames = rows.stream().flatMap(r -> r.params().keySet().stream()).distinct().sorted()
                .collect(Collectors.toList());
        String unit = unit(rows.get(0).unit());
        StringBuilder md = new StringBuilder();
        md.append("## ").append(clazz).append("\n\n").append(CLASSES.getOrDefault(clazz, "")).append(". Unit: ")
                .append(unit).append(".\n\n|");
        paramNames.forEach(p -> md.append(' ').append(p).append(" |"));
        md.append(" threads |");
        for (String p : pools) {
            md.append(' ').append(label(p)).append(p.equals(BASE) ? "" : " (rp ÷ peer)").append(" |");
        }
        md.append("\n|");
        md.append("---|".repeat(paramNames.size() + 1 + pools.size()));
        md.append('\n');
        for (Map<String, Result> config : byConfig(rows).values()) {
            Result any = config.values().iterator().next();
            md.append('|');
            paramNames.forEach(p -> md.append(' ').append(any.params().getOrDefault(p, "")).append(" |"));
            md.append(' ').append(any.threads()).append(" |");
            Result base = config.get(BASE);
            for (String p : pools) {
                Result r = config.get(p);
                md.append(' ');
                if (r == null) {
                    md.append('–');
                } else if (p.equals(BASE) || base == null) {
                    md.append(scoreText(r));
                } else {
                    md.append("**").append(ratioText(base, r)).append("** (").append(scoreText(r)).append(')');
                }
                md.append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        return md.toString();
    }

    /** A benchmark without competitors (anchors): one row per method. */
    static String plainTable(String clazz, List<Result> rows) {
        StringBuilder md = new StringBuilder();
        md.append("## ").append(clazz).append("\n\n").append(CLASSES.getOrDefault(clazz, "")).append(".\n\n");
        md.append("| benchmark | threads | score | unit |\n|---|---|---|---|\n");
        for (Result r : rows) {
            md.append("| ").append(r.method()).append(" | ").append(r.threads()).append(" | ").append(scoreText(r))
                    .append(" | ").append(unit(r.unit())).append(" |\n");
        }
        md.append('\n');
        return md.toString();
    }

    static String percentileTable(String clazz, List<Result> rows) {
        StringBuilder md = new StringBuilder();
        String unit = unit(rows.get(0).unit());
        md.append("## ").append(clazz).append("\n\n").append(CLASSES.getOrDefault(clazz, ""))
                .append(". Sample time, ").append(unit).append(" (lower is better).\n\n");
        md.append("| pool | threads | mean |");
        for (String[] p : PERCENTILES) {
            md.append(' ').append(p[1]).append(" |");
        }
        md.append(" samples |\n|").append("---|".repeat(4 + PERCENTILES.length)).append('\n');
        for (Map<String, Result> config : byConfig(rows).values()) {
            for (String pool : poolsIn(new ArrayList<>(config.values()))) {
                Result r = config.get(pool);
                md.append("| ").append(label(pool)).append(" | ").append(r.threads()).append(" | ").append(scoreText(r))
                        .append(" |");
                for (String[] p : PERCENTILES) {
                    Double v = r.percentiles().get(p[0]);
                    md.append(' ').append(v == null ? "–" : fmt(v)).append(" |");
                }
                md.append(' ').append(r.samples()).append(" |\n");
            }
        }
        md.append('\n');
        return md.toString();
    }

    static String allocationTable(List<Result> gc) {
        StringBuilder md = new StringBuilder();
        md.append("## Allocation per operation (`-prof gc`, gc.alloc.rate.norm, B/op)\n\n");
        md.append("| benchmark | params | threads |");
        List<String> pools = poolsIn(gc);
        pools.forEach(p -> md.append(' ').append(label(p)).append(" |"));
        md.append("\n|").append("---|".repeat(3 + pools.size())).append('\n');
        Map<String, List<Result>> byClass = new LinkedHashMap<>();
        gc.forEach(r -> byClass.computeIfAbsent(r.clazz(), k -> new ArrayList<>()).add(r));
        for (Map.Entry<String, List<Result>> e : byClass.entrySet()) {
            for (Map<String, Result> config : byConfig(e.getValue()).values()) {
                Result any = config.values().iterator().next();
                md.append("| ").append(e.getKey()).append(" | ").append(paramsText(any.params())).append(" | ")
                        .append(any.threads()).append(" |");
                for (String p : pools) {
                    Result r = config.get(p);
                    md.append(' ').append(r == null ? "–" : fmtAlloc(r.allocPerOp())).append(" |");
                }
                md.append('\n');
            }
        }
        md.append("\nBelow 0.5 B/op is shown as 0: JMH's own occasional allocations spread over millions of operations.\n\n");
        return md.toString();
    }

    static String paramsText(Map<String, String> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    static String unit(String jmhUnit) {
        return jmhUnit.replace("us", "µs");
    }

    static String scoreText(Result r) {
        return Double.isFinite(r.error()) ? fmt(r.score()) + " ± " + fmtLike(r.error(), r.score()) : fmt(r.score());
    }

    static double ratio(Result base, Result peer) {
        return base.score() / peer.score();
    }

    static double ratioError(Result base, Result peer) {
        double r = ratio(base, peer);
        double a = base.error() / base.score();
        double b = peer.error() / peer.score();
        return r * Math.sqrt(a * a + b * b);
    }

    static String ratioText(Result base, Result peer) {
        double r = ratio(base, peer);
        double e = ratioError(base, peer);
        String text = fmtRatio(r) + "×";
        return Double.isFinite(e) ? text + " ±" + fmtRatio(e) : text;
    }

    static String fmtRatio(double r) {
        if (!Double.isFinite(r)) {
            return "–";
        }
        if (r >= 100) {
            return String.format(Locale.ROOT, "%.0f", r);
        }
        if (r >= 10) {
            return String.format(Locale.ROOT, "%.1f", r);
        }
        return r >= 0.1 ? String.format(Locale.ROOT, "%.2f", r) : String.format(Locale.ROOT, "%.2g", r);
    }

    /** Three significant digits, thousands grouped. */
    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a >= 0.001 || a == 0) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }

    /** An error with as many decimals as its score. */
    static String fmtLike(double error, double score) {
        double a = Math.abs(score);
        int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.001 ? 3 : -1;
        if (decimals < 0) {
            return String.format(Locale.ROOT, "%.2e", error);
        }
        return String.format(Locale.ROOT, a >= 1000 ? "%,." + decimals + "f" : "%." + decimals + "f", error);
    }

    static String fmtAlloc(Double bytes) {
        if (bytes == null || !Double.isFinite(bytes)) {
            return "–";
        }
        // JMH spreads its own tiny harness allocations over the ops: < 0.5 B/op is zero per operation.
        return bytes < 0.5 ? "0" : String.format(Locale.ROOT, "%.0f", bytes);
    }

    /** Results matching the filter, by pool. */
    static Map<String, Result> find(List<Result> results, Predicate<Result> filter) {
        Map<String, Result> byPool = new LinkedHashMap<>();
        for (Result r : results) {
            if (filter.test(r)) {
                byPool.put(r.pool(), r);
            }
        }
        return byPool;
    }

    static Predicate<Result> is(String clazz, int threads, String... params) {
        return r -> {
            if (!r.clazz().equals(clazz) || (threads > 0 && r.threads() != threads)) {
                return false;
            }
            for (int i = 0; i + 1 < params.length; i += 2) {
                if (!Objects.equals(r.params().get(params[i]), params[i + 1])) {
                    return false;
                }
            }
            return true;
        };
    }
}

package io.routepool.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.routepool.benchmarks.report.Report;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Keeps the suite from rotting under {@code mvn verify} (what CI runs): every benchmark method runs
 * every one of its pools for one 20 ms iteration, in this JVM (no fork: these are not measurements),
 * and the report reads the JSON and draws its charts, labelling every table and chart as a smoke run
 * that is not for quoting. {@code benchmarks/run.sh smoke} does the same with forked JVMs.
 */
class BenchmarkSmokeTest {

    private static final String PKG = "^io\\.routepool\\.benchmarks\\.";

    @TempDir
    Path dir;

    private ChainedOptionsBuilder options(String regex, String json) {
        return new OptionsBuilder()
                .include(PKG + regex)
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(20))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .resultFormat(ResultFormatType.JSON)
                .result(dir.resolve(json).toString());
    }

    private static Set<String> ran(Collection<RunResult> results) {
        Set<String> seen = new TreeSet<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1");
            seen.add(label + ":" + r.getParams().getParam("pool"));
        }
        return seen;
    }

    @Test
    void everyBenchmarkRunsEveryPoolAndTheReportReadsThem() throws Exception {
        Set<String> seen = new TreeSet<>();
        seen.addAll(ran(new Runner(options("LeaseReleaseBenchmark\\.", "lease-release.json")
                .threads(2).param("routes", "1").param("capacity", "SCARCE").build()).run()));
        seen.addAll(ran(new Runner(options("ScarceLatencyBenchmark\\.", "latency.json").threads(4).build()).run()));
        seen.addAll(ran(new Runner(options("HandOffAnchorBenchmark\\.", "handoff.json").threads(4).build()).run()));
        seen.addAll(ran(new Runner(options("CrossThreadReleaseBenchmark\\.", "cross.json").build()).run()));
        seen.addAll(ran(new Runner(options("RouteScaleBenchmark\\.", "routes.json").param("routes", "100").build()).run()));
        seen.addAll(ran(new Runner(options("RouteScaleEvictionBenchmark\\.", "eviction.json")
                .param("history", "SEEN_50K_PURGED").param("maintenance", "OFF", "ON").build()).run()));
        seen.addAll(ran(new Runner(options("StateScaleBenchmark\\.", "states.json").param("others", "10").build()).run()));
        seen.addAll(ran(new Runner(options("EndToEndBenchmark\\.", "e2e.json").threads(2).param("routes", "2").build()).run()));
        seen.addAll(ran(new Runner(options("HttpClient5ClassicBenchmark\\.", "e2e-hc5-classic.json").threads(2)
                .param("routes", "2").build()).run()));
        seen.addAll(ran(new Runner(options("HttpClient5AsyncBenchmark\\.", "e2e-hc5-async.json").threads(2)
                .param("routes", "2").build()).run()));
        seen.addAll(ran(new Runner(options("AnchorBenchmark\\.", "anchors.json").build()).run()));

        Set<String> expected = new TreeSet<>();
        for (String p : new String[] {"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5", "COMMONS_POOL2"}) {
            expected.add("LeaseReleaseBenchmark.leaseRelease:" + p);
            expected.add("RouteScaleBenchmark.leaseRelease:" + p);
        }
        for (String p : new String[] {"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5"}) {
            expected.add("LeaseReleaseBenchmark.leaseReleaseStates:" + p);
            expected.add("StateScaleBenchmark.leaseRelease:" + p);
        }
        for (String p : new String[] {"ROUTEPOOL5", "OFFLOCK5"}) { // the httpcore5-API pools: lease and release only
            expected.add("LeaseReleaseBenchmark.leaseRelease:" + p);
            expected.add("LeaseReleaseBenchmark.leaseReleaseStates:" + p);
        }
        expected.add("LeaseReleaseBenchmark.leaseReleaseBag:HIKARI_BAG");
        expected.add("RouteScaleEvictionBenchmark.evictingLease:ROUTEPOOL");
        for (String p : new String[] {"ROUTEPOOL", "HTTPCORE4", "STRICT5", "LAX5", "COMMONS_POOL2", "HIKARI_BAG"}) {
            expected.add("ScarceLatencyBenchmark.leaseRelease:" + p);
            expected.add("CrossThreadReleaseBenchmark.handoff:" + p);
        }
        expected.add("HandOffAnchorBenchmark.fairSemaphore:null");
        expected.add("EndToEndBenchmark.get:ROUTEPOOL");
        expected.add("EndToEndBenchmark.get:HTTPCLIENT_POOLING");
        for (String p : new String[] {"ROUTEPOOL", "HC5_STRICT", "HC5_LAX", "HC5_OFFLOCK"}) {
            expected.add("HttpClient5ClassicBenchmark.get:" + p);
            expected.add("HttpClient5AsyncBenchmark.get:" + p);
        }
        for (String m : new String[] {"nanoTime", "currentTimeMillis", "lockUnlock", "httpHostHashCode", "routeLookup"}) {
            expected.add("AnchorBenchmark." + m + ":null");
        }
        assertEquals(expected, seen);

        String summary = Report.write(dir);
        assertEquals(summary, Files.readString(dir.resolve("summary.md")));
        assertTrue(summary.contains("## LeaseReleaseBenchmark"), summary);
        assertTrue(summary.contains("## ScarceLatencyBenchmark"), summary);
        assertTrue(summary.contains("## AnchorBenchmark"), summary);
        assertTrue(summary.contains("## HandOffAnchorBenchmark"), summary);
        assertTrue(summary.contains("## HttpClient5ClassicBenchmark"), summary);
        assertTrue(summary.contains("## HttpClient5AsyncBenchmark"), summary);
        assertTrue(summary.contains("HttpClient 5 OFFLOCK (rp ÷ peer)"), summary);
        assertTrue(summary.contains("## Key figures"), summary);

        // one unwarmed 20 ms iteration: every table and chart must say it is not for quoting
        assertTrue(summary.contains("SMOKE RUN, NOT FOR QUOTING: no warm-up, one 20 ms iteration"), summary);
        for (String line : summary.split("\n")) {
            if (line.startsWith("#")) {
                assertTrue(line.endsWith("(smoke run: not for quoting)"), line);
            }
        }
        // user-facing words only: no internal labels of goals or tickets
        Matcher jargon = Pattern.compile("(?i)target|issue|\\bT[1-9]\\b").matcher(summary);
        assertFalse(jargon.find(), () -> "'" + jargon.group() + "' in the summary:\n" + summary);

        for (String chart : new String[] {"lease-release-1-route-scarce", "lease-release-1-route-scarce-8-states",
            "unkeyed-bag", "cross-thread", "scarce-latency", "route-scale", "state-scale", "end-to-end",
            "end-to-end-hc5-classic", "end-to-end-hc5-async"}) {
            Path png = dir.resolve(chart + ".png");
            assertTrue(summary.contains("](" + chart + ".png)"), chart + " not in the summary");
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(hasWarningBand(image), chart + ".png has no smoke-run band");
        }
        assertTrue(summary.contains("First come, first served (routepool, HttpCore5 Strict)"), summary);
    }

    /** The red "not for quoting" band drawn above the plot: a run of its colour in the image's top rows. */
    private static boolean hasWarningBand(BufferedImage image) {
        int red = 0xB00020;
        for (int y = 0; y < Math.min(160, image.getHeight()); y++) {
            int run = 0;
            for (int x = 0; x < image.getWidth(); x++) {
                run = (image.getRGB(x, y) & 0xFFFFFF) == red ? run + 1 : 0;
                if (run > 200) {
                    return true;
                }
            }
        }
        return false;
    }
}

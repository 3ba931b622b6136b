package io.routepool.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.KeyedPool;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks of this module can fail: each deliberately broken pool (one that ignores maxPerRoute,
 * one that hands a stateless lease a connection carrying another state) is caught by every check
 * that should catch it, and the differential checks report a shrunk counterexample with its seed.
 *
 * <p>The reports are the expected outcome here, so they are asserted on and kept off the build log;
 * {@code -D}{@value #SHOW}{@code =true} prints them, to see what a real counterexample looks like.
 */
class BrokenPoolsAreCaughtTest {

    /** System property: print the counterexamples and violations these tests provoke. */
    static final String SHOW = "routepool.property.showBrokenPoolReports";

    private static void showIfAsked(String what) {
        if (Boolean.getBoolean(SHOW)) {
            System.out.println(what);
        }
    }

    /** A counterexample's report names both sides, marks the diverging step, and says how to replay its seed. */
    private static void assertReport(String report, Differential.Counterexample c, String subject, String oracle) {
        assertThat(report)
                .contains(subject, oracle)
                .contains("seed " + c.seed())
                .contains("  >> " + c.divergence().step() + ": ")
                .contains("-Droutepool.property.seed=" + c.seed());
    }

    static Stream<Arguments> brokenPools() {
        return Stream.of(
                Arguments.of("ignores maxPerRoute", BrokenPools.IGNORES_MAX_PER_ROUTE),
                Arguments.of("hands out the wrong state", BrokenPools.HANDS_OUT_WRONG_STATE));
    }

    @AfterEach
    void restoreLincheckPool() {
        LeaseLinearizabilityTest.maker = RoutePoolWorld.PoolMaker.REAL;
        ProtocolSafetyTest.breaker = (pool, conns) -> pool;
    }

    static Stream<Arguments> unsafePools() {
        return Stream.of(
                Arguments.of("closes a connection twice", BrokenPools.CLOSES_TWICE, "closed 2 times: "),
                Arguments.of("drops a release", BrokenPools.DROPS_A_RELEASE, "counted as leased, held by nobody: "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsafePools")
    void theProtocolSafetyCheckCatchesIt(String name,
            java.util.function.BiFunction<KeyedPool<String, Conn>, Conns, KeyedPool<String, Conn>> broken, String finding)
            throws Exception {
        ProtocolSafetyTest.warmUp();
        ProtocolSafetyTest.breaker = broken;
        StressOptions options = ProtocolSafetyTest.stress(10, 3).invocationsPerIteration(200).minimizeFailedScenario(false);
        assertThatThrownBy(() -> LeaseLinearizabilityTest.withPoolLogsOff(() -> options.check(ProtocolSafetyTest.class)))
                .as("a pool that %s", name)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Invalid execution results")
                .hasMessageContaining(finding);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPools")
    void theDifferentialAgainstHttpCoreCatchesIt(String name, RoutePoolWorld.PoolMaker broken) {
        Optional<Differential.Counterexample> found;
        try (CapturedPoolLogs logs = CapturedPoolLogs.start()) {
            found = Differential.search(Differential.baseSeed(), 3000, 60, false,
                    cfg -> new RoutePoolWorld(cfg, broken, 1_000), HttpCoreWorld::new);
            logs.assertOnlyReports();
        }
        assertThat(found).as("a pool that %s", name).isPresent();
        String report = found.get().report(name, "HttpCore 4.4");
        showIfAsked(report);
        assertReport(report, found.get(), name, "HttpCore 4.4");
        assertThat(found.get().minimal().size()).isLessThan(found.get().originalLength());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPools")
    void theTimeModelCatchesIt(String name, RoutePoolWorld.PoolMaker broken) {
        Optional<Differential.Counterexample> found;
        try (CapturedPoolLogs logs = CapturedPoolLogs.start()) {
            found = Differential.search(Differential.baseSeed(), 3000, 60, true,
                    cfg -> new RoutePoolWorld(cfg, broken, 1), ModelWorld::new);
            logs.assertOnlyReports();
        }
        assertThat(found).as("a pool that %s", name).isPresent();
        String report = found.get().report(name, "reference model");
        showIfAsked(report);
        assertReport(report, found.get(), name, "reference model");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPools")
    void lincheckCatchesIt(String name, RoutePoolWorld.PoolMaker broken) {
        LeaseLinearizabilityTest.maker = broken;
        StressOptions options = LeaseLinearizabilityTest.stress().iterations(50).minimizeFailedScenario(false);
        assertThatThrownBy(() -> LeaseLinearizabilityTest.withPoolLogsOff(() -> options.check(LeaseLinearizabilityTest.class)))
                .as("a pool that %s", name)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Invalid execution results");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPools")
    void theConcurrentInvariantsCatchIt(String name, RoutePoolWorld.PoolMaker broken) throws InterruptedException {
        ConcurrentInvariants.Result r;
        try (CapturedPoolLogs logs = CapturedPoolLogs.start()) {
            r = ConcurrentInvariants.run(broken, Differential.baseSeed(), Duration.ofSeconds(2), 8);
            logs.assertOnlyReports();
        }
        showIfAsked(name + ": " + r.violations.stream().limit(3).toList());
        assertThat(r.violations).as("a pool that %s", name).isNotEmpty();
        String expected = broken == BrokenPools.IGNORES_MAX_PER_ROUTE ? "> maxPerRoute" : "handed to a lease asking for";
        assertThat(r.violations).as("a pool that %s", name).anyMatch(v -> v.contains(expected));
    }
}

package io.routepool.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/**
 * Random action sequences on routepool and on HttpCore 4.4's AbstractConnPool side by side (HttpCoreWorld
 * states routepool's documented differences explicitly). After every step the handed-out connection (by
 * creation number), the closed connections and the stats per route and in total must agree.
 * {@code -Droutepool.property.factor=N} runs N times more sequences; {@code -Droutepool.property.seed=S}
 * replays from seed S.
 */
class DifferentialAgainstHttpCoreTest {

    @Test
    void routePoolMatchesHttpCoreOnRandomSequences() {
        long seed = Differential.baseSeed();
        int sequences = 3000 * Differential.factor();
        System.out.println("DifferentialAgainstHttpCoreTest: " + sequences + " sequences from seed " + seed);
        Differential.Coverage coverage = new Differential.Coverage();
        try (CapturedPoolLogs logs = CapturedPoolLogs.start()) {
            Differential.search(seed, sequences, 60, false,
                            cfg -> new RoutePoolWorld(cfg, RoutePoolWorld.PoolMaker.REAL, 1_000),
                            HttpCoreWorld::new, coverage)
                    .ifPresent(c -> fail(c.report("routepool", "HttpCore 4.4")));
            logs.assertOnlyReports();
            coverage.counts.put("pool reports", (int) logs.reports());
        }
        System.out.println("coverage: " + coverage);
        assertThat(coverage.get("lease: created")).as("coverage of lease: created in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: reused")).as("coverage of lease: reused in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: timeout")).as("coverage of lease: timeout in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: closed another connection on the way")).as("coverage of lease: closed another connection on the way in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("double release: refused")).as("coverage of double release: refused in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("CloseIdle: closed connections")).as("coverage of CloseIdle: closed connections in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("CloseExpired: closed connections")).as("coverage of CloseExpired: closed connections in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("SetMaxTotal: closed connections")).as("coverage of SetMaxTotal: closed connections in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("SetMaxPerRoute: closed connections")).as("coverage of SetMaxPerRoute: closed connections in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("Release: closed connections")).as("coverage of Release: closed connections in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: closed")).as("coverage of lease: closed in %s", coverage).isGreaterThan(20);
    }
}

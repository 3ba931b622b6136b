package io.routepool.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/**
 * The same generator with a fake clock (time to live, keep-alive expiry, validateAfterInactivity,
 * closeIdle, closeExpired, peers that close or half-close idle connections) against the reference
 * model. HttpCore reads the wall clock, so it cannot be the oracle here.
 */
class TimeModelTest {

    @Test
    void routePoolFollowsTheTimeRules() {
        long seed = Differential.baseSeed();
        int sequences = 3000 * Differential.factor();
        System.out.println("TimeModelTest: " + sequences + " sequences from seed " + seed);
        Differential.Coverage coverage = new Differential.Coverage();
        try (CapturedPoolLogs logs = CapturedPoolLogs.start()) {
            Differential.search(seed, sequences, 60, true,
                            cfg -> new RoutePoolWorld(cfg, RoutePoolWorld.PoolMaker.REAL, 1),
                            ModelWorld::new, coverage)
                    .ifPresent(c -> fail(c.report("routepool", "reference model")));
            logs.assertOnlyReports();
            coverage.counts.put("pool reports", (int) logs.reports());
        }
        System.out.println("coverage: " + coverage);
        assertThat(coverage.get("lease: created")).as("coverage of lease: created in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: reused")).as("coverage of lease: reused in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: timeout")).as("coverage of lease: timeout in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("lease: closed another connection on the way")).as("coverage of lease: closed another connection on the way in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("CloseIdle: closed connections")).as("coverage of CloseIdle: closed connections in %s", coverage).isGreaterThan(20);
        assertThat(coverage.get("CloseExpired: closed connections")).as("coverage of CloseExpired: closed connections in %s", coverage).isGreaterThan(20);
    }
}

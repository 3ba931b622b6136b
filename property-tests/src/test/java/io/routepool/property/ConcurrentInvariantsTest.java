package io.routepool.property;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Concurrent invariants under faults; see {@link ConcurrentInvariants}. Longer with -Droutepool.property.factor=N. */
@Timeout(600)
class ConcurrentInvariantsTest {

    @Test
    void limitsHoldAndEveryLeaseEndsAndEveryConnectionClosesOnce() throws InterruptedException {
        long seed = Differential.baseSeed();
        ConcurrentInvariants.Result r;
        long reports;
        try (CapturedPoolLogs logs = CapturedPoolLogs.start()) {
            r = ConcurrentInvariants.run(RoutePoolWorld.PoolMaker.REAL, seed, Duration.ofSeconds(4L * Differential.factor()), 8);
            logs.assertOnlyReports();
            reports = logs.reports();
        }
        System.out.println("ConcurrentInvariantsTest seed " + seed + ": " + r + ", pool reports " + reports);
        assertThat(r.unexpected).isEmpty();
        assertThat(r.violations).isEmpty();
        // the run exercised what it claims to
        assertThat(r.served.get()).isGreaterThan(1000);
        assertThat(r.timedOut.get()).isPositive();
        assertThat(r.cancelled.get()).isPositive();
        assertThat(r.failed.get()).isPositive();
        assertThat(r.interrupted.get()).isPositive();
        assertThat(r.refusedClosed.get()).isPositive();
        assertThat(r.invalidReleasesRefused.get()).isPositive();
        assertThat(r.samples.get()).isGreaterThan(100);
    }
}

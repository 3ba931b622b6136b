package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cap on route cardinality as a pure function: busiest first, ties to the routes already shown, then by name. */
class RouteRankingTest {

    private static Sample.Counts counts(long leased, long idle, long pending) {
        return new Sample.Counts(leased, idle, pending, 10);
    }

    @Test
    void theBusiestByFootprintWin() {
        Map<String, Sample.Counts> byName = new HashMap<>();
        byName.put("idle-heavy", counts(0, 6, 0));
        byName.put("waiting", counts(1, 0, 4));
        byName.put("quiet", counts(1, 0, 0));
        byName.put("busy", counts(7, 0, 0));
        assertThat(RouteRanking.top(byName, Set.of(), 3)).containsExactly("busy", "idle-heavy", "waiting");
        assertThat(RouteRanking.top(byName, Set.of(), 10)).containsExactly("busy", "idle-heavy", "waiting", "quiet");
        assertThat(RouteRanking.top(byName, Set.of(), 0)).isEmpty();
    }

    @Test
    void aTieKeepsTheRouteAlreadyShownThenGoesByName() {
        Map<String, Sample.Counts> byName = new HashMap<>();
        byName.put("a", counts(2, 0, 0));
        byName.put("b", counts(2, 0, 0));
        byName.put("c", counts(2, 0, 0));
        assertThat(RouteRanking.top(byName, Set.of(), 1)).containsExactly("a");
        assertThat(RouteRanking.top(byName, Set.of("c"), 1)).as("c stays while no route is busier").containsExactly("c");
        byName.put("a", counts(3, 0, 0));
        assertThat(RouteRanking.top(byName, Set.of("c"), 1)).as("a busier route takes the place").containsExactly("a");
    }
}

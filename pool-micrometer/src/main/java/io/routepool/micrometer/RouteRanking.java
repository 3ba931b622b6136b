package io.routepool.micrometer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cap on route cardinality: which route names get meters of their own. The busiest {@code max} names by
 * {@linkplain Sample.Counts#footprint() footprint} (connections leased and idle, plus requests waiting), a name
 * already shown winning a tie (so that equally busy routes do not take turns), then by name (so that the choice
 * is the same on every refresh). A pure function.
 */
final class RouteRanking {

    private RouteRanking() {
    }

    /** The names to show, at most {@code max} of {@code byName}'s; iteration in rank order. */
    static Set<String> top(Map<String, Sample.Counts> byName, Set<String> shown, int max) {
        if (max <= 0 || byName.isEmpty()) {
            return Collections.emptySet();
        }
        List<Map.Entry<String, Sample.Counts>> ranked = new ArrayList<>(byName.entrySet());
        Comparator<Map.Entry<String, Sample.Counts>> busiest =
                Comparator.comparingLong((Map.Entry<String, Sample.Counts> e) -> e.getValue().footprint()).reversed();
        Comparator<Map.Entry<String, Sample.Counts>> incumbent =
                Comparator.comparing((Map.Entry<String, Sample.Counts> e) -> !shown.contains(e.getKey()));
        ranked.sort(busiest.thenComparing(incumbent).thenComparing(Map.Entry::getKey));
        Set<String> top = new LinkedHashSet<>();
        for (int i = 0; i < ranked.size() && i < max; i++) {
            top.add(ranked.get(i).getKey());
        }
        return Collections.unmodifiableSet(top);
    }
}

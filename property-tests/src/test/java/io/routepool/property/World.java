package io.routepool.property;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A pool an action sequence runs against, seen only through what a caller can observe. */
interface World {

    /** Runs one action; returns its result as a caller sees it ("conn#3", "timeout", "refused", "closed", "ok"). */
    String apply(Action action);

    /** What a caller can observe after a step. */
    Observation observe();

    record Observation(String result, Set<Integer> closed, Set<String> routesInUse, Map<String, String> stats, String total) {
        static Observation of(String result, Set<Integer> closed, Set<String> routesInUse, Map<String, String> stats,
                String total) {
            return new Observation(result, closed, routesInUse, new TreeMap<>(stats), total);
        }
    }

    /** The connections a world currently leases out, in lease order, by creation number. */
    final class Leases {
        final List<Integer> order = new ArrayList<>();

        Integer pick(int pick) {
            return order.isEmpty() ? null : order.get(Math.floorMod(pick, order.size()));
        }
    }
}

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

        /** The pick-th (modulo) connection, by creation number, that is not leased out: idle or closed. */
        Integer pickNotLeased(List<Conn> created, int pick) {
            return pickFrom(created.stream().map(c -> c.serial).filter(s -> !order.contains(s)).sorted().toList(), pick);
        }

        /** The pick-th (modulo) open connection that is not leased out. */
        Conn pickIdle(List<Conn> created, int pick) {
            return pickFrom(created.stream().filter(c -> c.open && !order.contains(c.serial)).toList(), pick);
        }

        private static <T> T pickFrom(List<T> candidates, int pick) {
            return candidates.isEmpty() ? null : candidates.get(Math.floorMod(pick, candidates.size()));
        }
    }
}

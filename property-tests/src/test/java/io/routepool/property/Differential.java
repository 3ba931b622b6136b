package io.routepool.property;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Runs seeded random action sequences on a subject and an oracle side by side, compares what a caller
 * can observe after every step, and shrinks a divergence to a minimal sequence (removing chunks of
 * halving size while the sequence still diverges), which it reports with its seed.
 */
final class Differential {

    interface WorldFactory {
        World make(Action.Config cfg);
    }

    record Divergence(int step, Action action, World.Observation subject, World.Observation oracle) { }

    /** What the sequences exercised, so that a test can require that it was not vacuous. */
    static final class Coverage {
        final java.util.Map<String, Integer> counts = new java.util.TreeMap<>();

        void count(String what) {
            counts.merge(what, 1, Integer::sum);
        }

        int get(String what) {
            return counts.getOrDefault(what, 0);
        }

        @Override
        public String toString() {
            return counts.toString();
        }
    }

    record Counterexample(long seed, Action.Config config, List<Action> minimal, Divergence divergence, int originalLength) {
        String report(String subjectName, String oracleName) {
            StringBuilder b = new StringBuilder();
            b.append("Divergence between ").append(subjectName).append(" and ").append(oracleName)
                    .append(", seed ").append(seed).append(" (sequence of ").append(originalLength)
                    .append(" shrunk to ").append(minimal.size()).append(")\n  config ").append(config).append('\n');
            for (int i = 0; i < minimal.size(); i++) {
                b.append(i == divergence.step() ? "  >> " : "     ").append(i).append(": ").append(minimal.get(i)).append('\n');
            }
            b.append("  ").append(subjectName).append(": ").append(divergence.subject()).append('\n');
            b.append("  ").append(oracleName).append(": ").append(divergence.oracle()).append('\n');
            b.append("  reproduce: the same test with -Droutepool.property.seed=").append(seed).append('\n');
            return b.toString();
        }
    }

    static Divergence firstDivergence(Action.Config cfg, List<Action> actions, WorldFactory subject, WorldFactory oracle) {
        return firstDivergence(cfg, actions, subject, oracle, null);
    }

    static Divergence firstDivergence(Action.Config cfg, List<Action> actions, WorldFactory subject, WorldFactory oracle,
            Coverage coverage) {
        World s = subject.make(cfg);
        World o = oracle.make(cfg);
        World.Observation previous = o.observe();
        int created = 0;
        for (int i = 0; i < actions.size(); i++) {
            Action a = actions.get(i);
            s.apply(a);
            o.apply(a);
            World.Observation so = s.observe();
            World.Observation oo = o.observe();
            if (!so.equals(oo)) {
                return new Divergence(i, a, so, oo);
            }
            if (coverage != null) {
                String r = oo.result();
                if (a instanceof Action.Lease && r.startsWith("conn#")) {
                    int serial = Integer.parseInt(r.substring(5));
                    coverage.count(serial > created ? "lease: created" : "lease: reused");
                    created = Math.max(created, serial);
                    if (oo.closed().size() > previous.closed().size()) {
                        coverage.count("lease: closed another connection on the way");
                    }
                } else if (a instanceof Action.Lease) {
                    coverage.count("lease: " + r);
                } else if (a instanceof Action.ReleaseNotLeased) {
                    coverage.count("double release: " + r);
                } else if (oo.closed().size() > previous.closed().size()) {
                    coverage.count(a.getClass().getSimpleName() + ": closed connections");
                }
            }
            previous = oo;
        }
        return null;
    }

    static List<Action> shrink(Action.Config cfg, List<Action> actions, WorldFactory subject, WorldFactory oracle) {
        Divergence d = firstDivergence(cfg, actions, subject, oracle);
        List<Action> current = new ArrayList<>(actions.subList(0, d.step() + 1));
        for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; ) {
            boolean removed = false;
            for (int start = 0; start < current.size(); ) {
                List<Action> candidate = new ArrayList<>(current.subList(0, start));
                candidate.addAll(current.subList(Math.min(current.size(), start + chunk), current.size()));
                Divergence cd = candidate.isEmpty() ? null : firstDivergence(cfg, candidate, subject, oracle);
                if (cd != null) {
                    current = new ArrayList<>(candidate.subList(0, cd.step() + 1));
                    removed = true;
                } else {
                    start += chunk;
                }
            }
            if (!removed) {
                chunk /= 2;
            }
        }
        return current;
    }

    /** Runs {@code sequences} sequences from consecutive seeds; the first counterexample, shrunk, if any. */
    static Optional<Counterexample> search(long firstSeed, int sequences, int length, boolean time,
            WorldFactory subject, WorldFactory oracle) {
        return search(firstSeed, sequences, length, time, subject, oracle, new Coverage());
    }

    static Optional<Counterexample> search(long firstSeed, int sequences, int length, boolean time,
            WorldFactory subject, WorldFactory oracle, Coverage coverage) {
        for (int i = 0; i < sequences; i++) {
            long seed = firstSeed + i;
            Random rnd = new Random(seed);
            Action.Config cfg = Action.Config.random(rnd, time);
            List<Action> actions = Action.generate(rnd, length, time);
            if (firstDivergence(cfg, actions, subject, oracle, coverage) != null) {
                List<Action> minimal = shrink(cfg, actions, subject, oracle);
                return Optional.of(new Counterexample(seed, cfg, minimal,
                        firstDivergence(cfg, minimal, subject, oracle), actions.size()));
            }
        }
        return Optional.empty();
    }

    static long baseSeed() {
        String fixed = System.getProperty("routepool.property.seed");
        return fixed != null ? Long.parseLong(fixed) : System.nanoTime();
    }

    static int factor() {
        return Integer.getInteger("routepool.property.factor", 1);
    }
}

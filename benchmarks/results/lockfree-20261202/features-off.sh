#!/usr/bin/env bash
# Issue 14: the hit path with every new option off, before (3a94cb1, the last commit before issue 14's options) and
# after (0afb79e). Jars built in two worktrees with
#   mvn -q -o -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip
# Run with nothing else on the machine; forks alternate between the two jars.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
B='LeaseReleaseBenchmark.leaseRelease$'
P='-p pool=ROUTEPOOL -p routes=1 -p capacity=AMPLE -p states=0'
for round in 1 2; do
  for t in 1 2; do
    for which in old new; do
      jar=$OLD; [ $which = new ] && jar=$NEW
      java -jar "$jar" "$B" $P -t $t -f 2 -wi 5 -i 5 -rf json -rff "$out/features-off-$which-${t}t-r$round.json" \
        > "$out/features-off-$which-${t}t-r$round.log" 2>&1
      grep -E "^LeaseReleaseBenchmark" "$out/features-off-$which-${t}t-r$round.log" | sed "s/^/$which r$round ${t}t: /"
    done
  done
done
java -jar "$NEW" "$B" $P -t 1 -f 1 -wi 5 -i 5 -prof gc > "$out/features-off-new-gc.log" 2>&1
grep -E "gc.alloc.rate.norm|^LeaseReleaseBenchmark" "$out/features-off-new-gc.log"

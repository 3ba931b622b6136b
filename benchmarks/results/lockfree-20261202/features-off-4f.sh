#!/usr/bin/env bash
# Issue 14, second run of features-off.sh's comparison with 4 forks per cell (the first showed one slow fork of 2 in a
# cell, as JIT phases do here): before (3a94cb1) and after (0afb79e), 1 and 2 threads, 1 route, ample; nothing else running.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
B='LeaseReleaseBenchmark.leaseRelease$'
P='-p pool=ROUTEPOOL -p routes=1 -p capacity=AMPLE -p states=0'
for t in 1 2; do
  for which in old new; do
    jar=$OLD; [ $which = new ] && jar=$NEW
    java -jar "$jar" "$B" $P -t $t -f 4 -wi 5 -i 5 -rf json -rff "$out/features-off-4f-$which-${t}t.json" \
      > "$out/features-off-4f-$which-${t}t.log" 2>&1
    grep -E "^LeaseReleaseBenchmark" "$out/features-off-4f-$which-${t}t.log" | sed "s/^/$which ${t}t: /"
  done
done

#!/usr/bin/env bash
# 16 threads after the state spots: OLD 1e37a1a against NEW 4ee059b, LeaseReleaseBenchmark, routepool, ample, 1 and 20
# routes, 2 forks x 20 warm-up (the JIT's warm-up at 16 threads on 2 vCPUs, see DESIGN.md) and 5 measured iterations
# of 1 s; nothing else running. Jars built in worktrees at those commits.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
for r in 1 20; do
  for which in old new; do
    jar=$OLD; [ $which = new ] && jar=$NEW
    java -jar "$jar" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL -p routes=$r -p capacity=AMPLE -p states=0 \
      -t 16 -f 2 -wi 20 -w 1s -i 5 -r 1s -rf json -rff "$out/t16-$which-${r}r.json" > "$out/t16-$which-${r}r.log" 2>&1
    grep -E "^LeaseReleaseBenchmark" "$out/t16-$which-${r}r.log" | sed "s/^/16t $which ${r} routes: /"
  done
done

#!/usr/bin/env bash
# Issue 14: the hit path before (6557bd3) and after (1a13f31; pool-core main code as at fffcb61 but for releaseStale becoming a default method) learnIdleClose, which is on by default, so this is
# pool-core's default pool: LeaseReleaseBenchmark.leaseRelease, routepool, 1 route, ample, 1 and 2 threads,
# 2 forks x 5 iterations per cell; nothing else running. Jars built in worktrees at those commits with
# `mvn -pl benchmarks -am package -DskipTests`.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
B='LeaseReleaseBenchmark.leaseRelease$'
P='-p pool=ROUTEPOOL -p routes=1 -p capacity=AMPLE -p states=0'
for t in 1 2; do
  for which in old new; do
    jar=$OLD; [ $which = new ] && jar=$NEW
    java -jar "$jar" "$B" $P -t $t -f 2 -wi 5 -i 5 -rf json -rff "$out/hit-path-$which-${t}t.json" \
      > "$out/hit-path-$which-${t}t.log" 2>&1
    grep -E "^LeaseReleaseBenchmark" "$out/hit-path-$which-${t}t.log" | sed "s/^/$which ${t}t: /"
  done
done

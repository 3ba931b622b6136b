#!/usr/bin/env bash
# Issue 13's state-scale target after the state spots (a second tier of the lock-free path): main before them (OLD,
# 1e37a1a) against the commit that adds them (NEW). StateScaleBenchmark (one thread leases the least recently
# released of others+1 states, each its own user token) and, as a regression check, the plain hit path
# (LeaseReleaseBenchmark, 1 route, ample, 1 and 2 threads). Jars built in worktrees at those commits with
# `mvn -pl benchmarks -am package -DskipTests`; nothing else running.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
for which in old new; do
  jar=$OLD; [ $which = new ] && jar=$NEW
  java -jar "$jar" 'StateScaleBenchmark' -p pool=ROUTEPOOL -p others=0,1,10,1000 \
    -f 2 -wi 8 -w 1s -i 5 -r 1s -rf json -rff "$out/states-$which.json" > "$out/states-$which.log" 2>&1
  grep -E "^StateScaleBenchmark" "$out/states-$which.log" | sed "s/^/$which: /"
done
java -jar "$NEW" 'StateScaleBenchmark' -p pool=HTTPCORE4 -p others=0,1000 \
  -f 2 -wi 8 -w 1s -i 5 -r 1s -rf json -rff "$out/states-httpcore4.json" > "$out/states-httpcore4.log" 2>&1
grep -E "^StateScaleBenchmark" "$out/states-httpcore4.log" | sed "s/^/httpcore4: /"
java -jar "$NEW" 'StateScaleBenchmark' -p pool=ROUTEPOOL -p others=1000 -prof gc \
  -f 1 -wi 8 -w 1s -i 5 -r 1s > "$out/states-new-gc.log" 2>&1
grep -E "^StateScaleBenchmark.*(gc.alloc.rate.norm|leaseRelease )" "$out/states-new-gc.log" | sed "s/^/new gc: /"
B='LeaseReleaseBenchmark.leaseRelease$'
P='-p pool=ROUTEPOOL -p routes=1 -p capacity=AMPLE -p states=0'
for t in 1 2; do
  for which in old new; do
    jar=$OLD; [ $which = new ] && jar=$NEW
    java -jar "$jar" "$B" $P -t $t -f 3 -wi 5 -w 1s -i 5 -r 1s -rf json -rff "$out/hit-$which-${t}t.json" \
      > "$out/hit-$which-${t}t.log" 2>&1
    grep -E "^LeaseReleaseBenchmark" "$out/hit-$which-${t}t.log" | sed "s/^/hit $which ${t}t: /"
  done
done

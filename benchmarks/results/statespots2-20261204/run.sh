#!/usr/bin/env bash
# Issue 13's state-scale target after the state spots' second step (7e2ef7a: a claim leaves its entry showing in the
# state spot, a release finds the spot from the entry, a mask of the thread spots in use; and the lost-connection fix):
# OLD = b95d31a (main before it) against NEW. StateScaleBenchmark (one thread leases the least recently released of
# others+1 states), its allocation, the plain hit path (1 route, ample, 1 and 2 threads) as a regression check, and the
# 4-thread headline cells (1 and 20 routes, ample, every pool), 3 forks each. Jars built in worktrees at those commits
# with `mvn -pl benchmarks -am package -DskipTests`; nothing else running.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
for which in old new; do
  jar=$OLD; [ $which = new ] && jar=$NEW
  java -jar "$jar" 'StateScaleBenchmark' -p pool=ROUTEPOOL -p others=0,1,10,1000 \
    -f 3 -wi 8 -w 1s -i 5 -r 1s -rf json -rff "$out/states-$which.json" > "$out/states-$which.log" 2>&1
  grep -E "^StateScaleBenchmark" "$out/states-$which.log" | sed "s/^/$which: /"
done
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
java -jar "$NEW" "$B" -p routes=1,20 -p capacity=AMPLE -p states=0 -t 4 -f 3 -wi 5 -w 1s -i 5 -r 1s \
  -rf json -rff "$out/t4-new.json" > "$out/t4-new.log" 2>&1
grep -E "^LeaseReleaseBenchmark" "$out/t4-new.log" | sed "s/^/4t new: /"
java -jar "$NEW" 'LeaseReleaseBenchmark.leaseReleaseBag$' -p capacity=AMPLE -t 4 -f 3 -wi 5 -w 1s -i 5 -r 1s \
  -rf json -rff "$out/t4-bag.json" > "$out/t4-bag.log" 2>&1
grep -E "^LeaseReleaseBenchmark" "$out/t4-bag.log" | sed "s/^/4t bag: /"
# The floor (not a pool): a hash lookup and two CASes on one slot per state, round robin (StateScaleAnchorBenchmark,
# added after the runs above, so run from a jar of the commit that adds it: ANCHOR).
ANCHOR=${ANCHOR:-$NEW}
java -jar "$ANCHOR" 'StateScaleAnchorBenchmark' -f 3 -wi 8 -w 1s -i 5 -r 1s -rf json -rff "$out/anchor.json" \
  > "$out/anchor.log" 2>&1
grep -E "^StateScaleAnchorBenchmark" "$out/anchor.log" | sed "s/^/anchor: /"
# A second look at the two cells the target compares, 5 forks (the 3-fork run above had forks from 13.5 to 23.6 at 1000).
java -jar "$ANCHOR" 'StateScaleBenchmark' -p pool=ROUTEPOOL -p others=0,1000 -f 5 -wi 8 -w 1s -i 5 -r 1s \
  -rf json -rff "$out/states-new-5forks.json" > "$out/states-new-5forks.log" 2>&1
grep -E "^StateScaleBenchmark" "$out/states-new-5forks.log" | sed "s/^/new 5 forks: /"

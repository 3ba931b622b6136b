#!/usr/bin/env bash
# Issue 14 "done when": the hit path with every feature off, before issue 14 (3a94cb1) against main after it
# (NEW, the commit named in README.md here), and main with its defaults (learnIdleClose on, the one option on by
# default). LeaseReleaseBenchmark.leaseRelease, routepool, 1 route, ample, 1 and 2 threads, 4 forks x 5 warm-up and
# 5 measured iterations of 1 s per cell; nothing else running. Jars built in worktrees at those commits with
# `mvn -pl benchmarks -am package -DskipTests`.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
OLD=${OLD:-/work/bench/old/benchmarks/target/benchmarks.jar}
NEW=${NEW:-/work/bench/new/benchmarks/target/benchmarks.jar}
B='LeaseReleaseBenchmark.leaseRelease$'
P='-p pool=ROUTEPOOL -p routes=1 -p capacity=AMPLE -p states=0'
for t in 1 2; do
  for which in old new-off new-default; do
    jar=$NEW; extra=""
    case $which in
      old) jar=$OLD ;;
      new-off) extra="-jvmArgsAppend -Droutepool.bench.learnIdleClose=false" ;;
    esac
    java -jar "$jar" "$B" $P $extra -t $t -f 4 -wi 5 -w 1s -i 5 -r 1s -rf json -rff "$out/$which-${t}t.json" \
      > "$out/$which-${t}t.log" 2>&1
    grep -E "^LeaseReleaseBenchmark" "$out/$which-${t}t.log" | sed "s/^/$which ${t}t: /"
  done
done

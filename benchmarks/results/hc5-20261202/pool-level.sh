#!/usr/bin/env bash
# The httpcore5 ManagedConnPool API at pool level: routepool's RoutePoolConnPool against pool-core directly and
# against httpcore5 5.4.4's StrictConnPool, LaxConnPool and RouteSegmentedConnPool (and HttpCore 4.4), lease+release
# of one route with ample capacity, 1 and 2 threads, with -prof gc (B/op). Run from the repository root with nothing
# else running, after: mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package
set -euo pipefail
OUT="$(dirname "${BASH_SOURCE[0]}")"
for t in 1 2; do
  java -jar benchmarks/target/benchmarks.jar 'LeaseReleaseBenchmark\.leaseRelease$' \
    -p pool=ROUTEPOOL,ROUTEPOOL5,HTTPCORE4,STRICT5,LAX5,OFFLOCK5 -p routes=1 -p capacity=AMPLE \
    -f 2 -wi 3 -i 5 -w 1s -r 1s -t "$t" -prof gc \
    -rf json -rff "$OUT/pool-level-${t}t.json" > "$OUT/pool-level-${t}t.log" 2>&1
done

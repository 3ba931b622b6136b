#!/usr/bin/env bash
# Issue 13's measurements, one jar, nothing else running (2 vCPUs). Run from the repository root after
# `mvn -q -pl benchmarks -am package -DskipTests`:  bash benchmarks/results/lockfree-20261202/run.sh
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR=benchmarks/target/benchmarks.jar
J="${JAVA:-java}"
KEYED=ROUTEPOOL,ROUTEPOOL5,HTTPCORE4,STRICT5,LAX5,OFFLOCK5,COMMONS_POOL2
# headline: 1 route (every pool) and 20 routes (routepool, HttpCore 4.4, Strict, OFFLOCK), ample, 1 and 2 threads,
# 3 forks x 5 iterations
for t in 1 2; do
  "$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=$KEYED -p routes=1 -p capacity=AMPLE -t $t \
     -f 3 -wi 5 -i 5 -w 1s -r 1s -rf json -rff "$D/headline-${t}t.json" > "$D/headline-${t}t.log" 2>&1
  "$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL,HTTPCORE4,STRICT5,OFFLOCK5 -p routes=20 -p capacity=AMPLE -t $t \
     -f 3 -wi 5 -i 5 -w 1s -r 1s -rf json -rff "$D/headline-20r-${t}t.json" > "$D/headline-20r-${t}t.log" 2>&1
  "$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseReleaseBag$' -p capacity=AMPLE -t $t \
     -f 3 -wi 5 -i 5 -w 1s -r 1s -rf json -rff "$D/bag-${t}t.json" > "$D/bag-${t}t.log" 2>&1
done
# oversubscribed: 4 and 16 threads, 1 route, 1 fork
for t in 4 16; do
  "$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL,HTTPCORE4,OFFLOCK5 -p routes=1,20 -p capacity=AMPLE -t $t \
     -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff "$D/over-${t}t.json" > "$D/over-${t}t.log" 2>&1
  "$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseReleaseBag$' -p capacity=AMPLE -t $t \
     -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff "$D/over-bag-${t}t.json" > "$D/over-bag-${t}t.log" 2>&1
done
# allocation at 1 thread
"$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL,HTTPCORE4,OFFLOCK5 -p routes=1 -p capacity=AMPLE -t 1 \
   -f 1 -wi 3 -i 3 -w 1s -r 1s -prof gc -rf json -rff "$D/gc-1t.json" > "$D/gc-1t.log" 2>&1
# state scale: 0 vs 1000 idle connections of other states
"$J" -jar "$JAR" 'StateScaleBenchmark' -p pool=ROUTEPOOL,HTTPCORE4 -p others=0,1000 \
   -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff "$D/states.json" > "$D/states.log" 2>&1
# route scale: 20 vs 100 000 routes
"$J" -jar "$JAR" 'RouteScaleBenchmark' -p pool=ROUTEPOOL -p routes=1,100000 \
   -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff "$D/routes.json" > "$D/routes.log" 2>&1
# scarce: 16 threads, 2 connections, percentiles
"$J" -jar "$JAR" 'ScarceLatencyBenchmark' -p pool=ROUTEPOOL,STRICT5 \
   -f 1 -wi 2 -i 3 -w 1s -r 2s -rf json -rff "$D/scarce.json" > "$D/scarce.log" 2>&1
"$J" -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL,STRICT5 -p routes=1 -p capacity=SCARCE -t 16 \
   -f 1 -wi 3 -i 5 -w 1s -r 1s -rf json -rff "$D/scarce-throughput.json" > "$D/scarce-throughput.log" 2>&1

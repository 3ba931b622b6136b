#!/usr/bin/env bash
# Issue 13's 16-thread cells again, every pool, 3 forks x 5 iterations, with 20 warm-up iterations instead of 5:
# at 16 threads on 2 vCPUs the JIT's compiler threads get a seventeenth of the machine, so routepool's hot path runs
# in C1 code (with profile counters that every thread writes) for 3 to 10 s, and falls back to it after each
# deoptimization (jit.sh shows when). From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`,
# nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR=benchmarks/target/benchmarks.jar
KEYED=ROUTEPOOL,ROUTEPOOL5,HTTPCORE4,STRICT5,LAX5,OFFLOCK5,COMMONS_POOL2
java -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=$KEYED -p routes=1,20 -p capacity=AMPLE -t 16 \
   -f 3 -wi 20 -i 5 -w 1s -r 1s -rf json -rff "$D/keyed-16t.json" > "$D/keyed-16t.log" 2>&1
java -jar "$JAR" 'LeaseReleaseBenchmark.leaseReleaseBag$' -p capacity=AMPLE -t 16 \
   -f 3 -wi 20 -i 5 -w 1s -r 1s -rf json -rff "$D/bag-16t.json" > "$D/bag-16t.log" 2>&1

#!/usr/bin/env bash
# The same warm-up (20 iterations) for routepool at 2 and 4 threads, so that the 16-thread share of the 2-thread
# figure is a ratio within one method; and the scarce percentiles with a longer warm-up and 3 forks.
# From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR=benchmarks/target/benchmarks.jar
java -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL -p routes=1,20 -p capacity=AMPLE -t 2 \
   -f 3 -wi 20 -i 5 -w 1s -r 1s -rf json -rff "$D/routepool-2t.json" > "$D/routepool-2t.log" 2>&1
java -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL -p routes=1,20 -p capacity=AMPLE -t 4 \
   -f 3 -wi 20 -i 5 -w 1s -r 1s -rf json -rff "$D/routepool-4t.json" > "$D/routepool-4t.log" 2>&1
java -jar "$JAR" 'ScarceLatencyBenchmark' -p pool=ROUTEPOOL,STRICT5 \
   -f 3 -wi 10 -i 5 -w 1s -r 2s -rf json -rff "$D/scarce.json" > "$D/scarce.log" 2>&1

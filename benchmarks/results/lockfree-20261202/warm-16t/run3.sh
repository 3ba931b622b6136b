#!/usr/bin/env bash
# Control for the 16-thread, 20-route gap: is it contention or the working set? 16 threads on 20 routes touch 320
# thread-route pairs' connections; 2 threads on 160 routes touch as many with no oversubscription.
# From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR=benchmarks/target/benchmarks.jar
java -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL -p routes=20,160 -p capacity=AMPLE -t 2 \
   -f 2 -wi 20 -i 5 -w 1s -r 1s -rf json -rff "$D/footprint-2t.json" > "$D/footprint-2t.log" 2>&1

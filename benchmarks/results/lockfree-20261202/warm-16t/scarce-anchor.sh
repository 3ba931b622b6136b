#!/usr/bin/env bash
# The scarce tail against its floor, in one run: routepool and Strict (ScarceLatencyBenchmark) and a fair Semaphore
# with 2 permits shared by 16 threads (HandOffAnchorBenchmark: first come, first served with no pool in it), same
# forks and timing as run2.sh's scarce cell. From the repository root after
# `mvn -q -pl benchmarks -am package -DskipTests`, nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR=benchmarks/target/benchmarks.jar
java -jar "$JAR" 'ScarceLatencyBenchmark|HandOffAnchorBenchmark' -p pool=ROUTEPOOL,STRICT5 \
   -f 3 -wi 10 -i 5 -w 1s -r 2s -rf json -rff "$D/scarce-anchor.json" > "$D/scarce-anchor.log" 2>&1

#!/usr/bin/env bash
# The state-scale anchor (states-anchor.sh, same options) with the lock-free state slots (StateSlots, stop 20).
# From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java -jar benchmarks/target/benchmarks.jar 'StateScaleBenchmark' -p pool=ROUTEPOOL,HTTPCORE4 -p others=0,1,10,1000 \
   -f 2 -wi 8 -i 5 -w 1s -r 1s -rf json -rff "$D/states-slots.json" > "$D/states-slots.log" 2>&1

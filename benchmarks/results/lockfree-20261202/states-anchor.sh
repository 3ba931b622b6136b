#!/usr/bin/env bash
# The state-scale anchor (issue 13): is the cost of 1000 idle connections of other states the number of states, or
# the locked path that a lease of another state than its thread's last release takes? others=1 takes the same locked
# path with one other state. Longer warm-up than run.sh's states cell (its first iterations were still warming up).
# From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java -jar benchmarks/target/benchmarks.jar 'StateScaleBenchmark' -p pool=ROUTEPOOL,HTTPCORE4 -p others=0,1,10,1000 \
   -f 2 -wi 8 -i 5 -w 1s -r 1s -rf json -rff "$D/states-anchor.json" > "$D/states-anchor.log" 2>&1

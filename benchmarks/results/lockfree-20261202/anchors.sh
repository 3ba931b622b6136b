#!/usr/bin/env bash
# The cost floor DESIGN's state-scale argument uses (stop 19): an uncontended ReentrantLock lock + unlock and a
# System.nanoTime read. From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else
# running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java -jar benchmarks/target/benchmarks.jar 'AnchorBenchmark.(lockUnlock|nanoTime)' -f 2 -wi 3 -i 5 -w 1s -r 1s \
   -rf json -rff "$D/anchors.json" > "$D/anchors.log" 2>&1

#!/usr/bin/env bash
# A/B of the pool-core split (issue 10): the previous commit's benchmark jar (A) against this one's (B), in one
# run, configuration by configuration alternating A and B, with nothing else running on the machine.
#   A=/work/baseline/benchmarks-main-4373af4.jar B=benchmarks/target/benchmarks.jar \
#     benchmarks/results/refactor-check-20261201/ab.sh benchmarks/results/refactor-check-20261201
set -euo pipefail
OUT="${1:-$(dirname "$0")}"
A="${A:?jar of the previous commit}"
B="${B:?jar of this commit}"
JMH=(-f 2 -wi 3 -i 5 -w 1s -r 1s -foe true)
uptime > "$OUT/load-before.txt"
for t in 1 2; do
  for routes in 1 20; do
    for side in A B; do
      jar="${!side}"
      java -jar "$jar" 'LeaseReleaseBenchmark\.leaseRelease$' "${JMH[@]}" -t "$t" -p pool=ROUTEPOOL -p routes="$routes" \
        -p capacity=AMPLE -rf json -rff "$OUT/lease-release-${t}t-${routes}r-$side.json" > "$OUT/lease-release-${t}t-${routes}r-$side.log"
    done
  done
done
[ "${ONLY_LEASE_RELEASE:-}" = 1 ] && { uptime > "$OUT/load-after.txt"; exit 0; }
for side in A B; do
  jar="${!side}"
  java -jar "$jar" 'LeaseReleaseBenchmark\.leaseRelease$' -f 1 -wi 3 -i 3 -w 1s -r 1s -t 1 -p pool=ROUTEPOOL -p routes=1 \
    -p capacity=AMPLE -prof gc -rf json -rff "$OUT/gc-1t-$side.json" > "$OUT/gc-1t-$side.log"
  java -jar "$jar" 'RouteScaleEvictionBenchmark\.' -f 1 -wi 3 -i 5 -w 1s -r 1s -foe true \
    -rf json -rff "$OUT/eviction-$side.json" > "$OUT/eviction-$side.log"
done
uptime > "$OUT/load-after.txt"

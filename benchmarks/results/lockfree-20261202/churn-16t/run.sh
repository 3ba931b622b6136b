#!/usr/bin/env bash
# Where 16 threads on 20 routes lose their time (issue 13; the reading drawn from it in stop 18 was ruled out by the same
# counters over 6 forks in stop 19: the loss was the JIT warm-up, see ../warm-16t/jit.sh): temporary counters in pool-core (counters.diff, never
# committed: apply it to a scratch worktree of the commit this directory came with, then
# `mvn -q -o -pl benchmarks -am package -DskipTests`), printed when the pool closes. Nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for c in "2 20" "16 1" "16 20"; do
  set -- $c
  echo "== threads=$1 routes=$2"
  java -jar benchmarks/target/benchmarks.jar 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL -p routes=$2 \
     -p capacity=AMPLE -t $1 -f 1 -wi 2 -i 4 -w 1s -r 1s 2>&1 | grep -E "^Iteration|DBG|^LeaseRelease"
done

#!/usr/bin/env bash
# Issue 13's headline cells at 4 and 16 threads with every pool, 3 forks x 5 iterations (run.sh ran them with 1 fork
# and three pools). From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else
# running (2 vCPUs: 4 and 16 threads measure oversubscription).
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR=benchmarks/target/benchmarks.jar
KEYED=ROUTEPOOL,ROUTEPOOL5,HTTPCORE4,STRICT5,LAX5,OFFLOCK5,COMMONS_POOL2
for t in 4 16; do
  java -jar "$JAR" 'LeaseReleaseBenchmark.leaseRelease$' -p pool=$KEYED -p routes=1,20 -p capacity=AMPLE -t $t \
     -f 3 -wi 5 -i 5 -w 1s -r 1s -rf json -rff "$D/over3-${t}t.json" > "$D/over3-${t}t.log" 2>&1
  java -jar "$JAR" 'LeaseReleaseBenchmark.leaseReleaseBag$' -p capacity=AMPLE -t $t \
     -f 3 -wi 5 -i 5 -w 1s -r 1s -rf json -rff "$D/over3-bag-${t}t.json" > "$D/over3-bag-${t}t.log" 2>&1
done

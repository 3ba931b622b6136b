#!/usr/bin/env bash
# Issue 14 item 1's goal: 40 runs of the stale-after-idle-close scenario (a raw server closing idle keep-alive
# connections after 1 s, no Keep-Alive header; 8 idle connections; 8 sequential requests after 1.1 to 1.9 s idle;
# retries off) on routepool's managers, one manager for all runs and a fresh one per run. Nothing else running.
# Run from the repository root after `mvn -B -DskipTests install`.
set -uo pipefail
out=$(cd "$(dirname "$0")" && pwd)
mvn -B -ntp -pl pool-httpadapter test-compile surefire:test@default-test -Dtest='StaleAfterIdleCloseTest#ours*' \
  -Dsurefire.failIfNoSpecifiedTests=false -Droutepool.stale.runs=40 > "$out/httpclient45.log" 2>&1
cp pool-httpadapter/target/stale-measurement-routepool-*.txt "$out/"
mvn -B -ntp -pl pool-httpclient5 test -Dtest='StaleAfterIdleCloseTest#*Ours*' -Droutepool.stale.runs=40 \
  > "$out/httpclient5.log" 2>&1
cp pool-httpclient5/target/stale-measurement-routepool-*.txt "$out/"
head -qn1 "$out"/stale-measurement-*.txt

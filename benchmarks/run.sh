#!/usr/bin/env bash
# The benchmark suite's one command: builds what it needs, runs JMH, writes JSON, prints a table of
# ratios (routepool ÷ each peer) and draws PNG charts (each pool's throughput ÷ the pool routepool
# replaces, linear, with error bars; HikariCP's bag, which is not keyed, on a chart of its own).
#
#   benchmarks/run.sh [quick|smoke|full]        (default: quick)
#
#   quick  a representative subset, -f 1 -wi 2 -i 3 -w 1s -r 1s:             ~ 18 min on 2 cores
#            lease+release 1 route ample at 1/2/4/16 threads (all 6 pools), 20 routes ample at 1/2,
#            1 route scarce at 16 threads, scarce latency percentiles at 16 threads, -prof gc at 1 thread,
#            cross-thread release, routes 1 vs 100 000, 0 vs 1000 idle connections of other states,
#            a lease evicting another route's idle connection: fresh vs after 50 000 routes (and a
#            purge), maintenance off/on,
#            end to end through HttpClient 4.5 at 1/8/32 threads on 1 route (5 s warm-up),
#            end to end through HttpClient 5 classic and async at 1/8/32 threads x 1/16 routes, each
#            vs HttpClient 5's manager with STRICT, LAX, OFFLOCK (5 s warm-up; ~8 of the minutes)
#            anchors (clock read, lock, route lookup: what a lease + release is made of)
#   smoke  every benchmark and every pool once, one 100 ms iteration without warm-up, minimal
#          parameters; fails on any benchmark error. It checks that the suite runs: its numbers are
#          NOT FOR QUOTING, and its summary, console output and charts say so.
#          ~ 4.5 min on 2 cores from a fresh clone, build included (measured on a busy machine)
#   full   the whole matrix, -f 3 -wi 5 -i 5 -w 1s -r 1s (figures worth quoting)  ~ 6 hours on 2 cores
#          (estimated from the per-fork times of recorded runs: ~11 s per fork of 10 s of iterations)
#          (every pool x routes 1/20/1000 x ample/scarce x no state/8 states x 1/2/4/8/16 threads,
#          -prof gc at 1 thread, latency, cross-thread, scale, eviction at scale,
#          end to end 1/16 routes x 1/8/32 threads, through HttpClient 4.5 and HttpClient 5
#          classic and async: ~30 min of it for HttpClient 5)
#
# Environment:
#   SKIP_BUILD=1    reuse benchmarks/target/benchmarks.jar as it is
#   JAVA=path       the java that runs the benchmarks and the report (default: java on the PATH),
#                   e.g. JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
#   JMH_ARGS="..."  extra JMH arguments appended to every step (e.g. -jvmArgsAppend -XX:+UseParallelGC)
#   STEPS=regex     run only the steps whose name matches (bash =~), e.g. STEPS='^end-to-end-hc5-' for
#                   the HttpClient 5 end-to-end steps of the mode; the report covers what ran
#
# Output: benchmarks/results/<mode>-<UTC timestamp>/: one JMH JSON file and one log per step,
# machine.txt (CPU, memory, JDK, load), summary.md (the tables, also printed at the end) and *.png.
# The report is a Java main class in the benchmarks jar (no Python needed):
#   java -cp benchmarks/target/benchmarks.jar io.routepool.benchmarks.report.Report <results dir>
set -euo pipefail

MODE="${1:-quick}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
JAR="$BENCH_DIR/target/benchmarks.jar"
JAVA="${JAVA:-java}"
read -r -a EXTRA <<< "${JMH_ARGS:-}"
PKG='^io\.routepool\.benchmarks\.'

case "$MODE" in
  # End to end needs 5 s of warm-up on a 2-vCPU VM: while the JIT keeps both vCPUs busy, a 1-thread
  # request/response ping-pong runs 2-3x faster than once they idle (cross-vCPU wake-ups), so a short
  # warm-up measures the transition (measured: 41k, 22k, 15k req/s in successive iterations).
  quick) OPTS=(-f 1 -wi 2 -i 3 -w 1s -r 1s);  LATENCY_OPTS=(-f 1 -wi 2 -i 3 -w 1s -r 2s); E2E_OPTS=(-f 1 -wi 5 -i 3 -w 1s -r 1s) ;;
  smoke) OPTS=(-f 1 -wi 0 -i 1 -r 100ms -foe true); LATENCY_OPTS=("${OPTS[@]}"); E2E_OPTS=("${OPTS[@]}") ;;
  full)  OPTS=(-f 3 -wi 5 -i 5 -w 1s -r 1s);  LATENCY_OPTS=(-f 3 -wi 5 -i 5 -w 1s -r 2s); E2E_OPTS=("${OPTS[@]}") ;;
  -h|--help|help) sed -n '2,40p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [quick|smoke|full]" >&2; exit 2 ;;
esac

SMOKE_WARNING='!! SMOKE RUN, NOT FOR QUOTING: no warm-up, one 100 ms iteration per benchmark. It checks that every
!! benchmark runs; its scores, ratios and charts measure nothing. For figures: benchmarks/run.sh quick (or full).'
[[ "$MODE" == smoke ]] && echo "$SMOKE_WARNING"

START=$SECONDS
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo ">> building: mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package"
  (cd "$ROOT" && mvn -B -q -Dmaven.test.skip=true -pl benchmarks -am package)
fi
[[ -f "$JAR" ]] || { echo "missing $JAR: build it first" >&2; exit 1; }

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$BENCH_DIR/results/$MODE-$STAMP"
mkdir -p "$OUT"

{
  echo "run:     $MODE, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu:     $(nproc) x $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')$(lscpu 2>/dev/null | awk -F: '/Hypervisor vendor/{gsub(/^ +/,"",$2); print ", " $2 " guest"}')"
  echo "memory:  $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null)"
  echo "os:      $(uname -sr)"
  echo "java:    $("$JAVA" -version 2>&1 | sed -n 2p)"
  echo "jmh:     1.37, $MODE options: ${OPTS[*]} ${EXTRA[*]}"
  [[ -n "${STEPS:-}" ]] && echo "steps:   only those matching $STEPS"
  echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at start"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

FAILED=()
# step <name> <benchmark regex> [JMH args...]: one JMH invocation -> <name>.json and <name>.log
step() {
  local name="$1" regex="$2"; shift 2
  if [[ -n "${STEPS:-}" && ! "$name" =~ $STEPS ]]; then
    return 0
  fi
  local t0=$SECONDS
  echo
  echo ">> [$name] $regex $*"
  set +e
  "$JAVA" -jar "$JAR" "$PKG$regex" "$@" "${EXTRA[@]}" -rf json -rff "$OUT/$name.json" 2>&1 \
    | tee "$OUT/$name.log" \
    | grep --line-buffered -E '^# (Parameters|Threads):|^Benchmark |^[A-Z][A-Za-z]+Benchmark\.|<failure>|Exception' \
    | grep --line-buffered -v -E ':(p[0-9]|stack|gc\.(alloc\.rate |count|time|churn))'
  local rc=${PIPESTATUS[0]}
  set -e
  echo "   ($((SECONDS - t0)) s)"
  if [[ $rc != 0 ]]; then
    FAILED+=("$name")
    echo "!! [$name] JMH exited with $rc: see ${OUT#"$ROOT"/}/$name.log" >&2
    [[ "$MODE" == smoke ]] && return 1
  fi
  return 0
}

LR='LeaseReleaseBenchmark\.(leaseRelease|leaseReleaseBag)$'   # keyed pools + the bag, no state
case "$MODE" in
  smoke)
    step lease-release-keyed 'LeaseReleaseBenchmark\.leaseRelease$' "${OPTS[@]}" -t 2 -p routes=20 -p capacity=SCARCE
    step lease-release-states 'LeaseReleaseBenchmark\.leaseReleaseStates$' "${OPTS[@]}" -t 2 -p routes=1 -p capacity=SCARCE
    step lease-release-bag 'LeaseReleaseBenchmark\.leaseReleaseBag$' "${OPTS[@]}" -t 2 -p capacity=SCARCE
    step scarce-latency 'ScarceLatencyBenchmark\.' "${LATENCY_OPTS[@]}"
    step handoff-anchor 'HandOffAnchorBenchmark\.' "${LATENCY_OPTS[@]}"
    step cross-thread 'CrossThreadReleaseBenchmark\.' "${OPTS[@]}"
    step route-scale 'RouteScaleBenchmark\.' "${OPTS[@]}" -p routes=100
    step route-scale-eviction 'RouteScaleEvictionBenchmark\.' "${OPTS[@]}" -p history=SEEN_50K_PURGED -p maintenance=OFF,ON
    step state-scale 'StateScaleBenchmark\.' "${OPTS[@]}" -p others=10
    step end-to-end 'EndToEndBenchmark\.' "${E2E_OPTS[@]}" -t 2 -p routes=16
    step end-to-end-hc5-classic 'HttpClient5ClassicBenchmark\.' "${E2E_OPTS[@]}" -t 2 -p routes=16
    step end-to-end-hc5-async 'HttpClient5AsyncBenchmark\.' "${E2E_OPTS[@]}" -t 2 -p routes=16
    step anchors 'AnchorBenchmark\.' "${OPTS[@]}"
    ;;
  quick)
    for t in 1 2 4 16; do
      step "lease-release-1route-ample-${t}t" "$LR" "${OPTS[@]}" -t "$t" -p routes=1 -p capacity=AMPLE
    done
    for t in 1 2; do
      step "lease-release-20routes-ample-${t}t" 'LeaseReleaseBenchmark\.leaseRelease$' "${OPTS[@]}" -t "$t" -p routes=20 -p capacity=AMPLE
    done
    step lease-release-1route-scarce-16t "$LR" "${OPTS[@]}" -t 16 -p routes=1 -p capacity=SCARCE
    step scarce-latency-16t 'ScarceLatencyBenchmark\.' "${LATENCY_OPTS[@]}"
    step handoff-anchor-16t 'HandOffAnchorBenchmark\.' "${LATENCY_OPTS[@]}"
    step gc-1t 'LeaseReleaseBenchmark\.' "${OPTS[@]}" -t 1 -p routes=1 -p capacity=AMPLE -prof gc
    step cross-thread 'CrossThreadReleaseBenchmark\.' "${OPTS[@]}"
    for t in 1 8 32; do
      step "end-to-end-1route-${t}t" 'EndToEndBenchmark\.' "${E2E_OPTS[@]}" -t "$t" -p routes=1
    done
    for t in 1 8 32; do
      step "end-to-end-hc5-classic-${t}t" 'HttpClient5ClassicBenchmark\.' "${E2E_OPTS[@]}" -t "$t" -p routes=1,16
      step "end-to-end-hc5-async-${t}t" 'HttpClient5AsyncBenchmark\.' "${E2E_OPTS[@]}" -t "$t" -p routes=1,16
    done
    step route-scale 'RouteScaleBenchmark\.' "${OPTS[@]}" -p routes=1,100000
    step route-scale-eviction 'RouteScaleEvictionBenchmark\.' "${OPTS[@]}"
    step state-scale 'StateScaleBenchmark\.' "${OPTS[@]}" -p others=0,1000
    step anchors 'AnchorBenchmark\.' "${OPTS[@]}"
    ;;
  full)
    for t in 1 2 4 8 16; do
      step "lease-release-${t}t" 'LeaseReleaseBenchmark\.' "${OPTS[@]}" -t "$t"
    done
    step gc-1t 'LeaseReleaseBenchmark\.' "${OPTS[@]}" -t 1 -prof gc
    step scarce-latency-16t 'ScarceLatencyBenchmark\.' "${LATENCY_OPTS[@]}"
    step handoff-anchor-16t 'HandOffAnchorBenchmark\.' "${LATENCY_OPTS[@]}"
    step cross-thread 'CrossThreadReleaseBenchmark\.' "${OPTS[@]}"
    step route-scale 'RouteScaleBenchmark\.' "${OPTS[@]}"
    step route-scale-eviction 'RouteScaleEvictionBenchmark\.' "${OPTS[@]}"
    step state-scale 'StateScaleBenchmark\.' "${OPTS[@]}"
    step anchors 'AnchorBenchmark\.' "${OPTS[@]}"
    for t in 1 8 32; do
      step "end-to-end-${t}t" 'EndToEndBenchmark\.' "${E2E_OPTS[@]}" -t "$t"
    done
    for t in 1 8 32; do
      step "end-to-end-hc5-classic-${t}t" 'HttpClient5ClassicBenchmark\.' "${E2E_OPTS[@]}" -t "$t"
      step "end-to-end-hc5-async-${t}t" 'HttpClient5AsyncBenchmark\.' "${E2E_OPTS[@]}" -t "$t"
    done
    ;;
esac

echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) at end; wall time $((SECONDS - START)) s" >> "$OUT/machine.txt"
echo
echo "== report (${OUT#"$ROOT"/})"
"$JAVA" -cp "$JAR" io.routepool.benchmarks.report.Report "$OUT"
[[ "$MODE" == smoke ]] && echo && echo "$SMOKE_WARNING"
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "!! failed steps: ${FAILED[*]}" >&2
  exit 1
fi

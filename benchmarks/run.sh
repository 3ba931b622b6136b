#!/usr/bin/env bash
# Builds the benchmarks and runs them with JMH, side by side with the competing pools.
#
#   benchmarks/run.sh [quick|smoke|full]        (default: quick)
#
#   quick  LeaseReleaseBenchmark at -t 1 and -t 2, -f 1 -wi 3 -i 5 -w 1s -r 1s,
#          plus a -prof gc pass at 1 thread (B/op)                                  ~ 1 min
#   smoke  every benchmark at -t 1 and -t 2, -f 1 -wi 0 -i 1 -w 100ms -r 100ms (CI)  ~ 10 s
#   full   every benchmark at -t 1 and -t 2, -f 3 -wi 5 -i 5 -w 1s -r 1s,
#          plus a -prof gc pass at 1 thread
#
# Environment:
#   BENCH=regex     which benchmarks to run (default: LeaseReleaseBenchmark for quick, all otherwise)
#   SKIP_BUILD=1    reuse benchmarks/target/benchmarks.jar as it is
#   JAVA=path       the java to run the benchmarks with (default: java on the PATH)
#
# JMH JSON goes to benchmarks/results/<mode>-<threads>t-<UTC timestamp>.json (the gc pass is
# <mode>-gc-1t-<timestamp>.json). At the end, a table of routepool / HttpCore 4 ratios is printed
# (needs python3; without it, the JMH summaries are printed instead).
set -euo pipefail

MODE="${1:-quick}"
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
JAR="$BENCH_DIR/target/benchmarks.jar"
RESULTS="$BENCH_DIR/results"
JAVA="${JAVA:-java}"
THREADS=(1 2)
GC_PASS=1

case "$MODE" in
  quick) OPTS=(-f 1 -wi 3 -i 5 -w 1s -r 1s);         BENCH="${BENCH:-LeaseReleaseBenchmark}" ;;
  smoke) OPTS=(-f 1 -wi 0 -i 1 -w 100ms -r 100ms);   BENCH="${BENCH:-.*}"; GC_PASS=0 ;;
  full)  OPTS=(-f 3 -wi 5 -i 5 -w 1s -r 1s);         BENCH="${BENCH:-.*}" ;;
  -h|--help|help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [quick|smoke|full]" >&2; exit 2 ;;
esac

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo ">> building (mvn -B -q -DskipTests -pl benchmarks -am package)"
  (cd "$ROOT" && mvn -B -q -DskipTests -pl benchmarks -am package)
fi
[[ -f "$JAR" ]] || { echo "missing $JAR: build it first" >&2; exit 1; }

mkdir -p "$RESULTS"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
LOG="$(mktemp "${TMPDIR:-/tmp}/routepool-bench.XXXXXX")"
trap 'rm -f "$LOG"' EXIT
FILES=()

# run <file tag> <threads> [extra JMH args...]
run() {
  local tag="$1" threads="$2"; shift 2
  local out="$RESULTS/$tag-${threads}t-$STAMP.json"
  echo ">> $MODE: -t $threads $* -> ${out#"$ROOT"/}" | tee -a "$LOG"
  "$JAVA" -jar "$JAR" "$BENCH" "${OPTS[@]}" -t "$threads" -rf json -rff "$out" "$@" | tee -a "$LOG"
  FILES+=("$out")
}

for t in "${THREADS[@]}"; do
  run "$MODE" "$t"
done
if [[ "$GC_PASS" == 1 ]]; then
  run "$MODE-gc" 1 -prof gc
fi

echo
echo "== $MODE results, $(nproc 2>/dev/null || echo '?') CPUs, JSON in:"
printf '   %s\n' "${FILES[@]#"$ROOT"/}"
if command -v python3 >/dev/null 2>&1; then
  python3 - "${FILES[@]}" <<'PY'
import json, math, sys

BASE, OTHER = "ROUTEPOOL", "HTTPCORE4"
rows = {}    # (benchmark, other params, threads) -> {pool: (score, error, unit)}
alloc = {}   # (benchmark, other params, threads) -> {pool: B/op}
for path in sys.argv[1:]:
    with open(path) as f:
        results = json.load(f)
    for r in results:
        params = dict(r.get("params") or {})
        pool = params.pop("pool", None)
        if pool is None:
            continue
        key = (".".join(r["benchmark"].split(".")[-2:]),
               ", ".join(f"{k}={v}" for k, v in sorted(params.items())), r["threads"])
        m = r["primaryMetric"]
        secondary = {k.lstrip("\u00b7"): v for k, v in (r.get("secondaryMetrics") or {}).items()}
        norm = secondary.get("gc.alloc.rate.norm")
        if norm is not None:
            alloc.setdefault(key, {})[pool] = norm["score"]
        else:
            rows.setdefault(key, {})[pool] = (m["score"], m["scoreError"], m["scoreUnit"])

def fmt(v):
    if v is None:
        return "-"
    score, err, unit = v
    try:
        err = float(err)   # JMH writes "NaN" when there is a single iteration
    except (TypeError, ValueError):
        err = float("nan")
    return f"{score:.3f} ± {err:.3f} {unit}" if math.isfinite(err) else f"{score:.3f} {unit}"

table = [("benchmark", "params", "threads", "routepool", "httpcore4", "routepool/httpcore4")]
for key in sorted(rows):
    bench, params, threads = key
    b, o = rows[key].get(BASE), rows[key].get(OTHER)
    ratio = f"{b[0] / o[0]:.2f}" if b and o and o[0] else "-"
    table.append((bench, params, str(threads), fmt(b), fmt(o), ratio))
widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
for n, row in enumerate(table):
    print("  ".join(c.rjust(w) if i in (2, 5) else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    if n == 0:
        print("-" * (sum(widths) + 2 * (len(widths) - 1)))
if alloc:
    print()
    print("allocation (-prof gc, gc.alloc.rate.norm):")
    for key in sorted(alloc):
        bench, params, threads = key
        v = alloc[key]
        cells = "   ".join(f"{p.lower()} {v[p]:.1f} B/op" for p in (BASE, OTHER) if p in v)
        print(f"  {bench} [{params}] {threads}t: {cells}")
PY
else
  echo "(python3 not found: JMH summaries follow)"
  awk '/^>> /{print; next} /^Benchmark .* Mode /{p=1} p && NF==0{p=0} p' "$LOG"
fi

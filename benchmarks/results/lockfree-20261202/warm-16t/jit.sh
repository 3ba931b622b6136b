#!/usr/bin/env bash
# When the JIT compiles routepool's hot path at 16 threads on 2 vCPUs: 4 forks, 8 warm-up + 1 measured iteration,
# -XX:+PrintCompilation, filtered to the iterations and to the compilations (tier, "made not entrant") of the
# lease and release methods. Tier 4 is C2; tiers 2 and 3 are C1 code that updates profile counters shared by every
# thread. From the repository root after `mvn -q -pl benchmarks -am package -DskipTests`, nothing else running.
set -euo pipefail
D="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java -jar benchmarks/target/benchmarks.jar 'LeaseReleaseBenchmark.leaseRelease$' -p pool=ROUTEPOOL -p routes=20 \
   -p capacity=AMPLE -t 16 -f 4 -wi 8 -i 1 -w 1s -r 1s -jvmArgsAppend -XX:+PrintCompilation > /tmp/jit-16t-full.log 2>&1
python3 - /tmp/jit-16t-full.log > "$D/jit.log" <<'PY'
import re, sys
fork = 0
for l in open(sys.argv[1]):
    l = l.rstrip('\n')
    if l.startswith('# Fork'):
        fork += 1
        print('== fork', fork)
        continue
    m = re.search(r'Iteration +(\d+):', l)
    if m:
        print('   iteration', m.group(1), '(warm-up)' if 'Warmup' in l else '(measured)', 'starts')
    m = re.search(r'([\d.]+) ops/us', l)
    if m:
        print('   ... ended:', m.group(1), 'ops/us')
    if re.search(r'RoutePool::(lease|release|claimIdle|releaseParked) ', l):
        print('   ', ' '.join(l.split()[:9]))
PY

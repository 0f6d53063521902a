#!/usr/bin/env bash
# Fuzzing speed (a benchmark, not a test): runs per second of the standard fuzz profile
# (5 clients, 100 messages, 10 faults) on one core and with --jobs 2, and the speed-up of
# the simulator over a live run of the same scenario. Target: 1,000 runs/s with --jobs 2 on a
# 2-core machine (bench/run-all.sh puts it in its table).
#   bash bench/fuzz_bench.sh [path/to/resync] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
resync="${1:-build/release/app/resync}"
runs="${2:-4000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

measure() {  # label, then the command; prints wall seconds (and, on stderr, CPU seconds)
  local label="$1"; shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" > "$work/out" 2>&1 || true; } 2> "$work/time"
  local wall cpu
  wall=$(awk '{print $1}' "$work/time")
  cpu=$(awk '{print $2 + $3}' "$work/time")
  printf '%-48s wall %7.2f s   cpu %7.2f s\n' "$label" "$wall" "$cpu" >&2
  echo "$wall"
}

profile=(--clients-max 5 --messages-max 100 --faults-max 10 --seed 1 --runs "$runs" --no-progress --out "$work/found")
one=$(measure "fuzz --jobs 1 ($runs runs)" "$resync" fuzz "${profile[@]}" --jobs 1)
grep -E "runs in|FAILURE|no failure" "$work/out" >&2 || true
two=$(measure "fuzz --jobs 2 ($runs runs)" "$resync" fuzz "${profile[@]}" --jobs 2)
grep -E "runs in|FAILURE|no failure" "$work/out" >&2 || true
echo "runs/s, one core: $(echo "$runs / $one" | bc -l | xargs printf '%.0f')"
echo "runs/s, --jobs 2: $(echo "$runs / $two" | bc -l | xargs printf '%.0f')"

scenario=scenarios/reset-during-burst.json
sim=$(measure "run $scenario --mode sim" "$resync" run "$scenario" --mode sim --report "$work/sim")
live=$(measure "run $scenario (live)" "$resync" run "$scenario" --report "$work/live")
echo "sim over live for $scenario: $(echo "$live / $sim" | bc -l | xargs printf '%.0f')x faster"

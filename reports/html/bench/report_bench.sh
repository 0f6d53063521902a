#!/usr/bin/env bash
# Scale benchmark of the HTML report (a benchmark, not a test): generates a history of
# CLIENTS clients and MESSAGES messages (default 50 x 20,000, with link faults and the
# tutorial server's catch-up race), writes its report, and measures the report's size and
# how long headless Chromium takes to open it. Targets (issue 6): < 10 MB, < 3 s.
#
#   bash reports/html/bench/report_bench.sh [BUILD_DIR]     (default build/release)
# Environment: CLIENTS, MESSAGES, WORK (default a temporary directory), CHROMIUM.
set -euo pipefail
RESYNC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
build=${1:-$RESYNC_ROOT/build/release}
clients=${CLIENTS:-50}
messages=${MESSAGES:-20000}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"

cmake --build "$build" --target resync resync_big_history_generator
history="$work/big-$clients-$messages.history.jsonl"
report="$work/big-$clients-$messages.html"

echo "== generating $clients clients x $messages messages"
/usr/bin/time -f "generator: %e s, %M KB" "$build/reports/html/resync_big_history_generator" \
  --clients "$clients" --messages "$messages" --race --out "$history"
echo "history: $(wc -l < "$history") lines, $(du -h "$history" | cut -f1)"

echo "== resync report"
/usr/bin/time -f "resync report: %e s, %M KB" "$build/app/resync" report "$history" -o "$report"
size=$(stat -c %s "$report")
echo "report size: $size bytes ($(awk -v bytes="$size" 'BEGIN { printf "%.2f", bytes / 1048576 }') MiB; target < 10 MB)"

echo "== headless Chromium load time (target < 3000 ms)"
node "$RESYNC_ROOT/reports/html/bench/measure_load_time.mjs" "$report" 5

#!/usr/bin/env bash
# Every benchmark side by side in one run on this machine (not a test): the server against
# the tutorial's Node server, the proxy against direct loopback and socat, the simulator's
# fuzzing speed. Prints one table of ratios, writes bench/out/results.json and rewrites
# bench/RESULTS.md with the table, the machine, the date and the command.
#   bash bench/run-all.sh [--quick]      (--quick: small sizes, a smoke run of the scripts)
# Installs what is missing (as scripts/test.sh does: Debian packages, npm ci in tests/node with
# the sqlite3 addon built from source) and builds the release preset first.
set -euo pipefail
RESYNC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$RESYNC_ROOT"
quick=()
if [[ ${1:-} == --quick ]]; then quick=(--quick); fi

# shellcheck source=../scripts/lib/install-deps.sh
source scripts/lib/install-deps.sh
resync_install_deps
cmake --preset release >/dev/null
cmake --build --preset release
resync=build/release/app/resync
out=bench/out
mkdir -p "$out"
started=$(date +%s)
# 10,000 idle connections need that many descriptors in the server and in the load generator:
# the soft limit goes up to the hard one (raising the hard one needs a privilege containers
# often lack).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "=== server: resync serve vs the tutorial's Node server ===" >&2
node bench/server_peers.mjs --bin "$resync" --load-bin build/release/bench/resync_load_bench --json "$out/server.json" "${quick[@]}" >&2

echo "=== proxy: direct loopback, resync's proxy, socat ===" >&2
if [[ ${#quick[@]} -gt 0 ]]; then proxy_sizes=(--megabytes 128 --round-trips 2000 --idle-connections 500 --repetitions 1)
else proxy_sizes=(--megabytes 1024 --round-trips 20000 --idle-connections 2000 --repetitions 3); fi
build/release/bench/resync_proxy_bench "${proxy_sizes[@]}" | tee "$out/proxy.txt" >&2

echo "=== simulator: fuzzing speed, sim over live ===" >&2
if [[ ${#quick[@]} -gt 0 ]]; then fuzz_runs=200; else fuzz_runs=2000; fi
bash bench/fuzz_bench.sh "$resync" "$fuzz_runs" 2>&1 | tee "$out/fuzz.txt" >&2

table=$(node bench/results_table.mjs "$out/server.json" "$out/proxy.txt" "$out/fuzz.txt" "$out/results.json")
seconds=$(($(date +%s) - started))
echo "$table"
echo "bench/run-all.sh ${quick[*]}: ${seconds} s; rows as JSON in $out/results.json"

if [[ ${#quick[@]} -eq 0 ]]; then
  {
    echo "# Benchmark results"
    echo
    echo "The latest full \`bash bench/run-all.sh\` (${seconds} s). Absolute figures move between machines;"
    echo "the ratios are measured in the same run. Re-run the command to refresh this file."
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
    echo "- load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg)"
    echo "- settings: resync serve --durability full (WAL, synchronous=FULL, group commit: fsync on its own thread while the I/O thread reads on);"
    echo "  the tutorial server at SQLite's defaults (rollback journal, synchronous=FULL, one INSERT per transaction)"
    echo "- load: resync_load_bench (bench/load/), Resync's own WebSocket client transport over real"
    echo "  sockets, the same for both servers; its own ceiling against a peer that acks at once is a row"
    echo
    echo "$table"
  } > bench/RESULTS.md
  echo "bench/RESULTS.md rewritten" >&2
fi

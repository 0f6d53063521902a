#!/usr/bin/env bash
# Builds and runs the fault-injector benchmark (Release). Not a test: numbers depend on
# the machine and on whatever else it is running. Extra arguments go to the benchmark,
# e.g. bench/proxy_bench.sh --megabytes 512 --repetitions 5
set -euo pipefail
repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${RESYNC_BENCH_BUILD_DIR:-$repository/build/bench}"
command -v socat >/dev/null || echo "note: socat is not installed; the socat comparison is skipped" >&2
cmake -S "$repository" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target resync_proxy_bench -j"$(nproc)"
exec "$build/bench/resync_proxy_bench" "$@"

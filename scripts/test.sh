#!/usr/bin/env bash
# Set-up command 2: run every test. Installs what is missing, then for the release preset, the
# asan preset (ASan + UBSan) and the fuzz preset (clang's libFuzzer, ASan + UBSan: a short run
# of every input_fuzzing/ target): configure, build, `ctest --preset <name>`.
# Exits non-zero if anything fails; the last line sums up both ctest runs:
#   ctest: N passed, N failed, N skipped
# (ctest itself counts a skipped test among the passed ones; here it is counted apart). With
# CI=true a test that lacks a tool fails instead of skipping (tests/node/lib/required_tool.mjs).
set -euo pipefail
RESYNC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$RESYNC_ROOT"
# shellcheck source=lib/install-deps.sh
source scripts/lib/install-deps.sh

resync_install_deps

# Sanitizers: stop at the first error, with a stack trace; leaks fail the process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

total_passed=0
total_failed=0
total_skipped=0
failed_presets=()

# run_preset NAME: configure, build and test one preset; returns non-zero on any failure.
run_preset() {
  local preset=$1 log
  echo "=== $preset: configure and build ==="
  if ! cmake --preset "$preset" || ! cmake --build --preset "$preset"; then
    echo "=== $preset: BUILD FAILED ==="
    total_failed=$((total_failed + 1))  # the build counts as one failure
    return 1
  fi
  echo "=== $preset: ctest --preset $preset ==="
  log=$(mktemp)
  local status=0
  ctest --preset "$preset" 2>&1 | tee "$log" || status=$?
  # "NN% tests passed, F tests failed out of T"
  local summary
  summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  # "The following tests did not run:" lists each skip as "  12 - name (Skipped)"; ctest's
  # percentage counts them as passed.
  local skipped
  skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$log" || true)
  rm -f "$log"
  if [[ -n $summary ]]; then
    local failed total
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
    total_passed=$((total_passed + total - failed - skipped))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
  elif [[ $status -eq 0 ]]; then
    echo "=== $preset: ctest printed no summary ==="
    status=1
  fi
  return "$status"
}

run_preset release || failed_presets+=(release)
run_preset asan || failed_presets+=(asan)
run_preset fuzz || failed_presets+=(fuzz)

if [[ ${#failed_presets[@]} -gt 0 ]]; then
  echo "FAILED presets: ${failed_presets[*]}"
  echo "ctest: $total_passed passed, $total_failed failed, $total_skipped skipped"
  exit 1
fi
echo "ctest: $total_passed passed, $total_failed failed, $total_skipped skipped"

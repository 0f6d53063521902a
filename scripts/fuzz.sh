#!/usr/bin/env bash
# Runs the libFuzzer targets of input_fuzzing/ (clang, ASan + UBSan): one target or all.
#   scripts/fuzz.sh [TARGET] [--seconds N] [--build-dir DIR] [--no-build]
# Builds the `fuzz` preset first (build/fuzz) unless --no-build. Each target starts from its
# committed seed corpus and its regression inputs; what it learns is kept in
# DIR/fuzz-work/<target>/corpus across runs, a finding in DIR/fuzz-work/<target>/findings/.
# Prints one line per target: runs, exec/s, coverage, and either "no finding" or the finding
# with the commands that replay it. Exits 1 if any target found something, 2 on bad usage.
set -euo pipefail
RESYNC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$RESYNC_ROOT"

seconds=60
build_dir=$RESYNC_ROOT/build/fuzz
build=1
targets=()
usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --build-dir) build_dir=${2:?--build-dir needs a folder}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --seconds '$seconds' is not a whole number of seconds >= 1" >&2
  exit 2
fi

corpus_root=$RESYNC_ROOT/input_fuzzing/corpus
regressions_root=$RESYNC_ROOT/input_fuzzing/regressions
if [[ ${#targets[@]} -eq 0 ]]; then
  for dir in "$corpus_root"/*/; do targets+=("$(basename "$dir")"); done
fi
for target in "${targets[@]}"; do
  if [[ ! -d $corpus_root/$target ]]; then
    echo "fuzz.sh: no fuzz target '$target'; the targets are: $(ls "$corpus_root" | tr '\n' ' ')" >&2
    exit 2
  fi
done

if [[ $build -eq 1 ]]; then
  if ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz.sh: clang++ is missing; install Debian's clang and libclang-rt-dev (scripts/lib/install-deps.sh does)" >&2
    exit 2
  fi
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz
fi

findings=0
for target in "${targets[@]}"; do
  fuzzer=$build_dir/input_fuzzing/fuzz_$target
  if [[ ! -x $fuzzer ]]; then
    echo "fuzz.sh: $fuzzer is not built; run without --no-build (or cmake --build --preset fuzz)" >&2
    exit 2
  fi
  work=$build_dir/fuzz-work/$target
  mkdir -p "$work/corpus" "$work/findings"
  log=$work/last-run.log
  inputs=("$work/corpus" "$corpus_root/$target")
  [[ -d $regressions_root/$target ]] && inputs+=("$regressions_root/$target")
  status=0
  # -timeout: an input that runs this long is a hang (a finding); -rss_limit_mb: so is one
  # that needs this much memory. New inputs go to the first folder only, never to the
  # committed corpus.
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/findings/" "${inputs[@]}" >"$log" 2>&1 || status=$?
  runs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}' || true)
  rate=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}' || true)
  coverage=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}' || true)
  finding=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | sed 's/Test unit written to //' || true)
  if [[ $status -eq 0 && -z $finding ]]; then
    echo "fuzz $target: ${seconds} s, ${runs:-?} runs, ${rate:-?} exec/s, coverage ${coverage:-?} edges, no finding"
  else
    findings=$((findings + 1))
    echo "fuzz $target: FINDING after ${runs:-?} runs (libFuzzer exit $status): ${finding:-see $log}"
    grep -E '^(==[0-9]+==ERROR|SUMMARY:|.*runtime error:|.*invariant)' "$log" | head -n 5 | sed 's/^/  /' || true
    echo "  log: $log"
    if [[ -n $finding ]]; then
      echo "  replay under libFuzzer: $fuzzer $finding"
      echo "  replay without it:      build/release/input_fuzzing/resync_fuzz_replay $target $finding"
      echo "  once fixed, keep it:    cp $finding input_fuzzing/regressions/$target/"
    fi
  fi
done
exit $((findings > 0 ? 1 : 0))

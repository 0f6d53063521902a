#!/usr/bin/env bash
# Determinism across processes: runs the whole scenario suite in the simulator in two separate
# processes (one scenario at a time in the first, two at a time in the second, so neither the
# process nor the thread a scenario runs on can matter) and compares each scenario's history
# byte for byte. Whether the scenarios meet their expectations is scenario_suite_sim's test.
# Usage: check_sim_determinism.sh RESYNC_BINARY SCENARIOS_DIR WORK_DIR
set -euo pipefail
resync=$1 scenarios=$2 work=$3
rm -rf "$work"
mkdir -p "$work"

"$resync" run "$scenarios" --mode sim --jobs 1 --report "$work/first" >"$work/first.log" 2>&1 &
first_pid=$!
"$resync" run "$scenarios" --mode sim --jobs 2 --report "$work/second" >"$work/second.log" 2>&1 &
second_pid=$!
first_status=0 second_status=0
wait "$first_pid" || first_status=$?
wait "$second_pid" || second_status=$?
# 0: every scenario met its expectation, 1: one did not; anything else means a run broke.
for run in first second; do
  status_var="${run}_status"
  if [[ ${!status_var} -gt 1 ]]; then
    echo "the $run run exited ${!status_var} (usage error, unknown verdict or crash); its output:"
    cat "$work/$run.log"
    exit 1
  fi
done

differing=()
compared=0
for first_history in "$work"/first/runs/*/history.jsonl; do
  [[ -e $first_history ]] || continue
  run_directory=$(basename "$(dirname "$first_history")")
  scenario=${run_directory#*-}
  second_history="$work/second/runs/$run_directory/history.jsonl"
  compared=$((compared + 1))
  if [[ ! -f $second_history ]]; then
    echo "scenario $scenario: the second process wrote no history ($second_history)"
    differing+=("$scenario")
  elif ! cmp -s "$first_history" "$second_history"; then
    echo "scenario $scenario: NOT DETERMINISTIC: the two processes wrote different histories:"
    cmp "$first_history" "$second_history" || true
    diff "$first_history" "$second_history" | head -n 6 || true
    differing+=("$scenario")
  fi
done
second_count=$(find "$work/second/runs" -name history.jsonl | wc -l)
if [[ $compared -eq 0 || $compared -ne $second_count ]]; then
  echo "the first process wrote $compared histories, the second $second_count; see $work/*.log"
  exit 1
fi
if [[ ${#differing[@]} -gt 0 ]]; then
  echo "${#differing[@]} of $compared scenarios are not deterministic across processes: ${differing[*]}"
  echo "histories in $work/first/runs and $work/second/runs"
  exit 1
fi
echo "$compared scenarios: identical histories from two processes (--jobs 1 and --jobs 2)"

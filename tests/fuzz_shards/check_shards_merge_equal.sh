#!/usr/bin/env bash
# Four shards of a campaign, run as four processes and merged with `resync fuzz merge`, write
# the same reproducer and history, byte for byte, as one process running all the runs; and
# bad --shard values and incomplete merges are refused with exit 2.
# Usage: check_shards_merge_equal.sh RESYNC_BINARY WORK_DIRECTORY
set -u
resync=$1
work=$2
# The tutorial server's catch-up race: seed 1 finds it at run 376 (shard 1 of 4) in ~400 runs.
campaign=(fuzz --delivery tutorial --seed 1 --runs 400 --no-progress)
rm -rf "$work" && mkdir -p "$work/single" "$work/merged" "$work/shards"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The reproducer names its path: run both from the same relative --out.
(cd "$work/single" && "$resync" "${campaign[@]}" --jobs 2 --out found > ../single.log)
[ $? -eq 1 ] || fail "the single-process campaign should find the failure (exit 1); see $work/single.log"

pids=()
for k in 1 2 3 4; do
  "$resync" "${campaign[@]}" --shard "$k/4" --out "$work/shards" > "$work/shard-$k.log" 2>&1 &
  pids+=($!)
done
for k in 1 2 3 4; do
  wait "${pids[$((k - 1))]}" || fail "shard $k/4 exited $? (a shard exits 0 once its result is written); see $work/shard-$k.log"
done
(cd "$work/merged" && "$resync" fuzz merge ../shards/shard-{1,2,3,4}-of-4.json --out found > ../merged.log)
[ $? -eq 1 ] || fail "the merge should report the failure (exit 1); see $work/merged.log"
[ -n "$(ls "$work/single/found")" ] || fail "the single-process campaign wrote no reproducer"
diff -r "$work/single/found" "$work/merged/found" || fail "the merged reproducer differs from the single-process one"
grep -q "runs (.* campaign + .* shrink)" "$work/single.log" || fail "the summary does not count shrink runs"

expect_usage_error() {  # expect_usage_error WHAT TEXT_IN_STDERR COMMAND...
  local what=$1 text=$2
  shift 2
  "$@" > "$work/error.out" 2> "$work/error.err"
  local code=$?
  [ $code -eq 2 ] || fail "$what: exit $code, expected 2"
  grep -q -- "$text" "$work/error.err" || fail "$what: stderr lacks '$text': $(cat "$work/error.err")"
}
expect_usage_error "shard 0/4" "K must be between 1 and N" "$resync" "${campaign[@]}" --shard 0/4 --out "$work/bad"
expect_usage_error "shard 5/4" "K must be between 1 and N" "$resync" "${campaign[@]}" --shard 5/4 --out "$work/bad"
expect_usage_error "shard 1-4" "has no '/'" "$resync" "${campaign[@]}" --shard 1-4 --out "$work/bad"
expect_usage_error "shard with --report" "drop it from --shard runs" "$resync" "${campaign[@]}" --shard 1/4 --report "$work/bad-report" --out "$work/bad"
expect_usage_error "shard without --runs" "add --runs R" "$resync" fuzz --shard 1/4 --time-budget 1s --out "$work/bad"
expect_usage_error "a missing shard" "missing: 4/4" \
  "$resync" fuzz merge "$work"/shards/shard-{1,2,3}-of-4.json --out "$work/bad"
expect_usage_error "a shard twice" "given twice" \
  "$resync" fuzz merge "$work"/shards/shard-{1,2,3,3}-of-4.json --out "$work/bad"
echo "four merged shards wrote the single-process reproducer: $(ls "$work/merged/found" | tr '\n' ' ')"

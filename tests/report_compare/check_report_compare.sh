#!/usr/bin/env bash
# `resync report --compare` on two real runs of one suite against two servers: the embedded
# server as shipped (A) and the same server with a planted bug that drops every 10th plain
# message (B). The comparison must name the scenarios whose verdict changed, with B's root
# anomaly, keep the unchanged ones apart, and exit 2 for a directory that is not a run.
# Usage: check_report_compare.sh RESYNC SCENARIOS_DIR WORK_DIR
set -euo pipefail
resync=$1 scenarios=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

suite=("$scenarios/clean-close-during-burst.json" "$scenarios/many-clients-chatting.json" "$scenarios/disconnect-during-catch-up.json")
for file in "${suite[@]}"; do [[ -f $file ]] || fail "missing scenario $file"; done
"$resync" run "${suite[@]}" --mode sim --jobs 2 --report "$work/a" > "$work/a.log" 2>&1 || fail "run A failed: $(tail -3 "$work/a.log")"
status=0
"$resync" run "${suite[@]}" --mode sim --jobs 2 --planted-bug drop-every-10th-plain --report "$work/b" > "$work/b.log" 2>&1 || status=$?
[[ $status -eq 1 ]] || fail "run B (planted bug) should fail its scenarios (exit 1), got $status: $(tail -3 "$work/b.log")"

"$resync" report --compare "$work/a" "$work/b" -o "$work/compare.html" > "$work/compare.log" 2>&1 ||
  fail "report --compare failed: $(cat "$work/compare.log")"
cat "$work/compare.log"
grep -Eq 'wrote .*compare.html \(3 scenarios: [1-3] changed, 0 only in A, 0 only in B, [0-2] unchanged\)' "$work/compare.log" ||
  fail "unexpected summary: $(cat "$work/compare.log")"
changed=$(grep -c '<tr data-change="changed">' "$work/compare.html" || true)
[[ $changed -ge 1 ]] || fail "no changed row in the page"
grep -q '<th scope="row">many-clients-chatting</th>' "$work/compare.html" || fail "many-clients-chatting is not listed"
# B's side of a changed row carries its root anomaly; A's passed.
grep -q 'root: ' "$work/compare.html" || fail "no root anomaly shown"
grep -q '<span class="status">passed</span>' "$work/compare.html" || fail "A's passing side not shown"
grep -q '<span class="status">failed</span>' "$work/compare.html" || fail "B's failing side not shown"

status=0
"$resync" report --compare "$work/a" "$work/nowhere" -o "$work/bad.html" > "$work/bad.log" 2>&1 || status=$?
[[ $status -eq 2 ]] || fail "a missing directory should exit 2, got $status"
grep -q 'is not a directory' "$work/bad.log" || fail "no clear error: $(cat "$work/bad.log")"
[[ ! -e $work/bad.html ]] || fail "a page was written for a bad comparison"
echo "report --compare: $changed changed scenario(s) found between the shipped server and the planted bug"

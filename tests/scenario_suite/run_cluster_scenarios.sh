#!/usr/bin/env bash
# The cluster scenarios live (scenarios/cluster/): three `resync serve --redis` nodes on the
# harness's redis-server, each client's sessions routed to a node. Every scenario must meet
# its expect (the strict one valid, its tutorial twin invalid), the histories must show
# sessions on all three nodes (the routing happened) and the committed log read from the
# stream, and no redis-server or node of the run may outlive it.
# Without redis-server: skipped (77), failed under CI=true.
set -euo pipefail
# Usage: run_cluster_scenarios.sh RESYNC REPORT_DIR SCENARIO...
resync=$1
report=$2
shift 2
scenarios=("$@")

if ! command -v redis-server >/dev/null; then
  echo "run_cluster_scenarios: redis-server is not installed; install redis-server (scripts/lib/install-deps.sh)" >&2
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 77
fi

# Only a report directory of an earlier run is removed (never a folder given by mistake).
if [[ -e $report && -n $(ls -A "$report") && ! -d $report/runs ]]; then
  echo "run_cluster_scenarios: $report is not a report directory of an earlier run; not removing it" >&2
  exit 1
fi
rm -rf "$report"
"$resync" run "${scenarios[@]}" --mode live --report "$report"

fail() { echo "run_cluster_scenarios: $*" >&2; exit 1; }
for history in "$report"/runs/*/history.jsonl; do
  nodes=$(grep '"type":"connecting"' "$history" | grep -o '"node":[0-9]*' | sort -u | wc -l)
  [[ "$nodes" -eq 3 ]] || fail "$history: sessions on $nodes node(s), expected all 3"
  grep -q '"type":"committed_log"' "$history" || fail "$history: no committed_log line (the stream was not read)"
  stops=$(grep -c '"type":"server_stopped"' "$history")
  [[ "$stops" -ge 3 ]] || fail "$history: $stops server_stopped line(s), expected one per node"
done
# Every process of the run had the run's directory in its arguments (--dir of Redis, the
# nodes' --redis is a port, so look for the report directory in Redis's --dir).
if pgrep -f -- "--dir $report" >/dev/null; then fail "a redis-server of the run is still running"; fi
echo "run_cluster_scenarios: ok"

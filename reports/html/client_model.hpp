#pragma once
// Per client, for the report: what it rendered against the committed log (around the first
// divergence), its anomalies by kind, connections, catch-ups, resync times and latency.
// Lists are capped; every capped list carries its total so the page can say "N more".
// Schema of one client:
//   name, rendered, ignored, reloads, connects, reconnects, connect_errors,
//   counts: [per anomaly kind], latency: {count, p50, p90, p99, max, histogram: [[lower, upper, count]]},
//   catch_ups: [[start, end or null, missing, serverOffset, recovered]],
//   resyncs: [[recovery index, missing, after_ms or null]], in_sync_at_recoveries,
//   comparison: {first_divergence (position or null), divergence (text), start, rendered_total,
//                log_total, rows: [[rendered id, rendered content, log id, log content]] (null = none)},
//   lists: {kind: {total, items: [[id or null, detail]]}}
#include <cstddef>

#include <nlohmann/json.hpp>

#include "reports/html/scenario_analysis.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

struct ClientListLimits {
  std::size_t whole_comparison_max = 200;    // rendered list and log both this short: shown whole
  std::size_t comparison_rows_max = 150;     // otherwise this many rows...
  std::size_t comparison_rows_before = 20;   // ...starting this far before the first divergence
  std::size_t anomaly_items_per_kind_max = 100;
  std::size_t content_bytes_max = 200;
};

nlohmann::json build_client_models(const history::History& history, const checker::CheckResult& result,
                                   const ScenarioAnalysis& analysis, const ClientListLimits& limits = {});

nlohmann::json latency_model(const LatencySummary& latency);

}  // namespace resync::reports

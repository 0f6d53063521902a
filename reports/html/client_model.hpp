#pragma once
// Per client, for the report: what it rendered against the committed log (an aligned diff),
// its anomalies by kind, connections, catch-ups, resync times and latency.
// Lists are capped; every capped list carries its total so the page can say "N more".
// Schema of one client:
//   name, rendered, ignored, reloads, connects, reconnects, connect_errors,
//   counts: [per anomaly kind], latency: {count, p50, p90, p99, max, histogram: [[lower, upper, count]]},
//   catch_ups: [[start, end or null, missing, serverOffset, recovered]],
//   resyncs: [[recovery index, missing, after_ms or null]], in_sync_at_recoveries,
//   diff: {rendered_total, log_total, runs_total, first_shown, first_difference (run index or null),
//          rows_per_kind: {kind: rows}, runs: [[kind, length, rendered_first, log_first, first_id,
//          last_id, other, rendered_content, log_content]]} (rendering_diff.hpp; null = none),
//   lists: {kind: {total, items: [[id or null, detail]]}}
#include <cstddef>

#include <nlohmann/json.hpp>

#include "reports/html/rendering_diff.hpp"
#include "reports/html/scenario_analysis.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

struct ClientListLimits {
  RenderingDiffLimits diff;  // the rendered list against the log: runs shown around the first difference
  std::size_t anomaly_items_per_kind_max = 100;
};

nlohmann::json build_client_models(const history::History& history, const checker::CheckResult& result,
                                   const ScenarioAnalysis& analysis, const ClientListLimits& limits = {});

nlohmann::json latency_model(const LatencySummary& latency);

}  // namespace resync::reports

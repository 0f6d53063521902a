#pragma once
// The data behind a scenario's timeline, drawn by report_script.js: one lane for the server,
// one for the proxy (faults), one per client, in milliseconds since the run started.
//
// Everything a lane can hold is bounded, so a 50-client, 20,000-message run stays small:
// sends, deliveries and anomalies are listed one by one (with hover text) while the whole
// scenario has few of them, and otherwise counted in `bins` equal time bins per lane and
// drawn as density. Schema (arrays rather than objects keep the page small):
//   end_ms, bin_ms, bins, fault_rows,
//   phases:     [[t, name]]
//   recoveries: [[t, what]]
//   server:     {up: [[start, end, incarnation]], marks: [[t, kind, text]]}; kinds include
//               server_log_info|warning|error (the server's log lines, at most marks_per_lane_max)
//   faults:     [[start, end, name, toxic, detail, row, healed, [fired t...], target lane or -1]]
//   lanes:      [{segments: [[start, end, "connecting"|"connected"|"disconnected"]],
//                 marks: [[t, kind, text]], marks_not_shown,
//                 catch_ups: [[start, end or null, missing]],
//                 sends|deliveries|anomalies: {exact: [[t, text]]} or {bins: [count...]},
//                 nodes (clusters only): [[start, end, node]]: the node of each session}]
//   nodes (clusters only): how many nodes the sessions reached (the legend's entries)
//   anomaly exact items are [t, kind index, text].
#include <cstddef>

#include <nlohmann/json.hpp>

#include "reports/html/scenario_analysis.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

struct TimelineLimits {
  std::size_t bins = 1000;                   // per lane and series, when binned
  std::size_t exact_sends_max = 3000;        // in the whole scenario; beyond, density
  std::size_t exact_deliveries_max = 3000;
  std::size_t exact_anomalies_max = 2000;
  std::size_t marks_per_lane_max = 400;      // connects, errors, reloads...; beyond, counted
  std::size_t text_bytes_max = 160;          // hover text of one item
};

nlohmann::json build_timeline_model(const history::History& history, const checker::CheckResult& result,
                                    const ScenarioAnalysis& analysis, const TimelineLimits& limits = {});

}  // namespace resync::reports

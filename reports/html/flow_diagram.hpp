#pragma once
// The data behind a scenario's message-flow (space-time) diagram, drawn by flow_diagram.js:
// one lane per client, the proxy and the server; every send (client -> server), every store
// (the message's commit at the server) and every delivery (server -> client, live or as part
// of a catch-up), the server's log lines and the faults' trigger firings. A pure function of
// the history and its check result.
//
// Compact on purpose (a 10,000-message scenario is tens of thousands of events): flat arrays
// of numbers, several numbers per event, in time order, so the page can binary-search the
// part in view. Schema:
//   end_ms, clients: [name], ids: [committed id by message index],
//   stores:     [t by message index]                  (when the message came to exist)
//   sends:      [t, client, message index or -1, ...]  (-1: never stored)
//   deliveries: [t, client, message index or -1, catch_up 0|1, ...]  (-1: an id not in the log)
//   exact: false when the events exceed flow_exact_events_max (then only `bins` is filled)
//   bins: {count, bin_ms, sends: [[count...] per client], live: [...], catch_up: [...]}
//   server_log: [[t, level 0 info|1 warning|2 error, text, incarnation]], server_log_not_shown
//   firings:    [[t, fault name, detail]], firings_not_shown
// A delivery is a catch-up when the message existed before the client's current connection
// was made: the server sent it because of the connect, not as a broadcast.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "reports/html/scenario_analysis.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

struct FlowDiagramLimits {
  std::size_t bins = 500;                     // per lane pair, when zoomed out
  std::size_t exact_events_max = 400000;      // sends + deliveries; beyond, bins only
  std::size_t server_log_lines_max = 2000;    // beyond, counted
  std::size_t firings_max = 2000;             // trigger firings; beyond, counted
  std::size_t text_bytes_max = 300;           // one log line's or firing's text
};

// The flow diagram's number of fields per event in `sends` and `deliveries`.
inline constexpr std::size_t flow_send_fields = 3;
inline constexpr std::size_t flow_delivery_fields = 4;

nlohmann::json build_flow_diagram(const history::History& history, const checker::CheckResult& result,
                                  const ScenarioAnalysis& analysis, const FlowDiagramLimits& limits = {});

}  // namespace resync::reports

#pragma once
// The numbers the report shows beyond the checker's verdict, computed once per scenario from
// the history and its check result: catch-up windows, recoveries (heals and server restarts)
// and each client's time to resync after them, reconnect counts and delivery latency.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/html/message_timing.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

// From a `connected` line until the client had rendered every message that existed then.
struct CatchUpWindow {
  std::int64_t start_t_ms = 0;
  std::optional<std::int64_t> end_t_ms;  // nullopt: the client never caught up
  std::size_t missing = 0;               // messages it lacked when it connected (> 0)
  std::string server_offset;             // the auth.serverOffset it sent, as JSON
  bool recovered = false;                // connection state recovery succeeded
};

// A moment the harness gave the system the chance to recover: a fault healed or the server back.
struct Recovery {
  std::int64_t t_ms = 0;
  std::string what;                  // "heal bob-link", "server restarted (incarnation 2)"
  std::int64_t trouble_start_t_ms = 0;  // when the fault started / the server stopped
  std::string target_client;         // the client a fault targeted; "" for all
};

// At a heal every client lacks the messages still in flight to it; that is not being behind.
// A client counts as behind when it lost its connection (or reloaded) during the trouble, was
// the fault's target, or lacks a message that existed this long before the heal.
inline constexpr std::int64_t behind_when_missing_for_ms = 1000;

struct ClientResync {
  std::size_t recovery_index = 0;
  std::size_t missing = 0;               // messages the client lacked at the recovery (> 0)
  std::optional<std::int64_t> after_ms;  // until it had them all; nullopt: never
};

struct ClientAnalysis {
  std::string client;
  std::vector<CatchUpWindow> catch_ups;  // only reconnects that had something to catch up
  std::size_t connects = 0;
  std::size_t reconnects = 0;            // connects after the first
  std::size_t connect_errors = 0;
  std::vector<ClientResync> resyncs;     // only recoveries the client was behind at
  std::size_t in_sync_at_recoveries = 0; // recoveries at which it was not behind
  LatencySummary latency;
};

struct ScenarioAnalysis {
  std::int64_t end_ms = 1;  // the timeline's length: the last line's t_ms, at least 1
  StoredTimes stored;
  std::vector<Recovery> recoveries;
  std::vector<ClientAnalysis> clients;  // in the check result's client order
};

ScenarioAnalysis analyze_scenario(const history::History& history, const checker::CheckResult& result);

// Where on the timeline an anomaly belongs: its own t_ms when the checker knows it; a lost
// message when it came to exist (from then on the client should have had it); otherwise
// the end of the run.
std::int64_t anomaly_timeline_t_ms(const checker::Anomaly& anomaly, const checker::CheckResult& result,
                                   const ScenarioAnalysis& analysis);

}  // namespace resync::reports

#pragma once
// Runs one scenario for real: the server under test as a child process (embedded
// `resync serve`, or an external target), the real TCP fault proxy in-process in front of
// it, and the scenario's clients as ChatClient state machines over real WebSockets. The
// result is a history file (docs/HISTORY.md); checking it is someone else's job.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

struct LiveRunOptions {
  std::string resync_executable;  // started as `resync serve` for the embedded server
  std::string work_directory;     // created if missing: chat.db, server.stderr, history.jsonl
  std::uint64_t seed = 1;
  std::optional<std::string> target_url;      // overrides the scenario's server: an external Socket.IO server
  std::optional<std::string> target_command;  // the external server's start command (PORT in its environment)
  // The external server's SQLite file (overrides server.external.database); relative to the
  // target's RESYNC_RUN_DIR when the harness starts the target.
  std::optional<std::string> target_database;
  nlohmann::json replay = nlohmann::json::object();  // {"live": command, "sim": command}
  // A run still going then is abandoned: clients closed, the server killed (SIGKILL: no
  // grace period to wait out), and the history ends with run_finished "abandoned". For a
  // caller with a deadline of its own (`resync fuzz --time-budget`); such a run is not judged.
  std::optional<std::chrono::steady_clock::time_point> abandon_at;
};

struct LiveRunResult {
  std::string history_path;
  bool abandoned = false;  // stopped at LiveRunOptions::abandon_at
};

// Returns the path of the history written.
std::string run_scenario_live(const Scenario& scenario, const LiveRunOptions& options);
// The same, saying whether the run was abandoned at options.abandon_at.
LiveRunResult run_scenario_live_bounded(const Scenario& scenario, const LiveRunOptions& options);

}  // namespace resync::sim

#pragma once
// The deterministic simulator: runs a scenario with the real server core (SQLite in
// memory), the real ChatClient state machines and the fault injector's real toxics over a
// simulated network on a virtual clock, in one thread. Same binary + scenario + seed =>
// byte-identical history.
#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/history/history.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::sim {

struct SimulationOptions {
  std::uint64_t seed = 1;
  nlohmann::json replay = nlohmann::json::object();  // {"live": command, "sim": command}
  // Simulated one-way latency of each link (client <-> proxy, proxy <-> server).
  std::int64_t link_latency_us = 100;
  // How fast a server's writes leave its socket (10 MB/s): paces catch-up batches.
  std::int64_t link_bytes_per_ms = 10000;
  // Simulated fsync: the time a group commit takes.
  std::int64_t commit_latency_us = 1000;
  // When set, every WebSocket text frame that arrives is written here (virtual time,
  // connection, direction, payload): the wire view of a run, for debugging.
  std::ostream* trace = nullptr;
};

// Runs the scenario and returns its history as typed events, for the checker to read in
// memory: no text is written or parsed unless a caller asks for it.
history::History simulate_history(const Scenario& scenario, const SimulationOptions& options);
// The same run as the text of its history file (JSON lines, docs/HISTORY.md).
std::string simulate_scenario(const Scenario& scenario, const SimulationOptions& options);

}  // namespace resync::sim

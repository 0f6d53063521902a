#pragma once
// A suite of scenario files run as `resync run` runs them, live or in the simulator: load
// them all first, plant a --planted-bug, skip those for the other mode, probe each external
// target once, then run the scenarios on `jobs` threads, check each history and print a line
// per scenario. Writing the reports and choosing the exit code are the caller's (app/).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/checker/scenario_outcome.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::sim {

struct SuiteOptions {
  std::string mode = "live";
  std::optional<std::string> target_url;
  std::optional<std::string> target_command;
  std::optional<std::string> target_database;  // --target-db: the external server's SQLite file
  // --target-cluster: the --target-cmd is a cluster node (NODE_INDEX, REDIS_URL), so the
  // cluster scenarios run against it; without it they are not applicable to a target.
  bool target_cluster = false;
  std::optional<std::uint64_t> seed;
  int jobs = 1;
  bool check_determinism = false;
  bool trace = false;  // sim: print every frame on stderr
  std::string resync_executable;  // for the embedded server; defaults to this executable
  // For testing Resync itself: overrides every embedded scenario's server.planted_bug.
  std::optional<std::string> planted_bug;
  // Sim: write every history under work_root (for --report / --junit). Otherwise a simulated
  // history is checked in memory and written only when its scenario did not pass, so the
  // failure text can name a file to replay or report. Live histories are always written.
  bool write_every_history = true;
};

// Every scenario file under `paths`, loaded; nothing when one is missing or broken (the
// problems are printed on `err`): a broken file stops the run before anything starts.
std::optional<std::vector<Scenario>> load_suite(const std::vector<std::string>& paths, std::ostream& err);

// Applies --planted-bug to the embedded scenarios and refuses what cannot run: a planted bug
// with an external target, or a live-only one in the simulator. Returns the problem, or "".
std::string plant_bug(const SuiteOptions& options, std::vector<Scenario>& scenarios);

struct SuiteResult {
  std::vector<checker::ScenarioOutcome> outcomes;  // one per scenario run (the skipped have none)
  std::size_t skipped = 0;                         // written for the other mode (only_mode)
  bool nondeterministic = false;                   // --check-determinism found two histories differing
  bool a_target_is_unusable = false;               // started, but does not speak the protocol
};

// Runs the scenarios, each in its own directory under `work_root`, and prints what each came to.
SuiteResult run_suite(std::vector<Scenario> scenarios, const SuiteOptions& options,
                      const std::filesystem::path& work_root, std::ostream& out, std::ostream& err);

}  // namespace resync::sim

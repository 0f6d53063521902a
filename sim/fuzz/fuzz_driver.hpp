#pragma once
// What `resync fuzz` does between reading its flags and printing its summary: the campaign's
// options for the mode, the probe of an external target (so only what it can be judged on is
// generated), the runner (the simulator, or the live environment), the shrunk reproducer
// written as an ordinary scenario file with its history and replay commands, and the replay
// of that file as written. The command line, the summary and the campaign page are app/'s.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "sim/fuzz/fuzz_budget.hpp"
#include "sim/fuzz/fuzz_campaign.hpp"
#include "sim/fuzz/scenario_generator.hpp"
#include "sim/runner/target_findings.hpp"

namespace resync::sim {

struct FuzzDriverOptions {
  std::string mode = "sim";
  std::optional<std::uint64_t> runs;
  std::uint64_t seed = 1;
  int jobs = 1;
  std::string out_directory = "scenarios/found";
  std::optional<std::string> target_url;
  std::optional<std::string> target_command;
  std::optional<std::string> target_database;  // --target-db
  // The command generates storage faults (one per scenario at most) unless told otherwise;
  // the profile's own default stays 0 so generator tests keep their seeds' scenarios.
  FuzzProfile profile = [] {
    FuzzProfile with_storage_faults;
    with_storage_faults.storage_faults_max = 1;
    return with_storage_faults;
  }();
  // Tries per shrink candidate and for the final replay, live (sim runs are deterministic: 1).
  int shrink_tries = 3;
  std::string resync_executable;
};

// The campaign for the mode: live runs get short timelines, bounded convergence and coarse
// sizes. Without --runs and without a budget it stops after the default number of runs.
CampaignOptions fuzz_campaign_options(const FuzzDriverOptions& options, const FuzzBudget& budget, bool budget_given);

struct FuzzTarget {
  bool external = false;
  std::string delivery_label;  // the embedded server's --delivery, or "external"
  std::optional<TargetFindings> findings;
};

// An external target is probed first, as `resync run` does before its suite: the campaign
// then generates only what the target can be judged on (acked clients only when it acks,
// kills only when the harness starts it). Returns an exit code when it cannot go on.
std::optional<int> probe_for_campaign(const FuzzDriverOptions& options, const std::filesystem::path& work_root,
                                      CampaignOptions& campaign, FuzzTarget& target, std::ostream& out, std::ostream& err);

// The simulator, or the live environment with one work directory per run under `live_work_root`.
ScenarioRunner fuzz_scenario_runner(const FuzzDriverOptions& options, const std::filesystem::path& live_work_root);

// "3 clients, 12 steps"
std::string describe_size(const Scenario& scenario);

struct WrittenReproducer {
  std::string path;          // the scenario file in --out
  std::string history_path;  // beside it: the shrunk run's history, naming the file and its replays
  std::string replay_sim;    // "" for an external target (the simulator runs the embedded core)
  std::string replay_live;
  std::string verdict_text;
  bool written = false;  // false: the file could not be created at `path`
};

// The shrunk failure as an ordinary scenario file, named for the campaign seed and run, whose
// description says how it was found (`found_with`: the fuzz command line) and shrunk.
WrittenReproducer write_reproducer(const FuzzDriverOptions& options, const CampaignFailure& failure,
                                   const FuzzTarget& target, const std::string& found_with);

// Replays the file as written (loaded back as `resync run` would), within the budget.
// Returns why it could not be replayed, or "".
std::string replay_written_reproducer(const std::string& path, const CampaignFailure& failure,
                                      const CampaignOptions& campaign, const FuzzBudget& budget,
                                      const ScenarioRunner& runner, const std::function<void(int)>& on_try,
                                      ReplayResult& replay);

}  // namespace resync::sim

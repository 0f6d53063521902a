#pragma once
// A fuzzing campaign: generate scenarios from one seed, run each (simulated or live),
// check the property "every client ends with exactly the full ordered message set" (the
// checker's verdict is valid), and on the first failure shrink it to a minimal scenario.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "sim/fuzz/scenario_generator.hpp"

namespace resync::sim {

// Runs one scenario with a seed and returns its history (JSON lines).
using ScenarioRunner = std::function<std::string(const Scenario& scenario, std::uint64_t seed)>;

struct CampaignOptions {
  FuzzProfile profile;
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> runs;           // stop after this many runs
  std::optional<std::int64_t> time_budget_ms;  // or after this much wall time
  int jobs = 1;
  int shrink_runs_max = 3000;
  std::function<void(std::uint64_t runs, double runs_per_second, std::uint64_t failures)> on_progress;
};

struct CampaignFailure {
  std::uint64_t run_index = 0;
  std::uint64_t run_seed = 0;      // the seed the failing scenario runs with
  Scenario original;
  Scenario shrunk;
  std::string shrunk_history;      // the shrunk scenario's failing history
  std::string verdict_text;        // the checker's summary and anomalies for it
  int shrink_steps = 0;            // accepted shrinks
  int shrink_runs = 0;             // scenarios run while shrinking
};

struct CampaignResult {
  std::uint64_t runs = 0;
  double seconds = 0;
  std::optional<CampaignFailure> failure;
  std::string harness_error;  // a run that could not be checked at all (exit 2)
};

// The seed a campaign's run `index` uses for generation and for running.
std::uint64_t campaign_run_seed(std::uint64_t campaign_seed, std::uint64_t index);

CampaignResult run_campaign(const CampaignOptions& options, const ScenarioRunner& runner);

// The property, on a history: verdict valid. Returns the checker's text when it fails.
std::optional<std::string> property_violation(const std::string& history_text);

// A finding's history as the reproducer file would have recorded it: the run_started line
// (the first) names the reproducer (scenario, description, file) and carries its replay
// commands ({"live": ..., "sim": ...}); every other line stays byte for byte. Campaign runs
// have no file yet, so their histories record no replay command until this is applied.
std::string record_reproducer_in_history(const std::string& history_text, const Scenario& reproducer,
                                         const std::string& replay_sim, const std::string& replay_live);

}  // namespace resync::sim

#pragma once
// A fuzzing campaign: generate scenarios from one seed, run each (simulated or live),
// check the property "every client ends with exactly the full ordered message set" (the
// checker's verdict is valid), and on the first failure shrink it to a minimal scenario.
//
// Everything happens under one FuzzBudget: a run starts only if it can end before the
// deadline with time kept for what must follow (a found failure's replay), a live run still
// going at its abandon point stops unjudged, and whatever was cut short is said in
// `cut_short` instead of being hidden.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/fuzz/fuzz_budget.hpp"
#include "sim/fuzz/fuzz_shard_partition.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/fuzz/scenario_generator.hpp"

namespace resync::sim {

struct RunLimits {
  // A run still going then stops and is not judged (live: the environment tears down).
  std::optional<FuzzClock::time_point> abandon_at;
};

struct RunOutcome {
  // The run's events: a simulated run's straight from the simulator (judged in memory), a
  // live run's as read back from the file it wrote (or why that file could not be read).
  history::HistoryReadResult history;
  std::string text;        // the history file's text when the run wrote one (live); "" otherwise
  bool abandoned = false;  // stopped at RunLimits::abandon_at: no verdict

  // A run that wrote its history as text (live, or a test's hand-made lines).
  static RunOutcome from_text(std::string text, bool abandoned);
  // The text of the run's history file: the one written, else made from the events.
  std::string history_text() const;
};

// Runs one scenario with a seed.
using ScenarioRunner = std::function<RunOutcome(const Scenario& scenario, std::uint64_t seed, const RunLimits& limits)>;

// A runner that always finishes (the simulator: virtual time, no deadline to watch).
ScenarioRunner finishing_runner(std::function<std::string(const Scenario&, std::uint64_t)> run);
// The same for a runner that gives its events in memory: nothing is written or parsed.
ScenarioRunner finishing_history_runner(std::function<history::History(const Scenario&, std::uint64_t)> run);

// What kind of failure a history shows: the verdict and the anomaly kinds reported.
struct FailureClass {
  Verdict verdict = Verdict::invalid;
  std::set<std::string> kinds;
};

// The rule for "still the same failure" while shrinking and replaying: the same verdict and
// at least one anomaly kind in common with the failure first found (or neither reports any
// kind, e.g. unknown verdicts). Comparing with the first failure, not the latest shrink,
// keeps a chain of shrinks from drifting to an unrelated failure.
bool same_failure_class(const FailureClass& found, const FailureClass& candidate);
std::string describe_failure_class(const FailureClass& failure_class);  // "invalid (lost, reordered)"

struct Judgement {
  std::string text;  // the checker's summary and anomalies
  FailureClass failure_class;
};
// The property, on a history: verdict valid (nullopt), else what failed and how.
std::optional<Judgement> judge_history(const history::HistoryReadResult& history);
std::optional<Judgement> judge_history(const std::string& history_text);
// The same as text only.
std::optional<std::string> property_violation(const std::string& history_text);

enum class CampaignStage { generating, shrinking, replaying, done };

struct CampaignProgress {
  CampaignStage stage = CampaignStage::generating;
  std::uint64_t runs = 0;      // every run started and ended (generation, shrinking, replay)
  std::uint64_t failures = 0;  // generation runs that failed
  int shrink_step = 0;         // shrinking: shrinks taken so far + 1 (the one being looked for)
  int candidate = 0;           // shrinking: candidate at this step, from 1
  std::string candidates_at_step;  // shrinking: how many this step has ("14", "at least 5000")
  int try_index = 0;           // shrinking and replaying: try of the current run, from 1
  int tries_max = 1;
};

struct CampaignOptions {
  FuzzProfile profile;
  std::uint64_t seed = 1;
  std::optional<std::uint64_t> runs;           // stop generating after this many runs
  std::optional<std::int64_t> time_budget_ms;  // or after this much wall time (used when no budget is given)
  // The command's budget, started before the campaign (it already spent time probing).
  // Takes precedence over time_budget_ms.
  std::optional<FuzzBudget> budget;
  int jobs = 1;
  // Run only this share of the runs (`--shard K/N`); nullopt: all of them.
  std::optional<FuzzShard> shard;
  // RapidCheck's size for run i is (i * size_step) mod 101: 1 grows as rc::check does over
  // thousands of simulated runs; a live campaign has tens of runs and needs bigger
  // scenarios sooner.
  int size_step = 1;
  int shrink_runs_max = 3000;
  // Tries per shrink candidate: it counts as still failing when any try fails with the same
  // failure class (live timing varies); a candidate that never does is not taken. 1 in sim
  // mode, where a run is deterministic. Shrinking keeps this many runs of the reproducer's
  // length for its replay, which gets as many tries.
  int shrink_tries = 1;
  // Try each shrink step's candidates that remove timeline steps first (two halvings, then
  // single steps, then bigger removals), before RapidCheck's value shrinks; considers at
  // most 5000 candidates per step. Live, where every candidate costs seconds.
  bool shrink_removals_first = false;
  // The shortest a run can take (live_run_lower_bound_ms live; 0 for the simulator).
  std::function<std::int64_t(const Scenario&)> run_lower_bound_ms;
  // Called after every change (thread-safe: calls are serialized).
  std::function<void(const CampaignProgress&)> on_progress;
};

// One shrink taken: how much live (or simulated) time finding it cost.
struct ShrinkRecord {
  int candidate_runs = 0;     // runs spent at this step, tries included
  std::int64_t wall_ms = 0;   // wall time of those runs
  std::size_t steps_after = 0;
};

struct CampaignFailure {
  std::uint64_t run_index = 0;
  std::uint64_t run_seed = 0;      // the seed the failing scenario runs with
  Scenario original;
  Scenario shrunk;
  std::string shrunk_history;      // the shrunk scenario's failing history
  std::string verdict_text;        // the checker's summary and anomalies for it
  FailureClass failure_class;      // of the original failure: the one shrinking keeps
  int shrink_steps = 0;            // accepted shrinks
  int shrink_runs = 0;             // scenarios run while shrinking (tries included)
  int shrink_candidates = 0;       // distinct candidates tried
  int shrink_candidates_failed_differently = 0;  // not taken: their failing tries failed with another class
  std::vector<ShrinkRecord> shrinks;
  std::int64_t shrink_wall_ms = 0;
  std::int64_t reproducer_run_ms = 0;  // wall time of the shrunk scenario's failing run
  bool shrink_complete = false;    // no candidate of the final scenario fails: it is minimal (for this shrinker)
  std::string cut_short;           // why shrinking stopped early ("" when it completed)
};

struct CampaignResult {
  std::uint64_t runs = 0;             // generation runs judged
  std::uint64_t runs_abandoned = 0;   // generation runs stopped at the deadline, unjudged
  std::uint64_t failures = 0;         // generation runs judged failing (the finding is the earliest)
  std::int64_t longest_run_ms = 0;
  double seconds = 0;                 // the whole campaign, shrinking included
  double generation_seconds = 0;      // until the generation runs ended
  std::optional<CampaignFailure> failure;
  std::string generation_cut_short;   // why generation stopped before --runs ("" when it did not, or a failure stopped it)
  std::string harness_error;          // a run that could not be checked at all (exit 2)
};

// Which failing run a campaign reports and shrinks: the lowest run index. One process with
// any --jobs and the merge of any number of shards pick by this rule, so the finding (and
// its reproducer) does not depend on thread timing or on how the runs were split.
// `failing_run_indexes` must not be empty; returns the position of the chosen one.
std::size_t campaign_finding_position(const std::vector<std::uint64_t>& failing_run_indexes);

// The seed a campaign's run `index` uses for generation and for running.
std::uint64_t campaign_run_seed(std::uint64_t campaign_seed, std::uint64_t index);

CampaignResult run_campaign(const CampaignOptions& options, const ScenarioRunner& runner);

struct ReplayResult {
  int tries = 0;           // tries run to their end
  int tries_max = 0;
  int failed_on_try = 0;   // the try that failed with the same class (0: none did)
  int failed_differently = 0;
  bool abandoned = false;  // a try was stopped at the deadline
  bool not_started = false;  // no try could finish before the deadline
  std::string history;     // the failing try's history (else the last one)
};

// Replays the reproducer up to `tries` times, stopping at the first failure of the same
// class; each try only if it can end before the budget's deadline.
ReplayResult replay_reproducer(const Scenario& reproducer, std::uint64_t seed, const FailureClass& failure_class,
                               int tries, const FuzzBudget& budget,
                               const std::function<std::int64_t(const Scenario&)>& run_lower_bound_ms,
                               const ScenarioRunner& runner,
                               const std::function<void(int try_index)>& on_try = {});

// A finding's history as the reproducer file would have recorded it: the run_started line
// (the first) names the reproducer (scenario, description, file) and carries its replay
// commands ({"live": ..., "sim": ...}); every other line stays byte for byte. Campaign runs
// have no file yet, so their histories record no replay command until this is applied.
std::string record_reproducer_in_history(const std::string& history_text, const Scenario& reproducer,
                                         const std::string& replay_sim, const std::string& replay_live);

}  // namespace resync::sim

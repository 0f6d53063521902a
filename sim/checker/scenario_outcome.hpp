#pragma once
// What one scenario of a run came to, as the run's outputs (summary, JUnit, exit code) see
// it: a checked history, or the reason there is none.
#include <optional>
#include <string>
#include <vector>

#include "sim/checker/check_history.hpp"

namespace resync::checker {

struct ScenarioOutcome {
  std::string scenario_name;
  std::string scenario_file;  // "" when unknown
  std::string history_path;   // "" when no history was written
  // The runner sets wall-clock time; outcome_from_result uses the history's last t_ms,
  // which is virtual time in sim mode.
  double duration_seconds = 0;
  std::optional<CheckResult> result;  // nullopt: no readable history (see error)
  std::string error;                  // why there is no result, one or more lines
  // Set when the scenario was not run because the target lacks what it needs (the probe
  // before the run found out): never passed, never unknown; counted like a skip.
  std::optional<std::string> not_applicable;
};

// Name, file and duration (t_ms of the last line) taken from the checked history.
ScenarioOutcome outcome_from_result(CheckResult result, std::string history_path);
// A scenario not run: the target lacks what it needs (`reason`, e.g. "target does not acknowledge ...").
ScenarioOutcome outcome_not_applicable(std::string scenario_name, std::string scenario_file, std::string reason);
// A scenario whose history could not be read (or was never written).
ScenarioOutcome outcome_from_error(std::string scenario_name, std::string history_path, std::string error);

// No result counts as unknown: the harness could not decide.
CheckStatus outcome_status(const ScenarioOutcome& outcome);

// The exit code of a whole run (docs/HISTORY.md): 0 when every scenario passed, 1 when one
// failed, else 2 when one is unknown. Not-applicable scenarios are left out, like skipped ones. A definite failure outranks an unknown one (as
// Jepsen merges `false` over `:unknown`): it is a found bug, which is what CI must show.
int run_exit_code(const std::vector<ScenarioOutcome>& outcomes);

}  // namespace resync::checker

#include "sim/checker/scenario_outcome.hpp"

#include <algorithm>
#include <utility>

namespace resync::checker {

ScenarioOutcome outcome_from_result(CheckResult result, std::string history_path) {
  ScenarioOutcome outcome;
  outcome.scenario_name = result.run.scenario;
  outcome.scenario_file = result.run.file;
  outcome.history_path = std::move(history_path);
  outcome.duration_seconds = static_cast<double>(std::max<std::int64_t>(result.duration_ms, 0)) / 1000.0;
  outcome.result = std::move(result);
  return outcome;
}

ScenarioOutcome outcome_from_error(std::string scenario_name, std::string history_path, std::string error) {
  ScenarioOutcome outcome;
  outcome.scenario_name = std::move(scenario_name);
  outcome.history_path = std::move(history_path);
  outcome.error = std::move(error);
  return outcome;
}

ScenarioOutcome outcome_not_applicable(std::string scenario_name, std::string scenario_file, std::string reason) {
  ScenarioOutcome outcome;
  outcome.scenario_name = std::move(scenario_name);
  outcome.scenario_file = std::move(scenario_file);
  outcome.not_applicable = std::move(reason);
  return outcome;
}

CheckStatus outcome_status(const ScenarioOutcome& outcome) {
  return outcome.result ? outcome.result->status() : CheckStatus::unknown;
}

int run_exit_code(const std::vector<ScenarioOutcome>& outcomes) {
  bool any_unknown = false;
  for (const ScenarioOutcome& outcome : outcomes) {
    if (outcome.not_applicable) continue;
    const CheckStatus status = outcome_status(outcome);
    if (status == CheckStatus::failed) return 1;
    any_unknown = any_unknown || status == CheckStatus::unknown;
  }
  return any_unknown ? 2 : 0;
}

}  // namespace resync::checker

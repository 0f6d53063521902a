#include "sim/fuzz/fuzz_budget.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace resync::sim {

namespace {

// As ScenarioExecution schedules it: the heal phase starts this long after the last step.
constexpr std::int64_t heal_after_last_step_ms = 50;

}  // namespace

FuzzBudget::FuzzBudget(std::optional<std::int64_t> budget_ms, FuzzNow now)
    : now_(now ? std::move(now) : FuzzNow([] { return FuzzClock::now(); })), start_(now_()), budget_ms_(budget_ms) {}

FuzzBudget::FuzzBudget(FuzzClock::time_point start, std::optional<std::int64_t> budget_ms, FuzzNow now)
    : now_(now ? std::move(now) : FuzzNow([] { return FuzzClock::now(); })), start_(start), budget_ms_(budget_ms) {}

std::int64_t FuzzBudget::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now_() - start_).count();
}

std::optional<FuzzClock::time_point> FuzzBudget::deadline() const {
  if (!budget_ms_) return std::nullopt;
  return start_ + std::chrono::milliseconds(*budget_ms_);
}

std::optional<std::int64_t> FuzzBudget::remaining_ms() const {
  if (!budget_ms_) return std::nullopt;
  return std::max<std::int64_t>(0, *budget_ms_ - elapsed_ms());
}

bool FuzzBudget::ended() const { return budget_ms_ && elapsed_ms() >= *budget_ms_; }

bool FuzzBudget::fits(std::int64_t run_lower_bound_ms, std::int64_t reserve_ms) const {
  if (!budget_ms_) return true;
  return elapsed_ms() + run_lower_bound_ms + reserve_ms < *budget_ms_;
}

std::optional<FuzzClock::time_point> FuzzBudget::abandon_point(std::int64_t reserve_ms) const {
  const auto end = deadline();
  if (!end) return std::nullopt;
  return *end - std::chrono::milliseconds(reserve_ms);
}

std::int64_t live_run_lower_bound_ms(const Scenario& scenario) {
  std::int64_t last_ms = 0;
  for (const Step& step : scenario.timeline) {
    last_ms = std::max(last_ms, step.at_ms);
    if (const auto* send = std::get_if<SendStep>(&step.action)) {
      last_ms = std::max(last_ms, step.at_ms + std::max(0, send->count - 1) * send->interval_ms);
    } else if (const auto* kill = std::get_if<KillServerStep>(&step.action); kill && kill->restart) {
      last_ms = std::max(last_ms, step.at_ms + kill->restart_after_ms);
    }
  }
  return last_ms + heal_after_last_step_ms + scenario.quiet_ms;
}

std::string format_seconds(std::int64_t milliseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(milliseconds) / 1000.0);
  return text;
}

}  // namespace resync::sim

#pragma once
// One deadline for a whole `resync fuzz` command (probe, generation, runs, shrinking,
// writing and replaying the reproducer), and the rule for starting a run under it: a run
// starts only when even its shortest possible duration, plus the time kept for the work
// that must follow it, ends before the deadline. The clock is injected so the rule is
// unit-tested without waiting.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

using FuzzClock = std::chrono::steady_clock;
using FuzzNow = std::function<FuzzClock::time_point()>;

class FuzzBudget {
 public:
  // `budget_ms` nullopt: no deadline (a --runs campaign). `now` defaults to the steady clock.
  FuzzBudget(std::optional<std::int64_t> budget_ms, FuzzNow now = {});
  FuzzBudget(FuzzClock::time_point start, std::optional<std::int64_t> budget_ms, FuzzNow now = {});

  FuzzClock::time_point now() const { return now_(); }
  std::int64_t elapsed_ms() const;
  std::optional<std::int64_t> budget_ms() const { return budget_ms_; }
  std::optional<FuzzClock::time_point> deadline() const;
  // Milliseconds left (never negative); nullopt without a deadline.
  std::optional<std::int64_t> remaining_ms() const;
  bool ended() const;
  // True when a run of at least `run_lower_bound_ms`, followed by `reserve_ms` of work that
  // must still fit afterwards, can end before the deadline.
  bool fits(std::int64_t run_lower_bound_ms, std::int64_t reserve_ms = 0) const;
  // When a run started now must be abandoned to leave `reserve_ms` before the deadline.
  std::optional<FuzzClock::time_point> abandon_point(std::int64_t reserve_ms = 0) const;

 private:
  FuzzNow now_;
  FuzzClock::time_point start_;
  std::optional<std::int64_t> budget_ms_;
};

// The shortest a live run of `scenario` can take: the timeline runs on wall time to its last
// action, then the heal and at least one quiet period of convergence. Startup and teardown
// only add to it, so a run whose bound does not fit cannot finish in time.
std::int64_t live_run_lower_bound_ms(const Scenario& scenario);

// "40.3 s" style, for progress and summary lines.
std::string format_seconds(std::int64_t milliseconds);

}  // namespace resync::sim

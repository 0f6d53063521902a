#pragma once
// The live timeline's timer: work due at an instant, run in the order of (instant, order of
// scheduling), on one Asio timer. Asio keeps no order among timers with equal deadlines, and
// the timeline promises that steps with the same at_ms run in file order
// (docs/SCENARIOS.md): a restart scheduled with its stop at one instant must come after it,
// as in the simulator's scheduler. Not thread-safe: the run's thread only.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sim/scenario/scenario_bounds.hpp"

namespace resync::sim {

class OrderedTimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  // Work waiting at once: a scenario schedules at most one entry per send of a burst and a
  // few per step (a node step two per node), within scenario_bounds; more is a runaway loop,
  // stopped by an assertion.
  static constexpr std::size_t pending_work_max =
      static_cast<std::size_t>(scenario_bounds::kMessagesMax) +
      scenario_bounds::kTimelineStepsMax * static_cast<std::size_t>(2 * scenario_bounds::kClusterNodesMax + 2) + 1000;

  explicit OrderedTimerQueue(boost::asio::io_context& io) : timer_(io) {}
  OrderedTimerQueue(const OrderedTimerQueue&) = delete;
  OrderedTimerQueue& operator=(const OrderedTimerQueue&) = delete;

  // `work` runs once `due` has passed, after everything scheduled earlier for the same or an
  // earlier instant. Work may schedule more (it runs in this order too).
  void schedule(Clock::time_point due, std::function<void()> work);
  // Nothing scheduled runs any more.
  void cancel_all();
  std::size_t pending() const { return pending_.size(); }

 private:
  void arm();
  void run_due();

  boost::asio::steady_timer timer_;
  std::map<std::pair<Clock::time_point, std::uint64_t>, std::function<void()>> pending_;
  std::uint64_t next_order_ = 0;
  // The deadline the timer waits for, when it waits.
  std::optional<Clock::time_point> armed_for_;
};

}  // namespace resync::sim

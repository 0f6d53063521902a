#pragma once
// The time source and timer queue a ServerHost runs on. The live server implements it over
// an Asio io_context; the simulator over its virtual clock, where several hosts (server
// nodes) share one clock. No Beast or Asio types here.
#include <cstdint>
#include <functional>

namespace resync::server::host {

using TimerId = std::uint64_t;

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // Microseconds on this scheduler's monotonic clock.
  virtual std::int64_t now_us() const = 0;
  // Runs `work` at `time_us` (at once, after current work, when that has passed). Work at
  // one instant runs in the order it was scheduled: the simulator's determinism rests on it.
  virtual TimerId run_at(std::int64_t time_us, std::function<void()> work) = 0;
  // The work of a timer that has not run yet will not run. Unknown or spent ids are ignored.
  virtual void cancel(TimerId timer) = 0;
  // Runs `work` after the work already queued to run now (Asio's post): what arrived in this
  // round of the event loop is handled before it.
  virtual void post(std::function<void()> work) = 0;
};

}  // namespace resync::server::host

#pragma once
// A host::Scheduler on the simulator's virtual clock. Several hosts may share one clock; each
// cancels its own timers. A cancelled timer keeps its place in the clock's queue and does
// nothing when its instant comes, so cancelling never changes the order (or the count) of
// the clock's other events.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "server/host/scheduler.hpp"
#include "sim/simulator/virtual_clock.hpp"

namespace resync::sim {

class VirtualScheduler final : public server::host::Scheduler {
 public:
  explicit VirtualScheduler(VirtualClock& clock) : clock_(clock) {}

  std::int64_t now_us() const override { return clock_.now_us(); }

  server::host::TimerId run_at(std::int64_t time_us, std::function<void()> work) override {
    const server::host::TimerId id = next_timer_++;
    auto cancelled = std::make_shared<bool>(false);
    pending_.emplace(id, cancelled);
    clock_.at_us(time_us, [this, id, cancelled, work = std::move(work)] {
      if (*cancelled) return;
      pending_.erase(id);
      work();
    });
    return id;
  }

  void cancel(server::host::TimerId timer) override {
    auto found = pending_.find(timer);
    if (found == pending_.end()) return;
    *found->second = true;
    pending_.erase(found);
  }

  // After the work already queued for this instant: the clock runs ties in insertion order.
  void post(std::function<void()> work) override { run_at(clock_.now_us(), std::move(work)); }

 private:
  VirtualClock& clock_;
  std::map<server::host::TimerId, std::shared_ptr<bool>> pending_;
  server::host::TimerId next_timer_ = 1;
};

}  // namespace resync::sim

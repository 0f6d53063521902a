#pragma once
// A scheduler for tests: time moves only when the test says so, and work runs in (time,
// order scheduled) order, as on the simulator's virtual clock.
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "server/host/scheduler.hpp"

namespace resync::server::host::testing {

class FakeScheduler final : public Scheduler {
 public:
  std::int64_t now_us() const override { return now_us_; }
  TimerId run_at(std::int64_t time_us, std::function<void()> work) override {
    const TimerId id = next_id_++;
    queue_.emplace(std::make_pair(std::max(time_us, now_us_), id), std::move(work));
    return id;
  }
  void cancel(TimerId timer) override {
    std::erase_if(queue_, [timer](const auto& entry) { return entry.first.second == timer; });
  }
  void post(std::function<void()> work) override { run_at(now_us_, std::move(work)); }

  // Runs everything due up to `time_us`, then stays there.
  void advance_to(std::int64_t time_us) {
    while (!queue_.empty() && queue_.begin()->first.first <= time_us) {
      auto first = queue_.begin();
      now_us_ = first->first.first;
      std::function<void()> work = std::move(first->second);
      queue_.erase(first);
      work();
    }
    now_us_ = std::max(now_us_, time_us);
  }
  void run_due() { advance_to(now_us_); }
  std::size_t pending() const { return queue_.size(); }
  std::size_t pending_at_or_before(std::int64_t time_us) const {
    std::size_t count = 0;
    for (const auto& [key, work] : queue_) count += key.first <= time_us ? 1 : 0;
    return count;
  }

 private:
  std::int64_t now_us_ = 0;
  TimerId next_id_ = 1;
  std::map<std::pair<std::int64_t, TimerId>, std::function<void()>> queue_;
};

}  // namespace resync::server::host::testing

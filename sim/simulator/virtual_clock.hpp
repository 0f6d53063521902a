#pragma once
// Virtual time for the simulator: a queue of work ordered by (instant, insertion order). The
// clock jumps to the next item; nothing ever waits. The insertion order breaks ties, so the
// same inputs always run in the same order.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace resync::sim {

class VirtualClock {
 public:
  std::int64_t now_us() const { return now_us_; }
  std::int64_t now_ms() const { return now_us_ / 1000; }

  void at_us(std::int64_t time_us, std::function<void()> work) {
    queue_.emplace(std::make_pair(std::max(time_us, now_us_), next_sequence_++), std::move(work));
  }

  // Runs the earliest item; false when nothing is left.
  bool run_next() {
    if (queue_.empty()) return false;
    auto first = queue_.begin();
    now_us_ = first->first.first;
    std::function<void()> work = std::move(first->second);
    queue_.erase(first);
    work();
    return true;
  }

  std::size_t pending() const { return queue_.size(); }
  // The instant of the earliest item, if any.
  std::optional<std::int64_t> next_at_us() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.begin()->first.first;
  }
  void clear() { queue_.clear(); }

 private:
  std::int64_t now_us_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::map<std::pair<std::int64_t, std::uint64_t>, std::function<void()>> queue_;
};

}  // namespace resync::sim

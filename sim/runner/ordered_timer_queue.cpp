#include "sim/runner/ordered_timer_queue.hpp"

#include "common/invariant.hpp"

namespace resync::sim {

void OrderedTimerQueue::schedule(Clock::time_point due, std::function<void()> work) {
  RESYNC_ASSERT(pending_.size() < pending_work_max, "the live timeline holds more scheduled work than any scenario can ask for");
  pending_.emplace(std::make_pair(due, next_order_++), std::move(work));
  arm();
}

void OrderedTimerQueue::cancel_all() {
  pending_.clear();
  armed_for_.reset();
  timer_.cancel();
}

void OrderedTimerQueue::arm() {
  if (pending_.empty()) return;
  const Clock::time_point first = pending_.begin()->first.first;
  if (armed_for_ && *armed_for_ <= first) return;  // already waiting for this or an earlier instant
  armed_for_ = first;
  timer_.expires_at(first);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // re-armed for an earlier instant, or cancelled
    armed_for_.reset();
    run_due();
  });
}

void OrderedTimerQueue::run_due() {
  while (!pending_.empty() && pending_.begin()->first.first <= Clock::now()) {
    auto first = pending_.begin();
    std::function<void()> work = std::move(first->second);
    pending_.erase(first);
    work();
  }
  arm();
}

}  // namespace resync::sim

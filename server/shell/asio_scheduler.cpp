#include "server/shell/asio_scheduler.hpp"

#include <utility>

#include <boost/asio/post.hpp>

namespace resync::server::shell {

std::int64_t AsioScheduler::now_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - clock_start_).count();
}

host::TimerId AsioScheduler::run_at(std::int64_t time_us, std::function<void()> work) {
  const host::TimerId id = next_timer_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_context_);
  timer->expires_at(clock_start_ + std::chrono::microseconds(time_us));
  timer->async_wait([this, id, work = std::move(work)](const boost::system::error_code& /*error*/) {
    // Erasing it first: the work may schedule or cancel timers.
    if (timers_.erase(id) == 0) return;
    work();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

void AsioScheduler::cancel(host::TimerId timer) {
  auto found = timers_.find(timer);
  if (found == timers_.end()) return;
  found->second->cancel();
  timers_.erase(found);
}

void AsioScheduler::post(std::function<void()> work) { boost::asio::post(io_context_, std::move(work)); }

}  // namespace resync::server::shell

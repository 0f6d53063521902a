#pragma once
// The live server's Scheduler: the io_context's steady clock and timers. Internal to the shell.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/host/scheduler.hpp"

namespace resync::server::shell {

class AsioScheduler final : public host::Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io_context) : io_context_(io_context) {}
  AsioScheduler(const AsioScheduler&) = delete;
  AsioScheduler& operator=(const AsioScheduler&) = delete;

  std::int64_t now_us() const override;
  host::TimerId run_at(std::int64_t time_us, std::function<void()> work) override;
  void cancel(host::TimerId timer) override;
  void post(std::function<void()> work) override;

 private:
  boost::asio::io_context& io_context_;
  std::chrono::steady_clock::time_point clock_start_ = std::chrono::steady_clock::now();
  // The timers that have not fired; a handler runs only while its timer is still here, so
  // a cancelled timer's completion (operation_aborted or a race with expiry) does nothing.
  std::map<host::TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
  host::TimerId next_timer_ = 1;
};

}  // namespace resync::server::shell

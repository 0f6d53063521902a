#pragma once
// The event loop one load measurement runs on: an io_context with a give-up deadline, and
// the one way a measurement ends (done, or an error that says why).
#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace resync::bench {

using LoadClock = std::chrono::steady_clock;

class LoadLoop {
 public:
  explicit LoadLoop(int timeout_s) : timeout_s_(timeout_s), deadline_(io_) {}

  boost::asio::io_context& io() { return io_; }

  // Runs until finish(); returns the error ("" when the measurement completed).
  std::string run() {
    deadline_.expires_after(std::chrono::seconds(timeout_s_));
    deadline_.async_wait([this](boost::system::error_code error) {
      if (!error) finish("timed out after " + std::to_string(timeout_s_) + " s");
    });
    io_.run();
    return error_;
  }

  void finish(std::string error = "") {
    if (done_) return;
    done_ = true;
    error_ = std::move(error);
    finished_at_ = LoadClock::now();
    io_.stop();
  }

  LoadClock::time_point finished_at() const { return finished_at_; }

 private:
  int timeout_s_;
  boost::asio::io_context io_;
  boost::asio::steady_timer deadline_;
  bool done_ = false;
  std::string error_;
  LoadClock::time_point finished_at_ = LoadClock::now();
};

}  // namespace resync::bench

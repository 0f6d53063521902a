#pragma once
// Carries the embedded server's log lines from the thread that copies its stderr
// (sim/runner/stderr_drain.hpp) to the run's own thread, which alone writes history lines.
// Each line keeps its arrival order; the run's thread records it (server_log) when it
// takes it: soon after the server wrote it, and before anything the run records later
// about that server (its server_stopped line takes what is pending first).
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sim/history/history_event.hpp"

namespace resync::sim {

// Lines waiting for the run's thread. A server that logs faster than the run records (a
// stuck io thread) loses lines beyond this; the count of lost lines is kept.
inline constexpr std::size_t server_log_lines_pending_max = 10000;

class ServerLogRelay {
 public:
  // `wake` asks the run's thread to call take() soon (e.g. asio::post); it is called from
  // the stderr thread, at most once per batch, and never after close().
  explicit ServerLogRelay(std::function<void()> wake) : wake_(std::move(wake)) {}

  // Any thread: a line the server wrote (without its newline); lines not in the shell's log
  // format are not kept.
  void push(int incarnation, const std::string& line);
  // The run's thread: the log lines pushed since the last call, in order.
  std::vector<history::ServerLog> take();
  // No more wakes: the run's thread is going away (pushes after this are dropped).
  void close();
  std::size_t lines_dropped() const;

 private:
  mutable std::mutex mutex_;
  std::function<void()> wake_;
  std::deque<history::ServerLog> pending_;
  bool wake_pending_ = false;
  bool closed_ = false;
  std::size_t lines_dropped_ = 0;
};

}  // namespace resync::sim

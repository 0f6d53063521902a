#include "sim/runner/server_log_relay.hpp"

#include "sim/runner/server_log_line.hpp"

namespace resync::sim {

void ServerLogRelay::push(int incarnation, const std::string& line) {
  std::optional<history::ServerLog> log = parse_server_log_line(line, incarnation);
  if (!log) return;
  std::lock_guard lock(mutex_);
  if (closed_) return;
  if (pending_.size() >= server_log_lines_pending_max) {
    ++lines_dropped_;
    return;
  }
  pending_.push_back(std::move(*log));
  if (!wake_pending_ && wake_) {
    wake_pending_ = true;
    wake_();  // under the lock, so close() cannot return while a wake is on its way
  }
}

std::vector<history::ServerLog> ServerLogRelay::take() {
  std::lock_guard lock(mutex_);
  wake_pending_ = false;
  std::vector<history::ServerLog> taken(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
  pending_.clear();
  return taken;
}

void ServerLogRelay::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::size_t ServerLogRelay::lines_dropped() const {
  std::lock_guard lock(mutex_);
  return lines_dropped_;
}

}  // namespace resync::sim

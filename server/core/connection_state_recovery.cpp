#include "server/core/connection_state_recovery.hpp"

#include <algorithm>
#include <utility>

#include "common/invariant.hpp"

namespace resync::server {

namespace {

constexpr char offset_separator = '.';
constexpr std::size_t offset_digits_max = 16;  // ids stay below 2^53

}  // namespace

ConnectionStateRecovery::ConnectionStateRecovery(RecoveryLimits limits, std::string run_tag,
                                                 std::int64_t covered_after_id)
    : limits_(limits), run_tag_(std::move(run_tag)), covered_after_id_(covered_after_id) {}

std::string ConnectionStateRecovery::offset_of(std::int64_t message_id) const {
  return run_tag_ + offset_separator + std::to_string(message_id);
}

void ConnectionStateRecovery::record_event(std::int64_t message_id, std::string content, std::int64_t now_ms) {
  // take() replays "every buffered id after the offset", which is exactly-once only if the
  // buffer is in id order: the core records in commit order, and committed ids increase.
  RESYNC_ASSERT(message_id > covered_after_id_ && (events_.empty() || message_id > events_.back().id),
                "events are recorded in increasing id order");
  buffered_bytes_ += content.size();
  events_.push_back(BufferedEvent{message_id, std::move(content), now_ms});
  evict_events(now_ms);
}

void ConnectionStateRecovery::evict_events(std::int64_t now_ms) {
  while (!events_.empty() &&
         (events_.size() > limits_.buffered_events_max || buffered_bytes_ > limits_.buffered_bytes_max ||
          events_.front().emitted_at_ms + limits_.window_ms < now_ms)) {
    covered_after_id_ = events_.front().id;
    RESYNC_ASSERT(buffered_bytes_ >= events_.front().content.size(), "buffered_bytes_ counts every buffered event");
    buffered_bytes_ -= events_.front().content.size();
    events_.pop_front();
  }
}

void ConnectionStateRecovery::remember_disconnected(const std::string& private_id, DisconnectedSocket socket,
                                                    std::int64_t now_ms) {
  socket.disconnected_at_ms = now_ms;
  disconnected_[private_id] = std::move(socket);
  disconnected_order_.emplace_back(now_ms, private_id);
  evict_disconnected(now_ms);
}

void ConnectionStateRecovery::evict_disconnected(std::int64_t now_ms) {
  while (!disconnected_order_.empty()) {
    const auto& [remembered_at_ms, private_id] = disconnected_order_.front();
    const auto found = disconnected_.find(private_id);
    const bool current = found != disconnected_.end() && found->second.disconnected_at_ms == remembered_at_ms;
    const bool expired = remembered_at_ms + limits_.window_ms < now_ms;
    const bool over_count = disconnected_.size() > limits_.disconnected_sockets_max;
    if (current && !expired && !over_count) return;
    if (current) disconnected_.erase(found);
    disconnected_order_.pop_front();
  }
}

protocol::ParseResult<RecoveryGrant> ConnectionStateRecovery::take(std::string_view private_id, std::string_view offset,
                                                                   std::int64_t now_ms) {
  using Result = protocol::ParseResult<RecoveryGrant>;
  evict_disconnected(now_ms);
  evict_events(now_ms);
  const auto found = disconnected_.find(private_id);
  if (found == disconnected_.end()) {
    return Result::failure("unknown pid (never issued, expired, already recovered, or the old connection is still open)");
  }
  // One attempt per private id: whatever happens next, this pid cannot be tried again.
  const DisconnectedSocket socket = std::move(found->second);
  disconnected_.erase(found);
  return grant(socket, offset, now_ms);
}

protocol::ParseResult<RecoveryGrant> ConnectionStateRecovery::grant(const DisconnectedSocket& socket,
                                                                    std::string_view offset, std::int64_t now_ms) {
  using Result = protocol::ParseResult<RecoveryGrant>;
  evict_events(now_ms);
  const std::string expected_prefix = run_tag_ + offset_separator;
  const std::string_view digits = offset.substr(std::min(offset.size(), expected_prefix.size()));
  if (!offset.starts_with(expected_prefix) || digits.empty() || digits.size() > offset_digits_max ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Result::failure("offset was not issued by this server run");
  }
  const std::int64_t resume_after_id = std::stoll(std::string(digits));
  if (resume_after_id > socket.last_sent_id) {
    return Result::failure("offset " + std::to_string(resume_after_id) + " is beyond the last id sent to that socket (" +
                           std::to_string(socket.last_sent_id) + ")");
  }
  if (resume_after_id < covered_after_id_) {
    return Result::failure("offset " + std::to_string(resume_after_id) +
                           " is older than the buffered events (they start after id " +
                           std::to_string(covered_after_id_) + ")");
  }
  return Result::success(RecoveryGrant{socket.socket_id, resume_after_id});
}

}  // namespace resync::server

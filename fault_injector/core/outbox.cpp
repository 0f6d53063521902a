#include "fault_injector/core/outbox.hpp"

#include <algorithm>

namespace resync::fault_injector {

Instant Outbox::clamp(Instant at) {
  last_at_ = std::max(last_at_, at);
  return last_at_;
}

void Outbox::push_bytes(Instant at, std::string bytes) {
  if (end_queued_ || bytes.empty()) return;  // a stream cannot carry bytes after its FIN
  bytes_queued_ += bytes.size();
  entries_.push_back({clamp(at), std::move(bytes), false});
}

void Outbox::push_end_of_stream(Instant at) {
  if (end_queued_) return;
  end_queued_ = true;
  entries_.push_back({clamp(at), {}, true});
}

std::string_view Outbox::front_unwritten() const {
  return std::string_view(entries_.front().bytes).substr(front_written_);
}

void Outbox::consume_front(std::size_t byte_count) {
  front_written_ += byte_count;
  bytes_queued_ -= byte_count;
  if (front_written_ >= entries_.front().bytes.size()) {
    entries_.pop_front();
    front_written_ = 0;
  }
}

void Outbox::pop_front() {
  bytes_queued_ -= entries_.front().bytes.size() - front_written_;
  entries_.pop_front();
  front_written_ = 0;
}

void Outbox::clear() {
  entries_.clear();
  front_written_ = 0;
  bytes_queued_ = 0;
}

}  // namespace resync::fault_injector

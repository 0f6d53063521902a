#pragma once
// What a connection still has to write in one direction, each piece with the instant it may
// leave. Instants never go backwards (so bytes are never reordered), nothing can follow an
// end of stream, and the writer consumes from the front, possibly a part at a time.
#include <cstddef>
#include <deque>
#include <string>

#include "fault_injector/core/instant.hpp"

namespace resync::fault_injector {

struct OutboxEntry {
  Instant at{};
  std::string bytes;
  bool end_of_stream = false;
};

class Outbox {
 public:
  void push_bytes(Instant at, std::string bytes);
  void push_end_of_stream(Instant at);

  bool empty() const { return entries_.empty(); }
  const OutboxEntry& front() const { return entries_.front(); }
  // The unwritten part of the front entry's bytes.
  std::string_view front_unwritten() const;
  void consume_front(std::size_t byte_count);  // pops the entry once all its bytes are written
  void pop_front();
  void clear();

  std::size_t bytes_queued() const { return bytes_queued_; }
  bool end_queued() const { return end_queued_; }

 private:
  Instant clamp(Instant at);

  std::deque<OutboxEntry> entries_;
  std::size_t front_written_ = 0;
  std::size_t bytes_queued_ = 0;
  Instant last_at_{};
  bool end_queued_ = false;
};

}  // namespace resync::fault_injector

#pragma once
// The packets waiting for a long-polling client's next GET. The core fills it; an answered
// GET takes everything at once, joined with the record separator (Engine.IO v4 payload).
// Bounded: a client that stops polling must not hold the server's memory.
#include <cstddef>
#include <string>
#include <vector>

namespace resync::server {

class PollingOutbox {
 public:
  explicit PollingOutbox(std::size_t bytes_max) : bytes_max_(bytes_max) {}

  // False when the packet would exceed the limit; the packet is then not queued.
  bool push(std::string packet);
  bool empty() const { return packets_.empty(); }
  std::size_t bytes() const { return bytes_; }

  // Everything queued as one polling payload; the outbox is empty afterwards.
  std::string take_payload();
  // Everything queued as separate packets (for a WebSocket after an upgrade).
  std::vector<std::string> take_packets();

 private:
  std::size_t bytes_max_;
  std::size_t bytes_ = 0;
  // A vector, emptied whole by each take: it holds no memory while empty (a std::deque
  // allocated half a KiB per session, WebSocket sessions included, before anything was queued).
  std::vector<std::string> packets_;
};

}  // namespace resync::server

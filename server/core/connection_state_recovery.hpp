#pragma once
// Connection state recovery as socket.io >= 4.6 does it (`connectionStateRecovery`): a pure,
// bounded, in-memory record of recent chat events and of sockets whose transport was lost,
// so a client that comes back within the window gets what it missed and its old socket id
// instead of a fresh socket and a database catch-up.
//
// Offsets. socket.io appends an opaque string offset to every recoverable event and the
// client sends back the last one it processed. Here an offset names a position in the
// message id sequence of one server run: "<run tag>.<id>". It therefore means the same on a
// live broadcast, a catch-up row and a replayed event, and an offset from an earlier run (a
// restart) or from another server never matches, so recovery then fails cleanly.
//
// Why replaying from a position is exactly-once in strict delivery: a strict session
// receives ids in increasing order, so "the client processed offset X" means it has every
// id <= X and none above. The buffer holds every committed message with id > covered_after_id
// (it is appended in commit order and evicted from the front only), so when X >=
// covered_after_id the events after X are exactly what the client is missing.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "protocol/parse_result.hpp"

namespace resync::server {

struct RecoveryLimits {
  // socket.io's maxDisconnectionDuration: how long a lost socket stays recoverable, and how
  // long an event stays buffered.
  std::int64_t window_ms = 120000;
  // The buffer of recent events is cut from the front past either limit; a client whose
  // offset is older than what is kept falls back to the database catch-up.
  std::size_t buffered_events_max = 10000;
  std::size_t buffered_bytes_max = 16 * 1024 * 1024;
  // Lost sockets remembered at once; the oldest is forgotten first.
  std::size_t disconnected_sockets_max = 10000;
};

struct BufferedEvent {
  std::int64_t id = 0;
  std::string content;
  std::int64_t emitted_at_ms = 0;
};

// What a socket that lost its transport leaves behind for its return.
struct DisconnectedSocket {
  std::string socket_id;
  std::int64_t last_sent_id = 0;  // the highest message id the server sent it
  std::int64_t disconnected_at_ms = 0;
};

// A successful recovery: reuse `socket_id` and replay buffered events with id > resume_after_id.
struct RecoveryGrant {
  std::string socket_id;
  std::int64_t resume_after_id = 0;
};

class ConnectionStateRecovery {
 public:
  // `covered_after_id`: the highest committed id when the buffer starts (nothing before it
  // is buffered). `run_tag` makes this run's offsets differ from every other run's.
  ConnectionStateRecovery(RecoveryLimits limits, std::string run_tag, std::int64_t covered_after_id);

  std::string offset_of(std::int64_t message_id) const;

  // A committed message that was (or is being) sent to every client.
  void record_event(std::int64_t message_id, std::string content, std::int64_t now_ms);

  // A connected socket lost its transport in a recoverable way.
  void remember_disconnected(const std::string& private_id, DisconnectedSocket socket, std::int64_t now_ms);

  // The CONNECT of a returning client with {pid, offset}. On success the socket is forgotten,
  // so a private id recovers at most once; on failure the reason says why, for the log.
  protocol::ParseResult<RecoveryGrant> take(std::string_view private_id, std::string_view offset, std::int64_t now_ms);
  // The offset half of take(), for a socket found elsewhere (a cluster keeps lost sockets in
  // Redis, so a client can come back on any node): whether `offset` names a position this
  // buffer can replay from for that socket.
  protocol::ParseResult<RecoveryGrant> grant(const DisconnectedSocket& socket, std::string_view offset,
                                             std::int64_t now_ms);

  const std::deque<BufferedEvent>& buffered_events() const { return events_; }
  std::int64_t covered_after_id() const { return covered_after_id_; }
  std::size_t disconnected_socket_count() const { return disconnected_.size(); }

 private:
  void evict_events(std::int64_t now_ms);
  void evict_disconnected(std::int64_t now_ms);

  RecoveryLimits limits_;
  std::string run_tag_;
  std::int64_t covered_after_id_;
  std::deque<BufferedEvent> events_;
  std::size_t buffered_bytes_ = 0;
  std::map<std::string, DisconnectedSocket, std::less<>> disconnected_;
  // Private ids in the order they were remembered, for eviction by age and count. An entry
  // whose socket was taken or re-remembered since is skipped (its time no longer matches).
  std::deque<std::pair<std::int64_t, std::string>> disconnected_order_;
};

}  // namespace resync::server

#pragma once
// The chat server as a pure state machine (sans-I/O): Engine.IO v4 sessions, Socket.IO v5
// on namespace "/", and the tutorial's delivery logic over a MessageStore.
//
// Inputs are events with the caller's `now_ms` (real or virtual milliseconds); outputs are
// actions taken with take_actions() and the next deadline. No sockets, no clock reads, no
// threads, no global randomness: the Beast shell (server/shell) and the deterministic
// simulator (sim/) drive this same object.
//
// Durability rule: acknowledgements and broadcasts of new messages are held until
// commit_pending() has made the rows durable. The shell calls commit_pending() once it has
// drained the input that is ready, so under load many inserts share one commit.
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/engineio_packet.hpp"
#include "server/core/message_store.hpp"

namespace resync::server {

using SessionId = std::uint64_t;  // the shell's handle for one Engine.IO session

enum class DeliveryMode {
  // Every client receives each id exactly once and in increasing order, also while its
  // catch-up runs and live messages keep arriving.
  strict,
  // The tutorial Node server's behaviour: catch-up rows go out in the background while live
  // broadcasts interleave, so a client can see an id twice or out of order.
  tutorial,
};

struct ServerConfig {
  DeliveryMode delivery = DeliveryMode::strict;
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::int64_t connect_timeout_ms = 45000;  // Engine.IO open without a Socket.IO CONNECT
  std::int64_t max_payload_bytes = 1000000;
  std::size_t catch_up_rows_per_batch = 200;
  std::string chat_event_name = "chat message";
  std::uint64_t seed = 1;  // session ids are drawn from this; the real shell seeds it randomly
};

// Actions for the shell.
struct SendPacket {
  SessionId session = 0;
  std::string text;  // one encoded Engine.IO packet (a WebSocket text frame)
};
struct CloseSession {
  SessionId session = 0;
  std::string reason;  // for logs; e.g. "ping timeout", "protocol error: ..."
};
struct LogLine {
  enum class Level { info, warning, error } level = Level::info;
  std::string text;
};
using Action = std::variant<SendPacket, CloseSession, LogLine>;

class ChatServerCore {
 public:
  ChatServerCore(ServerConfig config, MessageStore& store);

  // A new Engine.IO session over WebSocket: sends the open packet.
  void on_session_opened(SessionId session, const protocol::engineio::HandshakeQuery& query, std::int64_t now_ms);
  // One text frame from the client (one Engine.IO packet).
  void on_text_frame(SessionId session, std::string_view text, std::int64_t now_ms);
  // A binary frame: this server expects no binary attachments, so it is a protocol error.
  void on_binary_frame(SessionId session, std::size_t size_bytes, std::int64_t now_ms);
  // The transport is gone (closed by the peer, by a network error, or after CloseSession).
  void on_session_closed(SessionId session, std::int64_t now_ms);
  // The shell has written everything queued for this session; catch-up continues.
  void on_output_drained(SessionId session, std::int64_t now_ms);
  // Deadlines (heartbeats, connect timeouts) that are due at `now_ms`.
  void on_timer(std::int64_t now_ms);

  // Commits pending inserts and releases the acknowledgements and broadcasts held for them.
  void commit_pending(std::int64_t now_ms);
  bool has_pending_commit() const { return !held_until_commit_.empty() || store_.has_uncommitted_writes(); }

  std::vector<Action> take_actions();
  std::optional<std::int64_t> next_deadline_ms() const;

  std::size_t session_count() const { return sessions_.size(); }
  const ServerConfig& config() const { return config_; }

 private:
  enum class SocketState { awaiting_connect, connected };
  enum class CatchUpState { none, running, waiting_for_drain };

  struct Session {
    SessionId id = 0;
    std::string engine_session_id;
    std::string socket_id;
    SocketState socket_state = SocketState::awaiting_connect;
    std::int64_t connect_deadline_ms = 0;
    std::int64_t next_ping_ms = 0;
    std::optional<std::int64_t> pong_deadline_ms;
    // Delivery: the highest id this session has been sent (strict) or the catch-up cursor.
    std::int64_t catch_up_cursor_id = 0;
    CatchUpState catch_up = CatchUpState::none;
    bool receives_live_broadcasts = false;
  };

  // What a commit releases: an ack to one session, or a broadcast of a new row.
  struct HeldAck {
    SessionId session = 0;
    std::uint64_t ack_id = 0;
  };
  struct HeldBroadcast {
    std::int64_t id = 0;
    std::string content;
  };
  using HeldAction = std::variant<HeldAck, HeldBroadcast>;

  void handle_engine_packet(Session& session, const protocol::engineio::Packet& packet, std::int64_t now_ms);
  void handle_socket_packet(Session& session, std::string_view text, std::int64_t now_ms);
  void handle_connect(Session& session, const std::optional<nlohmann::json>& auth, std::int64_t now_ms);
  void handle_chat_message(Session& session, const nlohmann::json& arguments, std::optional<std::uint64_t> ack_id);
  void continue_catch_up(Session& session);
  void broadcast(const HeldBroadcast& message);
  void send_socket_packet(SessionId session, std::string socket_packet);
  void send_engine_packet(SessionId session, protocol::engineio::PacketType type, std::string_view data = {});
  void protocol_error(Session& session, std::string_view what);
  void close_session(Session& session, std::string reason);
  std::string random_id();
  Session* find(SessionId session);

  ServerConfig config_;
  MessageStore& store_;
  std::mt19937_64 random_;
  std::map<SessionId, Session> sessions_;  // ordered: iteration order must not depend on hashing
  std::vector<HeldAction> held_until_commit_;
  std::vector<Action> actions_;
};

}  // namespace resync::server

#pragma once
// The chat server as a pure state machine (sans-I/O): Engine.IO v4 sessions, Socket.IO v5
// on namespace "/", and the tutorial's delivery logic over a MessageStore.
//
// Inputs are events with the caller's `now_ms` (real or virtual milliseconds); outputs are
// actions taken with take_actions() and the next deadline. No sockets, no clock reads, no
// threads, no global randomness: the Beast shell (server/shell) and the deterministic
// simulator (sim/) drive this same object.
//
// Transports: a session starts on WebSocket (SendPacket actions, one per packet, or one
// BroadcastPacket for all its receivers) or on HTTP
// long-polling (packets wait in the session's PollingOutbox; AnswerPoll answers the pending
// GET with all of them). A polling session may upgrade to WebSocket; from then on it is a
// WebSocket session like any other.
//
// Durability rule: acknowledgements and broadcasts of new messages are held until their rows
// are durable. The core writes nothing itself: chat messages wait in the pending group; when
// no group is in flight, the end of an input emits the pending one as a CommitRequest action,
// and on_commit_completed() releases what it held (commit_group.hpp). While one group's fsync
// runs, new messages gather into the next group, so under load many share one commit.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/engineio_packet.hpp"
#include "server/core/commit_group.hpp"
#include "server/core/connection_state_recovery.hpp"
#include "server/core/message_store.hpp"
#include "server/core/planted_bug.hpp"
#include "server/core/polling_outbox.hpp"
#include "server/core/random_id_source.hpp"

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
  std::int64_t payload_bytes_max = 1000000;
  std::size_t catch_up_batch_rows_max = 200;
  // tutorial delivery: the catch-up goes at this pace (rows per millisecond), about the
  // tutorial's Node server's own (bench/RESULTS.md: some 50,000 rows/s). Its race with live
  // broadcasts then has the window it has there, however fast this server reads and writes;
  // unpaced, a fast catch-up often finished before any live message could overtake it and
  // the tutorial twins' anomalies came and went with the machine's speed.
  std::size_t tutorial_catch_up_rows_per_ms = 50;
  std::string chat_event_name = "chat message";
  // Ids (sids, socket ids, pids) are drawn from random_bytes; when it is empty, from a
  // SeededRandomBytes(seed), which the simulator and tests use to replay. `resync serve`
  // fills random_bytes from the operating system's CSPRNG (server/shell/os_random.hpp).
  std::uint64_t seed = 1;
  RandomBytesSource random_bytes;

  // Long-polling. Packets queued for one polling client; past this it is a slow consumer and
  // is disconnected (the WebSocket shell has the same limit on its write queue).
  std::size_t polling_queue_bytes_max = 64 * 1024 * 1024;
  // A polling -> WebSocket upgrade that does not finish (probe, then "5") within this time
  // is abandoned (engine.io's upgradeTimeout); the session stays on polling.
  std::int64_t upgrade_timeout_ms = 10000;

  // Connection state recovery (socket.io's `connectionStateRecovery`). Off in a default
  // ServerConfig, like `new Server()` in socket.io; `resync serve` turns it on, as the
  // tutorial's server does, unless --no-recovery.
  bool recovery_enabled = false;
  RecoveryLimits recovery;  // recovery.window_ms is --recovery-window-ms

  // For testing Resync itself (planted_bug.hpp). The core acts on the core bugs only; the
  // live-only ones are the shell's.
  PlantedBug planted_bug = PlantedBug::none;

  // A cluster node: the ids come from a log every node shares (server/cluster: a Redis Stream
  // appended by one atomic script). A commit completion then only acknowledges; what is
  // committed reaches this node's clients when the node reads it from the log
  // (on_log_entries), so strict delivery follows the one log order on every node. tutorial
  // delivery stays the naive design: a node broadcasts its own commits at once and other
  // nodes' as it reads them, and its catch-up is a separate query racing both.
  bool shared_log = false;
};

// Actions for the shell.
struct SendPacket {
  SessionId session = 0;
  std::string text;  // one encoded Engine.IO packet (a WebSocket text frame)
};
// The same packet for several WebSocket sessions (a broadcast), each taking it at this
// action's place among the others: encoded once, whatever the number of receivers.
struct BroadcastPacket {
  std::vector<SessionId> sessions;
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
// Long-polling: answer the session's pending GET with `body` (200, text/plain). The core
// emits this only while it knows a GET is pending, at most once per GET.
struct AnswerPoll {
  SessionId session = 0;
  std::string body;
};
// Long-polling: close the WebSocket that probes an upgrade of this polling session, but not
// the session (the upgrade timed out); the shell then reports it with on_session_closed.
struct AbandonUpgrade {
  SessionId session = 0;
};
// A cluster node's connection state recovery (ServerConfig::shared_log with recovery): the
// table of lost sockets is the cluster's, so a client can come back on any node. Keep this
// socket for `window_ms` under its private id.
struct RememberLostSocket {
  std::string private_id;
  DisconnectedSocket socket;
  std::int64_t window_ms = 0;
};
// Take (find and forget, once cluster-wide) the lost socket of this private id, then call
// on_lost_socket_found for the session, with nothing when there is none or the table could
// not be asked.
struct TakeLostSocket {
  SessionId session = 0;
  std::string private_id;
};
// CommitRequest (commit_group.hpp): make this group durable, then call on_commit_completed.
using Action = std::variant<SendPacket, BroadcastPacket, CloseSession, LogLine, AnswerPoll, AbandonUpgrade,
                            CommitRequest, RememberLostSocket, TakeLostSocket>;

// The answer to an HTTP request of a long-polling session: either it was taken (the session
// it belongs to), or the Engine.IO error to answer with.
struct PollingRequestResult {
  std::optional<SessionId> session;
  std::optional<protocol::engineio::HandshakeError> error;
  static PollingRequestResult accepted(SessionId session) { return {session, std::nullopt}; }
  static PollingRequestResult rejected(protocol::engineio::ErrorCode code) {
    return {std::nullopt, protocol::engineio::make_handshake_error(code)};
  }
};

class ChatServerCore {
 public:
  // `store` is only read (catch-up); its last_committed_id() is read once, here.
  ChatServerCore(ServerConfig config, MessageReader& store);

  // A new Engine.IO session: sends the open packet. With query.transport == polling the
  // handshake GET is the session's first pending GET and is answered with AnswerPoll.
  void on_session_opened(SessionId session, const protocol::engineio::HandshakeQuery& query, std::int64_t now_ms);
  // One text frame from the session's WebSocket (one Engine.IO packet). For a session still
  // on polling this is the WebSocket probing the upgrade ("2probe", then "5").
  void on_text_frame(SessionId session, std::string_view text, std::int64_t now_ms);

  // Long-polling requests name their session by the Engine.IO sid of the query.
  // GET: held until packets are queued (answered later with AnswerPoll).
  PollingRequestResult on_poll_request(std::string_view engine_session_id, std::int64_t now_ms);
  // POST: a payload of packets joined with the record separator; answer "ok" on success.
  PollingRequestResult on_poll_data(std::string_view engine_session_id, std::string_view payload, std::int64_t now_ms);
  // Whether a WebSocket with this sid may probe an upgrade (checked before the handshake).
  PollingRequestResult check_upgrade(std::string_view engine_session_id) const;
  // The probing WebSocket is open; its frames come in through on_text_frame.
  PollingRequestResult on_upgrade_started(std::string_view engine_session_id, std::int64_t now_ms);
  bool is_polling(SessionId session) const;
  // A binary frame: this server expects no binary attachments, so it is a protocol error.
  void on_binary_frame(SessionId session, std::size_t size_bytes, std::int64_t now_ms);
  // The session's WebSocket is gone (closed by the peer, by a network error, or after
  // CloseSession). For a session still on polling it is the upgrade probe: the upgrade is
  // abandoned and the session stays on polling.
  void on_session_closed(SessionId session, std::int64_t now_ms);
  // The shell has written everything queued for this session; catch-up continues.
  void on_output_drained(SessionId session, std::int64_t now_ms);
  // Deadlines (heartbeats, connect timeouts) that are due at `now_ms`.
  void on_timer(std::int64_t now_ms);

  // The group in flight is durable (or failed): releases the acknowledgements and broadcasts
  // held for it (or logs the failure; nothing of it is acknowledged), then requests the next
  // group if messages arrived meanwhile.
  void on_commit_completed(const CommitCompletion& completion, std::int64_t now_ms);
  bool has_pending_commit() const { return in_flight_.has_value() || !pending_.empty(); }

  // shared_log only. Entries read from the shared log, in log order (ids increasing, after
  // committed_head_id()), already readable through the core's MessageReader: advances the
  // committed head and broadcasts them.
  void on_log_entries(const std::vector<StoredMessage>& entries, std::int64_t now_ms);
  // shared_log only. Ids after_id+1 .. next_id-1 were trimmed from the log before this node
  // read them: it cannot serve them to anyone, and says so in its log.
  void on_log_gap(std::int64_t after_id, std::int64_t next_id, std::int64_t now_ms);
  // shared_log with recovery: the answer to TakeLostSocket. The session's CONNECT then
  // recovers the socket or, failing that, connects fresh with its catch-up.
  void on_lost_socket_found(SessionId session, const std::optional<DisconnectedSocket>& socket, std::int64_t now_ms);
  // The highest id this core knows to be durable: what catch-up reads up to.
  std::int64_t committed_head_id() const { return committed_head_id_; }

  std::vector<Action> take_actions();
  // Hands a taken vector back once its actions are carried out, so the next input's actions
  // fill its capacity instead of growing a new vector (a commit group's broadcasts are
  // thousands of actions).
  void give_back_actions(std::vector<Action>&& carried_out);
  std::optional<std::int64_t> next_deadline_ms() const;

  std::size_t session_count() const { return sessions_.size(); }
  const ServerConfig& config() const { return config_; }

 private:
  enum class SocketState { awaiting_connect, connected };
  enum class UpgradeState { none, probe_open, probed };
  // waiting_for_pace: tutorial delivery only, the next rows wait for catch_up_resume_ms.
  enum class CatchUpState { none, running, waiting_for_drain, waiting_for_pace };

  struct Session {
    SessionId id = 0;
    std::string engine_session_id;
    protocol::engineio::Transport transport = protocol::engineio::Transport::websocket;
    std::string socket_id;
    std::string private_id;  // the recovery "pid"; empty when recovery is off
    std::int64_t last_sent_id = 0;  // the highest message id sent on this socket
    // Long-polling only.
    PollingOutbox outbox{0};
    bool poll_pending = false;
    UpgradeState upgrade = UpgradeState::none;
    std::int64_t upgrade_deadline_ms = 0;
    SocketState socket_state = SocketState::awaiting_connect;
    std::int64_t connect_deadline_ms = 0;
    std::int64_t next_ping_ms = 0;
    std::optional<std::int64_t> pong_deadline_ms;
    // Delivery: the highest id this session has been sent (strict) or the catch-up cursor.
    std::int64_t catch_up_cursor_id = 0;
    CatchUpState catch_up = CatchUpState::none;
    std::optional<std::int64_t> catch_up_resume_ms;  // waiting_for_pace: when the next rows go
    bool receives_live_broadcasts = false;
    // shared_log with recovery: a CONNECT waiting for the cluster's lost-socket table.
    struct RecoveryLookup {
      std::string private_id;
      std::string offset;           // the recovery offset the client sent
      std::int64_t server_offset = 0;  // for the catch-up if the socket is not recovered
    };
    std::optional<RecoveryLookup> recovery_lookup;
  };

  // A chat message waiting for its group to be durable, and the ack that waits with it.
  struct HeldAck {
    SessionId session = 0;
    std::uint64_t ack_id = 0;
  };
  struct PendingMessage {
    PendingWrite write;
    std::optional<HeldAck> ack;
  };
  struct InFlightGroup {
    std::uint64_t group = 0;
    std::vector<PendingMessage> messages;
  };
  struct HeldBroadcast {
    std::int64_t id = 0;
    std::string content;
  };

  // Why a session ends decides whether its socket can be recovered later.
  enum class Recoverable { no, yes };

  void handle_engine_packet(Session& session, const protocol::engineio::Packet& packet, std::int64_t now_ms);
  void handle_text_packet(Session& session, std::string_view text, std::int64_t now_ms);
  void handle_upgrade_packet(Session& session, std::string_view text);
  bool try_recover(Session& session, const nlohmann::json& auth, std::int64_t server_offset, std::int64_t now_ms);
  // Sends the recovered socket its CONNECT reply and the buffered events it missed.
  void recover(Session& session, const RecoveryGrant& grant, const std::string& private_id);
  // A new socket: the CONNECT reply, then the catch-up from `server_offset`.
  void connect_fresh(Session& session, std::int64_t server_offset);
  void send_chat_event(Session& session, std::int64_t id, const std::string& content);
  // The chat event as an Engine.IO message packet, ready for any session.
  std::string chat_event_packet(const std::string& content, std::int64_t id) const;
  void queue_for_poll(Session& session, std::string packet);
  // Runs at the end of every input: answers pending GETs that have packets now, and closes
  // polling sessions whose outbox overflowed (not mid-walk over sessions_).
  void finish_input(std::int64_t now_ms);
  void handle_socket_packet(Session& session, std::string_view text, std::int64_t now_ms);
  void handle_connect(Session& session, const std::optional<nlohmann::json>& auth, std::int64_t now_ms);
  void handle_chat_message(Session& session, const nlohmann::json& arguments, std::optional<std::uint64_t> ack_id);
  // Emits the pending group as a CommitRequest when none is in flight.
  void request_commit();
  void continue_catch_up(Session& session);
  void broadcast(const HeldBroadcast& message, std::int64_t now_ms);
  void send_socket_packet(SessionId session, std::string socket_packet);
  void send_engine_packet(SessionId session, protocol::engineio::PacketType type, std::string_view data = {});
  // `engine_packet` is an encoded Engine.IO packet: queued for a poll or sent on the WebSocket.
  void send_encoded_engine_packet(SessionId session, std::string engine_packet);
  void protocol_error(Session& session, std::string_view what);
  void close_session(Session& session, std::string reason, Recoverable recoverable = Recoverable::no,
                     std::int64_t now_ms = 0);
  // Drops the session's state; a recoverable end leaves its socket for a later recovery.
  void forget_session(Session& session, Recoverable recoverable, std::int64_t now_ms);
  Session* find_by_engine_id(std::string_view engine_session_id);
  const Session* find_by_engine_id(std::string_view engine_session_id) const;
  std::string random_id();
  // Also marks the session for re-indexing: whoever reaches a session this way may change
  // its deadlines.
  Session* find(SessionId session);

  // The deadline index: each session's earliest deadline, so that next_deadline_ms() and
  // on_timer() do not visit every session. The host asks for the next deadline after every
  // input; with 5,000 heartbeating connections a scan of all sessions per input (and per
  // timer) cost more than the inputs themselves (scripts/soak.sh measured a p50 of 0.9 s).
  // A session is re-indexed when it was reached through find() or handled by on_timer();
  // sessions are changed no other way (broadcast() changes no deadline).
  static std::optional<std::int64_t> session_deadline_ms(const Session& session);
  // The walk the deadline index replaces, for the sanitized builds' check of the index.
  std::optional<std::int64_t> earliest_deadline_of_every_session() const;
  void refresh_deadline_index() const;
  mutable std::set<SessionId> deadline_dirty_;
  mutable std::map<SessionId, std::int64_t> indexed_deadline_ms_;
  mutable std::set<std::pair<std::int64_t, SessionId>> deadline_index_;

  ServerConfig config_;
  MessageReader& store_;
  RandomBytesSource random_bytes_;
  std::map<SessionId, Session> sessions_;  // ordered: iteration order must not depend on hashing
  std::map<std::string, SessionId, std::less<>> sessions_by_engine_id_;
  std::optional<ConnectionStateRecovery> recovery_;  // present when config_.recovery_enabled
  std::set<SessionId> polls_to_answer_;
  std::set<SessionId> overflowed_outboxes_;
  // Paced catch-ups (tutorial) whose next batch finish_input gives a resume time.
  std::vector<SessionId> paced_catch_ups_to_stamp_;
  // Chat messages for the next group, and the group whose commit is in flight.
  // Bounded: past this many, new messages are refused until the commit in flight completes.
  static constexpr std::size_t pending_messages_max = 100'000;
  std::vector<PendingMessage> pending_;
  std::optional<InFlightGroup> in_flight_;
  std::uint64_t last_group_ = 0;
  std::int64_t committed_head_id_ = 0;
  std::vector<Action> actions_;
  // shared_log with tutorial delivery: ids this node broadcast at their commit, not again when
  // it reads them from the log; each leaves when the log reaches it.
  std::set<std::int64_t> broadcast_before_log_;
  // Chat messages without a client_offset received so far (PlantedBug::drop_every_10th_plain).
  std::int64_t plain_messages_received_ = 0;
};

}  // namespace resync::server

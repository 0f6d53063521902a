#include "server/core/chat_server_core.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "common/invariant.hpp"
#include "protocol/socketio_packet.hpp"
#include "protocol/utf8.hpp"

namespace resync::server {

namespace engineio = protocol::engineio;
namespace socketio = protocol::socketio;

namespace {

constexpr std::int64_t server_offset_max = (std::int64_t{1} << 53) - 1;  // what a JS number holds exactly
constexpr std::string_view shared_log_offset_tag = "log";

// Reads auth.serverOffset the way the tutorial's `serverOffset || 0` does for good input,
// but refuses what is not an offset instead of silently catching up from the wrong place.
protocol::ParseResult<std::int64_t> parse_server_offset(const std::optional<nlohmann::json>& auth) {
  using Result = protocol::ParseResult<std::int64_t>;
  if (!auth) return Result::success(0);
  const auto field = auth->find("serverOffset");
  if (field == auth->end() || field->is_null()) return Result::success(0);
  const std::string expected = "auth.serverOffset must be a non-negative integer up to 2^53-1 (the id of the last "
                               "message received, or 0), got ";
  if (field->is_number_unsigned() || field->is_number_integer()) {
    if (field->is_number_unsigned() ? field->get<std::uint64_t>() > static_cast<std::uint64_t>(server_offset_max)
                                    : (field->get<std::int64_t>() < 0 || field->get<std::int64_t>() > server_offset_max)) {
      return Result::failure(expected + field->dump());
    }
    return Result::success(field->get<std::int64_t>());
  }
  if (field->is_string()) {
    // The tutorial's SQL comparison accepts a numeric string; so do we.
    const std::string& text = field->get_ref<const std::string&>();
    if (text.empty() || text.size() > 16 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Result::failure(expected + field->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    const std::int64_t value = std::stoll(text);
    if (value > server_offset_max) return Result::failure(expected + field->dump());
    return Result::success(value);
  }
  return Result::failure(expected + field->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

ChatServerCore::ChatServerCore(ServerConfig config, MessageReader& store)
    : config_(std::move(config)),
      store_(store),
      random_bytes_(config_.random_bytes ? config_.random_bytes : RandomBytesSource(SeededRandomBytes(config_.seed))),
      committed_head_id_(store_.last_committed_id()) {
  if (config_.recovery_enabled) {
    // Events committed before this run are not buffered: a client offset from before a
    // restart cannot be recovered, and its database catch-up fills the gap.
    // A cluster's offsets name positions in its one shared log, the same on every node, so a
    // client can recover on any node; a single server's name positions of this run only.
    recovery_.emplace(config_.recovery, config_.shared_log ? std::string(shared_log_offset_tag) : random_id(),
                      committed_head_id_);
  }
}

ChatServerCore::Session* ChatServerCore::find(SessionId session) {
  const auto found = sessions_.find(session);
  if (found == sessions_.end()) return nullptr;
  deadline_dirty_.insert(session);
  return &found->second;
}

std::optional<std::int64_t> ChatServerCore::session_deadline_ms(const Session& session) {
  std::optional<std::int64_t> earliest;
  const auto consider = [&earliest](std::int64_t deadline) {
    if (!earliest || deadline < *earliest) earliest = deadline;
  };
  if (session.socket_state == SocketState::awaiting_connect) consider(session.connect_deadline_ms);
  consider(session.pong_deadline_ms ? *session.pong_deadline_ms : session.next_ping_ms);
  if (session.upgrade != UpgradeState::none) consider(session.upgrade_deadline_ms);
  if (session.catch_up == CatchUpState::waiting_for_pace && session.catch_up_resume_ms) {
    consider(*session.catch_up_resume_ms);
  }
  return earliest;
}

void ChatServerCore::refresh_deadline_index() const {
  for (const SessionId id : deadline_dirty_) {
    if (const auto indexed = indexed_deadline_ms_.find(id); indexed != indexed_deadline_ms_.end()) {
      deadline_index_.erase({indexed->second, id});
      indexed_deadline_ms_.erase(indexed);
    }
    const auto found = sessions_.find(id);
    if (found == sessions_.end()) continue;  // forgotten
    if (const auto deadline = session_deadline_ms(found->second)) {
      indexed_deadline_ms_.emplace(id, *deadline);
      deadline_index_.emplace(*deadline, id);
    }
  }
  deadline_dirty_.clear();
}

ChatServerCore::Session* ChatServerCore::find_by_engine_id(std::string_view engine_session_id) {
  const auto found = sessions_by_engine_id_.find(engine_session_id);
  if (found == sessions_by_engine_id_.end()) return nullptr;  // an id the client made up or kept too long
  Session* session = find(found->second);
  RESYNC_ASSERT(session != nullptr, "forget_session removes a session from both tables");
  return session;
}

const ChatServerCore::Session* ChatServerCore::find_by_engine_id(std::string_view engine_session_id) const {
  const auto found = sessions_by_engine_id_.find(engine_session_id);
  if (found == sessions_by_engine_id_.end()) return nullptr;
  const auto session = sessions_.find(found->second);
  RESYNC_ASSERT(session != sessions_.end(), "forget_session removes a session from both tables");
  return &session->second;
}

bool ChatServerCore::is_polling(SessionId session) const {
  const auto found = sessions_.find(session);
  return found != sessions_.end() && found->second.transport == engineio::Transport::polling;
}

std::string ChatServerCore::chat_event_packet(const std::string& content, std::int64_t id) const {
  std::string packet = engineio::encode_packet(engineio::PacketType::message);
  // socket.io appends the recovery offset as the last argument of every recoverable event;
  // the tutorial's handler (msg, serverOffset) reads the first two and is unaffected.
  std::optional<std::string> recovery_offset;
  if (recovery_) recovery_offset = recovery_->offset_of(id);
  // Written without a JSON tree: a catch-up encodes one event per row.
  socketio::append_chat_event(packet, config_.chat_event_name, content, id, recovery_offset);
  return packet;
}

void ChatServerCore::send_chat_event(Session& session, std::int64_t id, const std::string& content) {
  send_encoded_engine_packet(session.id, chat_event_packet(content, id));
  session.last_sent_id = std::max(session.last_sent_id, id);
}

std::string ChatServerCore::random_id() {
  std::array<std::uint8_t, random_id_bytes> bytes{};
  random_bytes_(bytes);
  return encode_base64url(bytes);
}

void ChatServerCore::on_session_opened(SessionId session_id, const engineio::HandshakeQuery& query,
                                       std::int64_t now_ms) {
  Session session;
  session.id = session_id;
  session.engine_session_id = random_id();
  session.transport = query.transport;
  session.outbox = PollingOutbox(config_.polling_queue_bytes_max);
  // The handshake GET of a polling session waits for its answer like any later GET.
  session.poll_pending = query.transport == engineio::Transport::polling;
  session.connect_deadline_ms = now_ms + config_.connect_timeout_ms;
  session.next_ping_ms = now_ms + config_.ping_interval_ms;
  sessions_by_engine_id_[session.engine_session_id] = session_id;
  sessions_[session_id] = std::move(session);
  deadline_dirty_.insert(session_id);
  engineio::OpenPacket open;
  open.session_id = sessions_[session_id].engine_session_id;
  if (query.transport == engineio::Transport::polling) open.upgrades = {"websocket"};
  open.ping_interval_ms = config_.ping_interval_ms;
  open.ping_timeout_ms = config_.ping_timeout_ms;
  open.payload_bytes_max = config_.payload_bytes_max;
  send_engine_packet(session_id, engineio::PacketType::open,
                     std::string_view(engineio::encode_open_packet(open)).substr(1));
  finish_input(now_ms);
}

void ChatServerCore::on_text_frame(SessionId session_id, std::string_view text, std::int64_t now_ms) {
  Session* session = find(session_id);
  if (!session) return;  // already closed by us; the shell may still deliver a late frame
  if (session->transport == engineio::Transport::polling) {
    handle_upgrade_packet(*session, text);
  } else {
    handle_text_packet(*session, text, now_ms);
  }
  finish_input(now_ms);
}

void ChatServerCore::handle_text_packet(Session& session, std::string_view text, std::int64_t now_ms) {
  if (static_cast<std::int64_t>(text.size()) > config_.payload_bytes_max) {
    return protocol_error(session, "frame of " + std::to_string(text.size()) + " bytes exceeds maxPayload " +
                                       std::to_string(config_.payload_bytes_max));
  }
  if (!protocol::is_valid_utf8(text)) return protocol_error(session, "text frame is not valid UTF-8");
  const auto packet = engineio::parse_packet(text);
  if (!packet) return protocol_error(session, packet.error());
  handle_engine_packet(session, packet.value(), now_ms);
}

void ChatServerCore::on_binary_frame(SessionId session_id, std::size_t size_bytes, std::int64_t now_ms) {
  if (Session* session = find(session_id)) {
    protocol_error(*session, "binary frame of " + std::to_string(size_bytes) +
                                 " bytes: this server accepts text frames only (no binary attachments)");
  }
  finish_input(now_ms);
}

void ChatServerCore::on_session_closed(SessionId session_id, std::int64_t now_ms) {
  Session* session = find(session_id);
  if (!session) return;
  if (session->transport == engineio::Transport::polling) {
    // The probing WebSocket went away: the client keeps polling (engine.io-client resumes
    // polling when a probe fails), so only the upgrade ends.
    session->upgrade = UpgradeState::none;
    return finish_input(now_ms);
  }
  // A transport that closed or failed under a connected socket: socket.io's "transport
  // close" / "transport error", both recoverable.
  forget_session(*session, Recoverable::yes, now_ms);
  finish_input(now_ms);
}

void ChatServerCore::on_output_drained(SessionId session_id, std::int64_t now_ms) {
  Session* session = find(session_id);
  if (session && session->catch_up == CatchUpState::waiting_for_drain &&
      session->transport == engineio::Transport::websocket) {
    continue_catch_up(*session);
  }
  finish_input(now_ms);
}

void ChatServerCore::handle_engine_packet(Session& session, const engineio::Packet& packet, std::int64_t now_ms) {
  switch (packet.type) {
    case engineio::PacketType::pong:
      session.pong_deadline_ms.reset();
      // Engine.IO v4 schedules the next ping one interval after the pong.
      session.next_ping_ms = now_ms + config_.ping_interval_ms;
      return;
    case engineio::PacketType::ping:
      // Only an upgrade probe ("2probe") or an old client pings; answering is harmless.
      return send_engine_packet(session.id, engineio::PacketType::pong, packet.data);
    case engineio::PacketType::message:
      return handle_socket_packet(session, packet.data, now_ms);
    case engineio::PacketType::close:
      // engine.io's polling transport ends a GET still held with a noop when the client
      // closes (Polling.onClose); the close packet (the shell's answer to a close the
      // server starts) is for closes the client did not ask for.
      if (session.transport == engineio::Transport::polling && session.poll_pending) {
        session.poll_pending = false;
        actions_.push_back(AnswerPoll{session.id, engineio::encode_packet(engineio::PacketType::noop)});
      }
      // engine.io reports this as "transport close", which socket.io may recover.
      return close_session(session, "client sent an Engine.IO close packet", Recoverable::yes, now_ms);
    case engineio::PacketType::noop:
    case engineio::PacketType::upgrade:
      return;
    case engineio::PacketType::open:
      return protocol_error(session, "client sent an Engine.IO open packet (only the server opens)");
  }
}

void ChatServerCore::handle_socket_packet(Session& session, std::string_view text, std::int64_t now_ms) {
  auto parsed = socketio::parse_packet(text);
  if (!parsed) return protocol_error(session, "bad Socket.IO packet: " + parsed.error());
  const socketio::Packet& packet = parsed.value();

  if (packet.namespace_name != "/") {
    // Only "/" exists. socket.io answers a CONNECT to any other namespace with CONNECT_ERROR
    // and ignores other packets for namespaces the client has not joined.
    if (packet.type == socketio::PacketType::connect) {
      send_socket_packet(session.id, socketio::encode_connect_error(packet.namespace_name, "Invalid namespace"));
    }
    return;
  }

  switch (packet.type) {
    case socketio::PacketType::connect:
      if (session.socket_state == SocketState::connected) return;  // already connected: nothing to redo
      return handle_connect(session, packet.payload, now_ms);
    case socketio::PacketType::disconnect:
      session.socket_state = SocketState::awaiting_connect;
      session.catch_up = CatchUpState::none;
      session.receives_live_broadcasts = false;
      session.connect_deadline_ms = now_ms + config_.connect_timeout_ms;
      return;
    case socketio::PacketType::event: {
      if (session.socket_state != SocketState::connected) return;  // socket.io ignores these too
      if (socketio::event_name(packet).value() != config_.chat_event_name) return;
      return handle_chat_message(session, *packet.payload, packet.ack_id);
    }
    case socketio::PacketType::ack:
      return;  // this server never asks clients for acknowledgements
    case socketio::PacketType::binary_event:
    case socketio::PacketType::binary_ack:
      return protocol_error(session, "binary Socket.IO packets are not supported by this server");
    case socketio::PacketType::connect_error:
      return protocol_error(session, "client sent CONNECT_ERROR (only the server sends it)");
  }
}

void ChatServerCore::handle_connect(Session& session, const std::optional<nlohmann::json>& auth, std::int64_t now_ms) {
  const auto offset = parse_server_offset(auth);
  if (!offset) {
    // A CONNECT_ERROR leaves the Engine.IO session open; the client decides what to do.
    send_socket_packet(session.id, socketio::encode_connect_error("/", offset.error()));
    return;
  }
  if (session.recovery_lookup) return;  // a CONNECT already waits for the cluster's lost-socket table
  if (recovery_ && auth && try_recover(session, *auth, offset.value(), now_ms)) return;
  connect_fresh(session, offset.value());
}

void ChatServerCore::connect_fresh(Session& session, std::int64_t server_offset) {
  session.socket_id = random_id();
  session.socket_state = SocketState::connected;
  std::optional<std::string_view> private_id;
  if (recovery_) {
    session.private_id = random_id();
    private_id = session.private_id;
  }
  send_socket_packet(session.id, socketio::encode_connect_reply(session.socket_id, private_id));

  // An offset beyond the committed head (the database was reset, or the client is confused)
  // has nothing to catch up; clamping keeps the ids stored from now on flowing to it. Not on
  // a cluster node: there the offset is usually only ahead of what the node has read of the
  // log so far (it started a moment ago and is still reading), and the ids up to it must not
  // be sent again; the entries after it arrive as the node reads them.
  session.catch_up_cursor_id = config_.shared_log ? server_offset : std::min(server_offset, committed_head_id_);
  // The client claims everything up to its offset, so a recovery offset up to it is plausible.
  session.last_sent_id = session.catch_up_cursor_id;
  session.catch_up = CatchUpState::running;
  // strict: live broadcasts wait until the catch-up has reached the committed head, so
  // every id goes out once and in order. tutorial: live broadcasts start at once and race
  // the catch-up, as in the tutorial's Node server.
  session.receives_live_broadcasts = config_.delivery == DeliveryMode::tutorial;
  continue_catch_up(session);
}

void ChatServerCore::continue_catch_up(Session& session) {
  const bool paced = config_.delivery == DeliveryMode::tutorial;
  const std::size_t batch_rows_max = paced ? config_.tutorial_catch_up_rows_per_ms : config_.catch_up_batch_rows_max;
  std::vector<StoredMessage> rows;
  try {
    rows = store_.read_range(session.catch_up_cursor_id, committed_head_id_, batch_rows_max);
  } catch (const StorageError& error) {
    actions_.push_back(LogLine{LogLine::Level::error, std::string("catch-up read failed: ") + error.what()});
    return close_session(session, "catch-up read failed");  // the client reconnects from its offset
  }
  for (const StoredMessage& row : rows) {
    send_chat_event(session, row.id, row.content);
    session.catch_up_cursor_id = row.id;
  }
  if (rows.size() < batch_rows_max) {
    session.catch_up = CatchUpState::none;
    session.receives_live_broadcasts = true;
  } else if (paced) {
    // The resume time is stamped when this input finishes (finish_input knows the time).
    session.catch_up = CatchUpState::waiting_for_pace;
    session.catch_up_resume_ms.reset();
    paced_catch_ups_to_stamp_.push_back(session.id);
  } else {
    // Continue once this batch is written: a slow reader slows its own catch-up only.
    session.catch_up = CatchUpState::waiting_for_drain;
  }
}

void ChatServerCore::handle_chat_message(Session& session, const nlohmann::json& arguments,
                                         std::optional<std::uint64_t> ack_id) {
  if (arguments.size() < 2 || !arguments[1].is_string()) {
    actions_.push_back(LogLine{LogLine::Level::warning,
                               "session " + std::to_string(session.id) + ": \"" + config_.chat_event_name +
                                   "\" without a string message; ignored (expected [\"" + config_.chat_event_name +
                                   "\", text, clientOffset?])"});
    return;
  }
  std::optional<std::string> client_offset;
  if (arguments.size() > 2 && !arguments[2].is_null()) {
    if (arguments[2].is_string()) {
      client_offset = arguments[2].get<std::string>();
    } else if (arguments[2].is_number_integer()) {
      client_offset = arguments[2].dump();
    } else {
      actions_.push_back(LogLine{LogLine::Level::warning, "session " + std::to_string(session.id) +
                                                              ": clientOffset must be a string or an integer; message ignored"});
      return;
    }
  }
  if (!client_offset && config_.planted_bug == PlantedBug::drop_every_10th_plain &&
      ++plain_messages_received_ % planted_drop_every_nth_plain == 0) {
    return;  // planted: gone without a trace, the loss the checker must report
  }
  if (pending_.size() >= pending_messages_max) {
    // Only when the store has not finished one fsync while this many messages arrived: refuse
    // rather than grow without bound. Unacknowledged, so a client with acks retries it.
    actions_.push_back(LogLine{LogLine::Level::error, "session " + std::to_string(session.id) + ": " +
                                                          std::to_string(pending_messages_max) +
                                                          " messages already wait for the commit in flight; message refused"});
    return;
  }
  PendingMessage message{PendingWrite{arguments[1].get<std::string>(), client_offset}, std::nullopt};
  if (ack_id && config_.planted_bug == PlantedBug::ack_before_insert) {
    // Planted: the promise goes out before the write and nothing waits for its outcome, so a
    // storage failure (or a crash before the commit) leaves an acknowledged message unstored.
    send_socket_packet(session.id, socketio::encode_ack(*ack_id));
  } else if (ack_id) {
    message.ack = HeldAck{session.id, *ack_id};
  }
  pending_.push_back(std::move(message));
}

void ChatServerCore::request_commit() {
  if (in_flight_ || pending_.empty()) return;
  InFlightGroup group{++last_group_, std::exchange(pending_, {})};
  CommitRequest request{group.group, {}};
  request.writes.reserve(group.messages.size());
  for (PendingMessage& message : group.messages) {
    request.writes.push_back(message.write);
    if (message.ack && config_.planted_bug == PlantedBug::ack_before_commit) {
      // Planted: acknowledged as the write goes into the transaction, before it commits.
      send_socket_packet(message.ack->session, socketio::encode_ack(message.ack->ack_id));
      message.ack.reset();
    }
  }
  in_flight_ = std::move(group);
  actions_.push_back(std::move(request));
}

void ChatServerCore::on_commit_completed(const CommitCompletion& completion, std::int64_t now_ms) {
  RESYNC_ASSERT(in_flight_ && in_flight_->group == completion.group,
                "a commit completion answers the group in flight");
  InFlightGroup group = std::move(*in_flight_);
  in_flight_.reset();
  if (completion.commit_duration_ms >= slow_commit_warning_ms) {
    actions_.push_back(LogLine{LogLine::Level::warning,
                               "commit of " + std::to_string(group.messages.size()) + " messages took " +
                                   std::to_string(completion.commit_duration_ms) +
                                   " ms: the disk is slow or another process holds the database's write lock "
                                   "(acknowledgements wait for the commit)"});
  }
  if (completion.error) {
    // Nothing of the group is acknowledged: senders with acks retry, and the rest were never
    // promised anything.
    actions_.push_back(LogLine{LogLine::Level::error, "commit of " + std::to_string(group.messages.size()) +
                                                          " messages failed; nothing acknowledged: " + *completion.error});
  } else {
    RESYNC_ASSERT(completion.results.size() == group.messages.size(), "a durable group has one result per write");
    // A single server's commit is its log; a cluster node's commits reach the committed head
    // (and, strict, its clients) as the node reads the shared log.
    if (!config_.shared_log) {
      for (const InsertResult& result : completion.results) {
        if (result.outcome == InsertOutcome::inserted) committed_head_id_ = std::max(committed_head_id_, result.id);
      }
    }
    const bool broadcasts_at_commit = !config_.shared_log || config_.delivery == DeliveryMode::tutorial;
    for (std::size_t index = 0; index < group.messages.size(); ++index) {
      PendingMessage& message = group.messages[index];
      const InsertResult& result = completion.results[index];
      if (result.outcome == InsertOutcome::inserted && broadcasts_at_commit &&
          !(config_.shared_log && result.id <= committed_head_id_)) {
        if (config_.shared_log) broadcast_before_log_.insert(result.id);
        broadcast(HeldBroadcast{result.id, std::move(message.write.content)}, now_ms);
      }
      if (!message.ack) continue;
      const Session* session = find(message.ack->session);
      if (session && session->socket_state == SocketState::connected) {
        send_socket_packet(message.ack->session, socketio::encode_ack(message.ack->ack_id));
      }
    }
  }
  finish_input(now_ms);
}

void ChatServerCore::on_log_entries(const std::vector<StoredMessage>& entries, std::int64_t now_ms) {
  RESYNC_ASSERT(config_.shared_log, "log entries reach a core that reads a shared log");
  for (const StoredMessage& entry : entries) {
    RESYNC_ASSERT(entry.id > committed_head_id_, "the shared log's entries arrive in increasing id order");
    committed_head_id_ = entry.id;
    if (broadcast_before_log_.erase(entry.id) > 0) {
      // tutorial: sent at its commit; buffered for recovery only now, in log order.
      if (recovery_) recovery_->record_event(entry.id, entry.content, now_ms);
      continue;
    }
    broadcast(HeldBroadcast{entry.id, entry.content}, now_ms);
  }
  // A commit whose entry the log skipped (a gap) must not keep its id here for ever.
  broadcast_before_log_.erase(broadcast_before_log_.begin(), broadcast_before_log_.upper_bound(committed_head_id_));
  finish_input(now_ms);
}

void ChatServerCore::on_log_gap(std::int64_t after_id, std::int64_t next_id, std::int64_t now_ms) {
  RESYNC_ASSERT(config_.shared_log, "a log gap reaches a core that reads a shared log");
  actions_.push_back(LogLine{LogLine::Level::error,
                             "the shared log was trimmed past ids " + std::to_string(after_id + 1) + ".." +
                                 std::to_string(next_id - 1) +
                                 " before this node read them: it cannot send them to any client (a client that "
                                 "missed them keeps the gap)"});
  finish_input(now_ms);
}

void ChatServerCore::broadcast(const HeldBroadcast& message, std::int64_t now_ms) {
  // Buffered before it is sent, in commit order: the buffer then holds every committed id
  // after its start, which is what makes a replay from an offset exactly-once. A cluster
  // node's tutorial broadcast at its own commit comes before the log's order is known: it is
  // buffered when the node reads it from the log.
  const bool ahead_of_the_log = config_.shared_log && broadcast_before_log_.count(message.id) > 0;
  if (recovery_ && !ahead_of_the_log) recovery_->record_event(message.id, message.content, now_ms);
  BroadcastPacket packet{{}, chat_event_packet(message.content, message.id)};
  for (auto& [id, session] : sessions_) {
    if (session.socket_state != SocketState::connected || !session.receives_live_broadcasts) continue;
    if (config_.delivery == DeliveryMode::strict) {
      if (message.id <= session.catch_up_cursor_id) continue;  // already sent by the catch-up
      session.catch_up_cursor_id = message.id;
    }
    session.last_sent_id = std::max(session.last_sent_id, message.id);
    if (session.transport == engineio::Transport::polling) {
      queue_for_poll(session, packet.text);
    } else {
      packet.sessions.push_back(id);
    }
  }
  if (!packet.sessions.empty()) actions_.push_back(std::move(packet));
}

void ChatServerCore::on_timer(std::int64_t now_ms) {
  std::vector<std::pair<SessionId, std::string>> to_close;
  // Only sessions with a deadline due, in session order as a walk over every session would
  // take them (a session with nothing due is left as it is by the body below).
  refresh_deadline_index();
  std::vector<SessionId> due;
  for (auto entry = deadline_index_.begin(); entry != deadline_index_.end() && entry->first <= now_ms; ++entry) {
    due.push_back(entry->second);
  }
  std::sort(due.begin(), due.end());
  for (const SessionId id : due) {
    Session* found = find(id);  // marks it for re-indexing: the body changes its deadlines
    if (found == nullptr) continue;
    Session& session = *found;
    if (session.catch_up == CatchUpState::waiting_for_pace && session.catch_up_resume_ms &&
        now_ms >= *session.catch_up_resume_ms) {
      continue_catch_up(session);
    }
    if (session.socket_state == SocketState::awaiting_connect && now_ms >= session.connect_deadline_ms) {
      to_close.emplace_back(id, "no Socket.IO CONNECT within " + std::to_string(config_.connect_timeout_ms) + " ms");
    } else if (session.pong_deadline_ms && now_ms >= *session.pong_deadline_ms) {
      to_close.emplace_back(id, "ping timeout");
    } else if (session.upgrade != UpgradeState::none && now_ms >= session.upgrade_deadline_ms) {
      // Only the probe goes; the session stays on polling (engine.io's upgradeTimeout).
      session.upgrade = UpgradeState::none;
      actions_.push_back(AbandonUpgrade{id});
    } else if (!session.pong_deadline_ms && now_ms >= session.next_ping_ms) {
      send_engine_packet(id, engineio::PacketType::ping);
      session.pong_deadline_ms = now_ms + config_.ping_timeout_ms;
    }
  }
  for (auto& [id, reason] : to_close) {
    // A ping timeout is a lost transport, which socket.io may recover; a missing CONNECT is not.
    const Recoverable recoverable = reason == "ping timeout" ? Recoverable::yes : Recoverable::no;
    Session* session = find(id);
    // Closing one session forgets only that one, so every session collected above still exists.
    RESYNC_ASSERT(session != nullptr, "a session due to close is still in the table");
    close_session(*session, std::move(reason), recoverable, now_ms);
  }
  finish_input(now_ms);
}

std::optional<std::int64_t> ChatServerCore::next_deadline_ms() const {
  refresh_deadline_index();
  const std::optional<std::int64_t> indexed =
      deadline_index_.empty() ? std::nullopt : std::optional<std::int64_t>(deadline_index_.begin()->first);
  // The index is only as good as the marks find() leaves: a session whose deadlines changed
  // without passing through find() would keep a stale entry. The sanitized builds recount.
  RESYNC_ASSERT_EXPENSIVE(indexed == earliest_deadline_of_every_session(),
                          "the deadline index agrees with a walk over every session");
  return indexed;
}

std::optional<std::int64_t> ChatServerCore::earliest_deadline_of_every_session() const {
  std::optional<std::int64_t> earliest;
  for (const auto& [id, session] : sessions_) {
    const std::optional<std::int64_t> deadline = session_deadline_ms(session);
    if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
  }
  return earliest;
}

std::vector<Action> ChatServerCore::take_actions() {
  std::vector<Action> taken;
  taken.swap(actions_);
  return taken;
}

void ChatServerCore::give_back_actions(std::vector<Action>&& carried_out) {
  // Only into an empty table: actions of a nested input (a close reported from inside a
  // close) may already wait there.
  if (!actions_.empty() || carried_out.capacity() <= actions_.capacity()) return;
  carried_out.clear();
  actions_.swap(carried_out);
}

void ChatServerCore::send_socket_packet(SessionId session, std::string socket_packet) {
  send_engine_packet(session, engineio::PacketType::message, socket_packet);
}

void ChatServerCore::send_engine_packet(SessionId session_id, engineio::PacketType type, std::string_view data) {
  send_encoded_engine_packet(session_id, engineio::encode_packet(type, data));
}

void ChatServerCore::send_encoded_engine_packet(SessionId session_id, std::string engine_packet) {
  Session* session = find(session_id);
  // The core writes only to sessions it knows: once forgotten, a session gets nothing more.
  RESYNC_ASSERT(session != nullptr, "a packet goes to a session in the table");
  if (session->transport == engineio::Transport::polling) {
    return queue_for_poll(*session, std::move(engine_packet));
  }
  actions_.push_back(SendPacket{session_id, std::move(engine_packet)});
}

void ChatServerCore::protocol_error(Session& session, std::string_view what) {
  actions_.push_back(LogLine{LogLine::Level::warning,
                             "session " + std::to_string(session.id) + ": protocol error by the client: " + std::string(what)});
  close_session(session, "protocol error: " + std::string(what));
}

void ChatServerCore::close_session(Session& session, std::string reason, Recoverable recoverable, std::int64_t now_ms) {
  actions_.push_back(CloseSession{session.id, std::move(reason)});
  forget_session(session, recoverable, now_ms);
}

void ChatServerCore::forget_session(Session& session, Recoverable recoverable, std::int64_t now_ms) {
  if (recovery_ && recoverable == Recoverable::yes && session.socket_state == SocketState::connected) {
    DisconnectedSocket socket{session.socket_id, session.last_sent_id, 0};
    if (config_.shared_log) {
      actions_.push_back(RememberLostSocket{session.private_id, std::move(socket), config_.recovery.window_ms});
    } else {
      recovery_->remember_disconnected(session.private_id, std::move(socket), now_ms);
    }
  }
  const SessionId session_id = session.id;
  sessions_by_engine_id_.erase(session.engine_session_id);
  polls_to_answer_.erase(session_id);
  overflowed_outboxes_.erase(session_id);
  sessions_.erase(session_id);
}

}  // namespace resync::server

#include "sim/client/chat_client.hpp"

#include "common/invariant.hpp"
#include "protocol/engineio_packet.hpp"
#include "protocol/socketio_packet.hpp"

namespace resync::sim {

namespace engineio = protocol::engineio;
namespace socketio = protocol::socketio;

ChatClient::ChatClient(ClientSpec spec, ClientProtocolNames names, std::uint64_t seed)
    : spec_(std::move(spec)),
      names_(std::move(names)),
      random_(seed),
      backoff_(spec_.reconnection.delay_ms, spec_.reconnection.delay_max_ms, spec_.reconnection.randomization_factor) {}

// ---- what the app does ----

void ChatClient::connect(std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ != State::idle) return;  // socket.connect() on a live socket does nothing
  attempt_ = 0;
  backoff_.reset();
  open_transport(now_ms);
}

void ChatClient::disconnect(std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ == State::idle) return;
  if (state_ == State::connected) send_engine(engineio::encode_packet(engineio::PacketType::message, "1"));
  if (state_ == State::connected || state_ == State::awaiting_socket_connect || state_ == State::opening) {
    actions_.push_back(CloseTransport{transport_});
  }
  // Acked emits fail with "socket has been disconnected"; a disconnect counts as one try.
  lose_transport("io client disconnect", now_ms);
  state_ = State::idle;
  reconnect_at_ms_.reset();
}

void ChatClient::start_from(std::int64_t offset) {
  start_offset_ = offset;
  server_offset_ = offset;
}

void ChatClient::reload(std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ == State::connected || state_ == State::awaiting_socket_connect || state_ == State::opening) {
    actions_.push_back(CloseTransport{transport_});
  }
  transport_ = 0;
  state_ = State::idle;
  reconnect_at_ms_.reset();
  open_deadline_ms_.reset();
  heartbeat_deadline_ms_.reset();
  abandon_pending_sends("reload");
  rendered_.clear();
  seen_ids_.clear();
  if (!spec_.keeps_offset_on_reload) server_offset_ = start_offset_;
  private_id_.reset();
  last_event_offset_.reset();
  receive_buffer_.clear();
  ++page_incarnation_;
  client_offset_counter_ = 0;
  record(history::ClientReloaded{{}, spec_.keeps_offset_on_reload ? std::optional<std::int64_t>(server_offset_) : std::nullopt});
  connect(now_ms);
}

void ChatClient::send(const std::string& content, std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (spec_.send_mode == SendMode::plain) {
    if (state_ == State::connected) {
      emit_plain(content);
    } else {
      plain_send_buffer_.push_back(content);  // socket.io-client's sendBuffer
    }
    return;
  }
  // The tutorial's client delivery: clientOffset = `${socket.id}-${counter++}`; a page
  // incarnation stands in for the socket id so offsets stay unique across reloads.
  QueuedSend queued;
  queued.content = content;
  queued.client_offset = spec_.name + "-" + (start_offset_ > 0 ? "s" + std::to_string(start_offset_) + "-" : std::string()) +
                         std::to_string(page_incarnation_) + "-" + std::to_string(client_offset_counter_++);
  acked_queue_.push_back(std::move(queued));
  drain_acked_queue(/*force=*/false, now_ms);
}

// ---- what the transport reports ----

void ChatClient::on_transport_open(TransportId transport, std::int64_t /*now_ms*/) {
  if (transport != transport_ || state_ != State::opening) return;
  // The Engine.IO open packet is the first frame; nothing to do until it arrives.
}

void ChatClient::on_text_frame(TransportId transport, std::string_view text, std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (transport != transport_ || transport_ == 0) return;  // a late frame from an old transport
  handle_engine_packet(text, now_ms);
}

void ChatClient::on_transport_closed(TransportId transport, std::string_view reason, std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (transport != transport_ || transport_ == 0) return;
  lose_transport(std::string(reason), now_ms);
  schedule_reconnect(now_ms);
}

void ChatClient::on_timer(std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ == State::waiting_to_reconnect && reconnect_at_ms_ && now_ms >= *reconnect_at_ms_) {
    reconnect_at_ms_.reset();
    open_transport(now_ms);
    return;
  }
  if (state_ == State::opening && open_deadline_ms_ && now_ms >= *open_deadline_ms_) {
    actions_.push_back(CloseTransport{transport_});
    lose_transport("timeout", now_ms);
    schedule_reconnect(now_ms);
    return;
  }
  if ((state_ == State::connected || state_ == State::awaiting_socket_connect) && heartbeat_deadline_ms_ &&
      now_ms >= *heartbeat_deadline_ms_) {
    actions_.push_back(CloseTransport{transport_});
    lose_transport("ping timeout", now_ms);
    schedule_reconnect(now_ms);
    return;
  }
  if (state_ == State::connected && !acked_queue_.empty() && acked_queue_.front().ack_deadline_ms &&
      now_ms >= *acked_queue_.front().ack_deadline_ms) {
    fail_in_flight_send();
    drain_acked_queue(/*force=*/true, now_ms);
  }
}

std::optional<std::int64_t> ChatClient::next_deadline_ms() const {
  std::optional<std::int64_t> earliest;
  const auto consider = [&earliest](const std::optional<std::int64_t>& deadline) {
    if (deadline && (!earliest || *deadline < *earliest)) earliest = deadline;
  };
  if (state_ == State::waiting_to_reconnect) consider(reconnect_at_ms_);
  if (state_ == State::opening) consider(open_deadline_ms_);
  if (state_ == State::connected || state_ == State::awaiting_socket_connect) consider(heartbeat_deadline_ms_);
  if (state_ == State::connected && !acked_queue_.empty()) consider(acked_queue_.front().ack_deadline_ms);
  return earliest;
}

std::vector<ClientAction> ChatClient::take_actions() {
  std::vector<ClientAction> taken;
  taken.swap(actions_);
  return taken;
}

// ---- internals ----

void ChatClient::open_transport(std::int64_t now_ms) {
  transport_ = next_transport_++;
  state_ = State::opening;
  ++attempt_;
  open_deadline_ms_ = now_ms + spec_.reconnection.connect_timeout_ms;
  heartbeat_deadline_ms_.reset();
  record(history::ClientConnecting{{}, attempt_, spec_.transport});
  const bool polling = spec_.transport == ClientTransport::polling;
  actions_.push_back(OpenTransport{transport_, spec_.transport,
                                   std::string("EIO=4&transport=") + (polling ? "polling" : "websocket") + "&tag=" + spec_.name});
}

void ChatClient::lose_transport(std::string reason, std::int64_t /*now_ms*/) {
  const bool was_connected = state_ == State::connected;
  transport_ = 0;
  open_deadline_ms_.reset();
  heartbeat_deadline_ms_.reset();
  if (!acked_queue_.empty() && acked_queue_.front().ack_deadline_ms) {
    // socket.io-client fails the pending ack with "socket has been disconnected": one try used.
    fail_in_flight_send();
  }
  ack_ids_to_client_offset_.clear();
  if (was_connected || reason == "io client disconnect") record(history::ClientDisconnected{{}, std::move(reason)});
  else record(history::ClientConnectError{{}, std::move(reason)});
  state_ = State::idle;
}

void ChatClient::schedule_reconnect(std::int64_t now_ms) {
  state_ = State::waiting_to_reconnect;
  reconnect_at_ms_ = now_ms + backoff_.next_delay_ms(random_);
}

void ChatClient::handle_engine_packet(std::string_view text, std::int64_t now_ms) {
  const auto packet = engineio::parse_packet(text);
  if (!packet) return;  // a real client ignores what it cannot decode
  switch (packet->type) {
    case engineio::PacketType::open: {
      if (state_ != State::opening) return;
      const auto open = engineio::parse_open_packet_data(packet->data);
      if (!open) return;
      ping_interval_ms_ = open->ping_interval_ms;
      ping_timeout_ms_ = open->ping_timeout_ms;
      open_deadline_ms_.reset();
      heartbeat_deadline_ms_ = now_ms + ping_interval_ms_ + ping_timeout_ms_;
      state_ = State::awaiting_socket_connect;
      send_engine(engineio::encode_packet(engineio::PacketType::message, socketio::encode_connect(connect_auth())));
      return;
    }
    case engineio::PacketType::ping:
      heartbeat_deadline_ms_ = now_ms + ping_interval_ms_ + ping_timeout_ms_;
      send_engine(engineio::encode_packet(engineio::PacketType::pong, packet->data));
      return;
    case engineio::PacketType::message:
      return handle_socket_packet(packet->data, now_ms);
    case engineio::PacketType::close:
      actions_.push_back(CloseTransport{transport_});
      lose_transport("transport close", now_ms);
      return schedule_reconnect(now_ms);
    default:
      return;
  }
}

void ChatClient::handle_socket_packet(std::string_view text, std::int64_t now_ms) {
  // Most packets are chat events in the server's plain form: read without a JSON tree (a
  // fuzz run spent a fifth of its time parsing them). Anything else takes the full parse.
  if (std::optional<socketio::ChatEventArguments> event = socketio::parse_plain_chat_event(text, names_.chat_event)) {
    return handle_chat_arguments(std::move(event));
  }
  const auto parsed = socketio::parse_packet(text);
  if (!parsed || parsed->namespace_name != "/") return;
  const socketio::Packet& packet = parsed.value();
  switch (packet.type) {
    case socketio::PacketType::connect:
      if (state_ == State::awaiting_socket_connect) on_socket_connected(packet.payload.value_or(nlohmann::json::object()), now_ms);
      return;
    case socketio::PacketType::connect_error: {
      // socket.io-client does not retry after the server refuses the CONNECT.
      record(history::ClientConnectError{{}, packet.payload->dump()});
      actions_.push_back(CloseTransport{transport_});
      transport_ = 0;
      state_ = State::idle;
      return;
    }
    case socketio::PacketType::disconnect:
      // "io server disconnect": the client does not reconnect by itself.
      actions_.push_back(CloseTransport{transport_});
      lose_transport("io server disconnect", now_ms);
      return;
    case socketio::PacketType::event:
      if (socketio::event_name(packet).value() != names_.chat_event) return;
      return handle_chat_arguments(socketio::chat_event_arguments(*packet.payload));
    case socketio::PacketType::ack: {
      const auto found = ack_ids_to_client_offset_.find(*packet.ack_id);
      if (found == ack_ids_to_client_offset_.end()) return;
      const std::string client_offset = found->second;
      ack_ids_to_client_offset_.erase(found);
      // Any try's ack acknowledges the head; acks for packets no longer at the head are stale.
      if (acked_queue_.empty() || acked_queue_.front().client_offset != client_offset) return;
      record(history::MessageAcked{{}, acked_queue_.front().content, client_offset});
      acked_queue_.pop_front();
      drain_acked_queue(/*force=*/false, now_ms);
      return;
    }
    default:
      return;
  }
}

void ChatClient::on_socket_connected(const nlohmann::json& data, std::int64_t now_ms) {
  state_ = State::connected;
  attempt_ = 0;
  backoff_.reset();
  const std::string socket_id = data.contains("sid") && data["sid"].is_string() ? data["sid"].get<std::string>() : "";
  // socket.io-client: recovered = pid && this._pid === pid; then it keeps the new pid.
  std::optional<std::string> private_id;
  if (spec_.connection_state_recovery && data.contains("pid") && data["pid"].is_string()) {
    private_id = data["pid"].get<std::string>();
  }
  const bool recovered = private_id && private_id == private_id_;
  private_id_ = private_id;  // the last offset stays, as in socket.io-client
  record(history::ClientConnected{{}, socket_id, server_offset_, recovered});
  std::vector<socketio::ChatEventArguments> buffered = std::move(receive_buffer_);
  receive_buffer_.clear();
  for (const socketio::ChatEventArguments& arguments : buffered) handle_chat_event(arguments);
  while (!plain_send_buffer_.empty()) {
    emit_plain(plain_send_buffer_.front());
    plain_send_buffer_.pop_front();
  }
  drain_acked_queue(/*force=*/true, now_ms);
}

nlohmann::json ChatClient::connect_auth() const {
  nlohmann::json auth = {{names_.offset_auth_field, server_offset_}};
  if (private_id_) {
    // socket.io-client sends {pid, offset} with its own auth; no offset until an event came.
    auth["pid"] = *private_id_;
    if (last_event_offset_) auth["offset"] = *last_event_offset_;
  }
  return auth;
}

void ChatClient::handle_chat_arguments(std::optional<socketio::ChatEventArguments> arguments) {
  if (!arguments) return;  // fewer than 3 arguments
  if (state_ == State::connected) {
    handle_chat_event(*arguments);
  } else if (state_ == State::awaiting_socket_connect) {
    // socket.io-client's receiveBuffer: a recovering server replays the missed events
    // before its CONNECT reply; the app sees them right after "connect".
    if (receive_buffer_.size() >= receive_buffer_events_max) {
      // What the server replayed is dropped with its connection: a next connect starts over.
      receive_buffer_.clear();
      actions_.push_back(CloseTransport{transport_});
      lose_transport("the server sent over " + std::to_string(receive_buffer_events_max) +
                         " events before its CONNECT reply",
                     now_ms_);
      schedule_reconnect(now_ms_);
      return;
    }
    receive_buffer_.push_back(std::move(*arguments));
  }
}

void ChatClient::handle_chat_event(const socketio::ChatEventArguments& arguments) {
  // With recovery on, the server appends the event's offset as the last argument.
  if (private_id_ && arguments.trailing_string) last_event_offset_ = *arguments.trailing_string;
  if (!arguments.id) return;
  const std::int64_t id = *arguments.id;
  const std::string& content = arguments.content;
  bool render = true;
  if (spec_.policy == ClientPolicy::tutorial) {
    server_offset_ = id;  // socket.auth.serverOffset = serverOffset, even if it moves backwards
  } else {
    render = seen_ids_.insert(id).second;
    server_offset_ = std::max(server_offset_, id);
  }
  if (render) rendered_.push_back({id, content});
  record(history::MessageReceived{{}, id, content, render});
}

void ChatClient::emit_plain(const std::string& content) {
  send_engine(engineio::encode_packet(engineio::PacketType::message,
                                      socketio::encode_event(nlohmann::json::array({names_.chat_event, content}))));
  record(history::MessageSent{{}, content, std::nullopt, 1, false});
}

void ChatClient::drain_acked_queue(bool force, std::int64_t now_ms) {
  if (state_ != State::connected || acked_queue_.empty()) return;
  QueuedSend& head = acked_queue_.front();
  if (head.ack_deadline_ms && !force) return;  // already in flight
  ++head.try_count;
  const std::uint64_t ack_id = next_ack_id_++;
  ack_ids_to_client_offset_[ack_id] = head.client_offset;
  head.ack_deadline_ms = now_ms + spec_.ack_timeout_ms;
  send_engine(engineio::encode_packet(
      engineio::PacketType::message,
      socketio::encode_event(nlohmann::json::array({names_.chat_event, head.content, head.client_offset}), ack_id)));
  record(history::MessageSent{{}, head.content, head.client_offset, head.try_count, true});
}

// The in-flight acked send failed (ack timeout or disconnect): like socket.io-client's queue,
// drop it once it has used up its retries; otherwise it is resent later.
void ChatClient::fail_in_flight_send() {
  RESYNC_ASSERT(!acked_queue_.empty(), "only a queued send can be in flight");
  QueuedSend& head = acked_queue_.front();
  head.ack_deadline_ms.reset();
  if (spec_.retries && head.try_count > *spec_.retries) {
    record(history::SendAbandoned{{}, head.content, head.client_offset, "retries exhausted"});
    acked_queue_.pop_front();
  }
}

void ChatClient::abandon_pending_sends(const std::string& reason) {
  for (const QueuedSend& queued : acked_queue_) {
    record(history::SendAbandoned{{}, queued.content, queued.client_offset, reason});
  }
  for (const std::string& content : plain_send_buffer_) {
    record(history::SendAbandoned{{}, content, std::nullopt, reason});
  }
  acked_queue_.clear();
  plain_send_buffer_.clear();
  ack_ids_to_client_offset_.clear();
}

void ChatClient::send_engine(std::string text) { actions_.push_back(SendFrame{transport_, std::move(text)}); }

void ChatClient::record(history::EventPayload event) {
  if (std::holds_alternative<history::MessageReceived>(event) || std::holds_alternative<history::MessageSent>(event) ||
      std::holds_alternative<history::MessageAcked>(event)) {
    last_chat_activity_ms_ = now_ms_;
  }
  std::visit(
      [this](auto& payload) {
        if constexpr (requires { payload.client; }) payload.client = spec_.name;
      },
      event);
  actions_.push_back(RecordEvent{std::move(event)});
}

}  // namespace resync::sim

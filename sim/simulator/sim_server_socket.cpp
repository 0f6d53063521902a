#include "sim/simulator/sim_server_socket.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "protocol/websocket_frame_writer.hpp"

namespace resync::sim {

namespace websocket = protocol::websocket;
namespace engineio = protocol::engineio;
using server::host::CloseCause;

namespace {

// A request body above this is refused like a head without an end: Engine.IO's maxPayload
// is far smaller, and a simulated client never sends more.
constexpr std::size_t http_body_bytes_max = 16 * 1024 * 1024;

std::string lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char character) { return static_cast<char>(std::tolower(character)); });
  return lowered;
}

// The value of a header in an HTTP head (case-insensitive name), if present.
std::optional<std::string> header_value(const std::string& head, std::string_view name) {
  const std::string lowered = lower(head);
  const std::string needle = "\r\n" + lower(name) + ":";
  const auto start = lowered.find(needle);
  if (start == std::string::npos) return std::nullopt;
  auto value_start = start + needle.size();
  const auto value_end = head.find("\r\n", value_start);
  std::string value = head.substr(value_start, value_end == std::string::npos ? std::string::npos : value_end - value_start);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

}  // namespace

void SimServerSocket::receive(const std::string& bytes, bool end_of_stream) {
  server::host::ServerHost::InputBatch batch(server_.host());
  if (end_of_stream) return peer_closed();
  if (mode_ == Mode::websocket) return receive_frames(bytes);
  http_buffer_ += bytes;
  while (mode_ == Mode::http && connection_.server_end_open && handle_next_request()) {
  }
}

bool SimServerSocket::handle_next_request() {
  const auto end = http_buffer_.find(end_of_http_head);
  if (end == std::string::npos) return false;
  const std::string head = http_buffer_.substr(0, end);
  std::size_t body_bytes = 0;
  if (const auto length = header_value(head, "Content-Length")) {
    const auto parsed = std::from_chars(length->data(), length->data() + length->size(), body_bytes);
    if (parsed.ec != std::errc() || body_bytes > http_body_bytes_max) {
      refuse_and_close();
      return false;
    }
  }
  const std::size_t body_start = end + end_of_http_head.size();
  if (http_buffer_.size() < body_start + body_bytes) return false;
  const std::string body = http_buffer_.substr(body_start, body_bytes);
  const std::string rest = http_buffer_.substr(body_start + body_bytes);
  http_buffer_.clear();

  const auto target_start = head.find(' ');
  const auto query_start = head.find('?');
  const auto target_end = head.find(' ', target_start + 1);
  const auto handshake = query_start == std::string::npos || query_start > target_end
                             ? engineio::HandshakeParseResult{}
                             : engineio::parse_handshake_query(head.substr(query_start + 1, target_end - query_start - 1));
  if (!handshake.ok) {
    refuse_and_close();
    return false;
  }
  if (handshake.query.transport == engineio::Transport::websocket) {
    open_websocket(handshake.query);
    receive_frames(rest);
    return false;
  }
  http_buffer_ = rest;
  handle_polling_request(head.substr(0, target_start), handshake.query, body);
  return true;
}

void SimServerSocket::open_websocket(const engineio::HandshakeQuery& query) {
  server::host::ServerHost& host = server_.host();
  if (!query.session_id.empty()) {
    // A WebSocket probing the upgrade of a polling session: checked before the handshake.
    if (const auto error = host.check_upgrade(query.session_id)) {
      write_http_response(error->http_status, "Bad Request", "application/json", error->json_body());
      end_transport();
      return;
    }
  }
  mode_ = Mode::websocket;
  write(websocket::encode_upgrade_response(), 0);
  session_ = query.session_id.empty() ? host.open_session(weak_from_this(), query)
                                      : host.attach_upgrade(query.session_id, weak_from_this());
  if (!session_) end_transport();
}

void SimServerSocket::handle_polling_request(std::string_view method, const engineio::HandshakeQuery& query,
                                             std::string_view body) {
  server::host::ServerHost& host = server_.host();
  std::optional<engineio::HandshakeError> error;
  if (method == "GET") {
    // Set before the host runs: the core may answer this GET at once (the open packet).
    held_get_ = true;
    error = query.session_id.empty() ? host.open_polling_session(shared_from_this(), query)
                                     : host.poll(query.session_id, shared_from_this());
    if (error) held_get_ = false;
  } else if (method == "POST" && !query.session_id.empty()) {
    error = host.post(query.session_id, body);
    if (!error) write_http_response(200, "OK", "text/plain; charset=UTF-8", "ok");
  } else {
    error = engineio::make_handshake_error(engineio::ErrorCode::bad_request);
  }
  if (error) write_http_response(error->http_status, "Bad Request", "application/json", error->json_body());
}

void SimServerSocket::receive_frames(std::string_view bytes) {
  websocket_.observe_frames(bytes);
  for (auto& frame : websocket_.take_frames()) {
    if (!session_) break;
    if (frame.opcode == fault_injector::WebSocketFrameHeader::kText) {
      trace_frame(server_.world(), connection_, "server <-", frame.payload);
      server_.host().on_text_frame(*session_, frame.payload);
    } else if (frame.opcode == fault_injector::WebSocketFrameHeader::kBinary) {
      server_.host().on_binary_frame(*session_, frame.payload.size());
    } else if (frame.opcode == fault_injector::WebSocketFrameHeader::kClose) {
      peer_closed();
    }
  }
}

void SimServerSocket::answer_poll(std::string payload) {
  if (!held_get_) return;  // nothing held: the host's bookkeeping would be wrong
  held_get_ = false;
  write_http_response(200, "OK", "text/plain; charset=UTF-8", payload);
}

void SimServerSocket::write_http_response(int status, std::string_view reason, std::string_view content_type,
                                          std::string_view body) {
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  response += "Content-Type: " + std::string(content_type) + "\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  response += body;
  write(std::move(response), 0);
}

// A request this server cannot read: answered 400, and the connection closed.
void SimServerSocket::refuse_and_close() {
  server_.network().server_write(connection_, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  connection_.server_end_open = false;
  server_.network().server_closes(connection_);
}

// The peer is gone (end of stream or a close frame): the server closes its socket too.
void SimServerSocket::peer_closed() {
  if (session_) {
    const server::SessionId session = *session_;
    session_.reset();
    server_.host().on_transport_closed(session);
  }
  connection_.server_end_open = false;
  server_.network().server_closes(connection_);
}

void SimServerSocket::reset() {
  if (!session_) return;
  const server::SessionId session = *session_;
  session_.reset();
  server_.host().on_transport_closed(session);
}

void SimServerSocket::send_packet(std::string_view packet) {
  const std::size_t packet_bytes = packet.size();
  write(websocket::encode_frame(websocket::Opcode::text, packet, std::nullopt), packet_bytes);
}

void SimServerSocket::close(CloseCause /*cause*/) {
  // What the host queued is written before the end, as a socket's close keeps its buffer.
  while (!unwritten_.empty()) {
    write_now(unwritten_.front());
    unwritten_.pop_front();
  }
  end_transport();
}

void SimServerSocket::abort() {
  unwritten_.clear();
  end_transport();
}

void SimServerSocket::end_transport() {
  const std::optional<server::SessionId> session = std::exchange(session_, std::nullopt);
  connection_.server_end_open = false;
  server_.network().server_closes(connection_);
  if (session) server_.host().on_transport_closed(*session);
}

std::string SimServerSocket::describe() const {
  std::string text = session_ ? "session " + std::to_string(*session_) : std::string("connection");
  return text + " (connection " + std::to_string(connection_.id) + ", client " + connection_.client->name() + ")";
}

bool SimServerSocket::pipeline_full() const {
  return server_.network().downstream_buffered_bytes(connection_) >= simulated_proxy_buffered_bytes_max;
}

void SimServerSocket::write(std::string bytes, std::size_t packet_bytes) {
  Unwritten unwritten{std::move(bytes), packet_bytes};
  if (!unwritten_.empty() || pipeline_full()) {
    unwritten_.push_back(std::move(unwritten));
    return;
  }
  write_now(unwritten);
}

void SimServerSocket::flush() {
  while (!unwritten_.empty() && !pipeline_full()) {
    Unwritten front = std::move(unwritten_.front());
    unwritten_.pop_front();
    write_now(front);
  }
}

void SimServerSocket::write_now(const Unwritten& unwritten) {
  server_.network().server_write(connection_, unwritten.bytes);
  // Frames only: the upgrade response and HTTP answers are not the host's queue.
  if (unwritten.packet_bytes > 0) schedule_written_report(unwritten.bytes.size(), unwritten.packet_bytes);
}

// The server's socket buffer drains at the link's rate: a big catch-up batch takes a while to
// leave, and live messages can arrive meanwhile, as on a real link. One report is pending at
// a time; it covers everything written until it fires.
void SimServerSocket::schedule_written_report(std::size_t frame_bytes, std::size_t packet_bytes) {
  reported_frame_bytes_pending_ += frame_bytes;
  reported_packet_bytes_pending_ += packet_bytes;
  if (written_report_scheduled_) return;
  written_report_scheduled_ = true;
  SimWorld& world = server_.world();
  const std::int64_t transfer_us =
      static_cast<std::int64_t>(reported_frame_bytes_pending_) * 1000 / world.options.link_bytes_per_ms;
  world.clock.at_us(world.clock.now_us() + world.options.link_latency_us + transfer_us,
                    [weak = weak_from_this()] {
                      std::shared_ptr<SimServerSocket> self = weak.lock();
                      if (!self) return;
                      self->written_report_scheduled_ = false;
                      self->reported_frame_bytes_pending_ = 0;
                      const std::size_t written = std::exchange(self->reported_packet_bytes_pending_, 0);
                      if (self->server_.world().finished || !self->session_ || !self->server_.running()) return;
                      self->server_.host().on_output_written(*self->session_, written);
                    });
}

}  // namespace resync::sim

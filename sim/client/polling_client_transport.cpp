#include "sim/client/polling_client_transport.hpp"

#include <algorithm>
#include <utility>

#include "protocol/engineio_packet.hpp"

namespace resync::sim {

namespace engineio = protocol::engineio;

namespace {

// socket.io-client's reasons: a failed GET is "xhr poll error", a failed POST "xhr post
// error"; either closes the transport with "transport error" (the detail in brackets, as the
// WebSocket shells write theirs).
constexpr std::string_view kPollError = "transport error (xhr poll error)";
constexpr std::string_view kPostError = "transport error (xhr post error)";

}  // namespace

PollingClientTransport::PollingClientTransport(PollingTransportOptions options) : options_(std::move(options)) {}

void PollingClientTransport::open() {
  if (state_ != State::idle) return;
  state_ = State::handshaking;
  poll();
}

void PollingClientTransport::send(std::string packet) {
  if (state_ != State::handshaking && state_ != State::open) return;
  pending_send_bytes_ += packet.size();
  pending_sends_.push_back(std::move(packet));
  if (pending_send_bytes_ > options_.pending_send_bytes_max) {
    fail("transport error (send buffer over " + std::to_string(options_.pending_send_bytes_max) + " bytes)");
    return;
  }
  flush_posts();
}

void PollingClientTransport::close() {
  if (state_ == State::closed || state_ == State::closing) return;
  if (state_ != State::open) {
    state_ = State::closed;
    close_connections();
    return;
  }
  // socket.io-client: what is buffered is written first, then the close packet; the held GET
  // is abandoned (the server answers it with a noop once it reads the close packet).
  state_ = State::closing;
  pending_sends_.push_back(engineio::encode_packet(engineio::PacketType::close));
  ++pending_send_bytes_;
  if (connections_[static_cast<int>(Role::poll)]) {
    actions_.push_back(ClosePollingConnection{connections_[static_cast<int>(Role::poll)]->id});
    forget(Role::poll);
  }
  flush_posts();
}

std::vector<PollingAction> PollingClientTransport::take_actions() { return std::exchange(actions_, {}); }

PollingClientTransport::Connection& PollingClientTransport::connection_for(Role role) {
  std::optional<Connection>& slot = connections_[static_cast<int>(role)];
  if (!slot) {
    slot.emplace(Connection{next_connection_++, HttpResponseReader(options_.response_body_bytes_max), 0});
    actions_.push_back(OpenPollingConnection{slot->id});
  }
  return *slot;
}

PollingClientTransport::Connection* PollingClientTransport::find(PollingConnectionId id, Role* role) {
  for (Role candidate : {Role::poll, Role::post}) {
    std::optional<Connection>& slot = connections_[static_cast<int>(candidate)];
    if (slot && slot->id == id) {
      *role = candidate;
      return &*slot;
    }
  }
  return nullptr;
}

void PollingClientTransport::forget(Role role) { connections_[static_cast<int>(role)].reset(); }

std::string PollingClientTransport::request_target() const {
  std::string target = options_.path + "?" + options_.query;
  if (!session_id_.empty()) target += "&sid=" + session_id_;
  return target;
}

void PollingClientTransport::write_request(Role role, std::string request) {
  Connection& connection = connection_for(role);
  ++connection.requests_in_flight;
  actions_.push_back(WritePollingBytes{connection.id, std::move(request)});
}

void PollingClientTransport::poll() {
  if (state_ != State::handshaking && state_ != State::open) return;
  const std::optional<Connection>& current = connections_[static_cast<int>(Role::poll)];
  if (current && current->requests_in_flight > 0) return;  // one GET held at a time
  write_request(Role::poll, "GET " + request_target() + " HTTP/1.1\r\nHost: " + options_.host + "\r\nAccept: */*\r\n\r\n");
}

void PollingClientTransport::flush_posts() {
  if (state_ != State::open && state_ != State::closing) return;
  if (pending_sends_.empty()) return;
  const std::optional<Connection>& current = connections_[static_cast<int>(Role::post)];
  if (current && current->requests_in_flight > 0) return;  // one POST in flight, as socket.io-client
  // One POST carries what fits the server's maxPayload (at least one packet), like
  // engine.io-client's payload chunking; the rest follows after the "ok".
  std::vector<std::string> packets;
  std::size_t payload_bytes = 0;
  while (!pending_sends_.empty()) {
    const std::size_t next = pending_sends_.front().size() + (packets.empty() ? 0 : 1);
    if (!packets.empty() && payload_bytes + next > payload_bytes_max_) break;
    payload_bytes += next;
    pending_send_bytes_ -= pending_sends_.front().size();
    packets.push_back(std::move(pending_sends_.front()));
    pending_sends_.pop_front();
  }
  const std::string body = engineio::join_payload(packets);
  write_request(Role::post, "POST " + request_target() + " HTTP/1.1\r\nHost: " + options_.host +
                                "\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body);
}

void PollingClientTransport::on_bytes(PollingConnectionId id, std::string_view bytes) {
  Role role = Role::poll;
  Connection* connection = find(id, &role);
  if (!connection || state_ == State::closed) return;  // a connection this transport let go of
  connection->reader.feed(bytes);
  while (std::optional<HttpResponse> response = connection->reader.take()) {
    if (connection->requests_in_flight == 0) {
      fail(std::string(role == Role::poll ? kPollError : kPostError));
      return;
    }
    --connection->requests_in_flight;
    if (!response->keep_alive) {
      actions_.push_back(ClosePollingConnection{connection->id});
      forget(role);  // the next request opens a new connection
    }
    on_response(role, std::move(*response));
    if (state_ == State::closed) return;
    connection = find(id, &role);
    if (!connection) return;
  }
  if (connection->reader.error()) fail(std::string(role == Role::poll ? kPollError : kPostError));
}

void PollingClientTransport::on_connection_closed(PollingConnectionId id) {
  Role role = Role::poll;
  Connection* connection = find(id, &role);
  if (!connection || state_ == State::closed) return;
  const bool request_lost = connection->requests_in_flight > 0 || connection->reader.partial();
  forget(role);
  if (state_ == State::closing) {
    if (role == Role::post) {
      state_ = State::closed;
      close_connections();
    }
    return;
  }
  // An idle keep-alive connection the server closed is just reopened for the next request.
  if (request_lost) fail(std::string(role == Role::poll ? kPollError : kPostError));
}

void PollingClientTransport::on_response(Role role, HttpResponse response) {
  if (role == Role::poll) {
    on_poll_response(std::move(response));
  } else {
    on_post_response(response);
  }
}

void PollingClientTransport::on_poll_response(HttpResponse response) {
  if (state_ == State::closing) return;  // the abandoned GET's answer
  if (response.status != 200) return fail(std::string(kPollError));
  const std::vector<std::string_view> packets = engineio::split_payload(response.body);
  std::size_t index = 0;
  if (state_ == State::handshaking) {
    // The handshake's answer starts with the open packet, or this is not an Engine.IO server.
    if (packets.empty()) return fail(std::string(kPollError));
    const auto open = engineio::parse_packet(packets[0]);
    if (!open || open->type != engineio::PacketType::open) return fail(std::string(kPollError));
    const auto fields = engineio::parse_open_packet_data(open->data);
    if (!fields || fields->session_id.empty()) return fail(std::string(kPollError));
    session_id_ = fields->session_id;
    payload_bytes_max_ = static_cast<std::size_t>(std::max<std::int64_t>(1, fields->payload_bytes_max));
    state_ = State::open;
    actions_.push_back(PollingTransportOpen{});
  }
  for (; index < packets.size(); ++index) {
    actions_.push_back(DeliverPacket{std::string(packets[index])});
    if (!packets[index].empty() && packets[index][0] == static_cast<char>(engineio::PacketType::close)) {
      // The server closed the session: the ChatClient reads the close packet and lets the
      // transport go, as on a WebSocket; nothing more is polled.
      state_ = State::closed;
      close_connections();
      return;
    }
  }
  poll();
  flush_posts();
}

void PollingClientTransport::on_post_response(const HttpResponse& response) {
  if (response.status != 200) return fail(std::string(kPostError));
  if (state_ == State::closing && pending_sends_.empty()) {
    state_ = State::closed;
    close_connections();
    return;
  }
  flush_posts();
}

void PollingClientTransport::fail(std::string reason) {
  if (state_ == State::closed) return;
  const bool report = state_ != State::closing;
  state_ = State::closed;
  close_connections();
  if (report) actions_.push_back(PollingTransportClosed{std::move(reason)});
}

void PollingClientTransport::close_connections() {
  for (Role role : {Role::poll, Role::post}) {
    if (connections_[static_cast<int>(role)]) {
      actions_.push_back(ClosePollingConnection{connections_[static_cast<int>(role)]->id});
      forget(role);
    }
  }
}

}  // namespace resync::sim

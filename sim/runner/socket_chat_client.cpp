#include "sim/runner/socket_chat_client.hpp"

#include <algorithm>
#include <variant>

#include <boost/asio/io_context.hpp>

#include "sim/runner/polling_client_connection.hpp"
#include "sim/runner/websocket_client_connection.hpp"

namespace resync::sim {

SocketChatClient::SocketChatClient(boost::asio::io_context& io, ChatClient& client, std::string host,
                                   std::uint16_t port, SocketChatClientHooks hooks)
    : io_(io), client_(client), host_(std::move(host)), port_(port), hooks_(std::move(hooks)), timer_(io) {}

void SocketChatClient::pump() {
  for (ClientAction& action : client_.take_actions()) {
    if (auto* event = std::get_if<RecordEvent>(&action)) {
      hooks_.on_record(std::move(event->event));
    } else if (closed_) {
      continue;  // after close_all() the records still count; the sockets are gone
    } else if (auto* open = std::get_if<OpenTransport>(&action)) {
      open_transport(*open);
    } else if (auto* frame = std::get_if<SendFrame>(&action)) {
      if (const auto found = connections_.find(frame->transport); found != connections_.end()) {
        found->second->send_text(std::move(frame->text));
      }
    } else if (auto* close = std::get_if<CloseTransport>(&action)) {
      if (const auto found = connections_.find(close->transport); found != connections_.end()) {
        found->second->close();
        connections_.erase(found);
      }
    }
  }
  arm_timer();
}

void SocketChatClient::close_all() {
  closed_ = true;
  timer_.cancel();
  for (auto& [transport, connection] : connections_) connection->close();
  connections_.clear();
}

void SocketChatClient::open_transport(const OpenTransport& open) {
  const TransportId transport = open.transport;
  ClientTransportCallbacks callbacks;
  callbacks.on_open = [this, transport] {
    if (hooks_.on_open) hooks_.on_open();
    client_.on_transport_open(transport, hooks_.now_ms());
    pump();
  };
  callbacks.on_text = [this, transport](std::string text) {
    if (hooks_.on_frame) hooks_.on_frame(text);
    client_.on_text_frame(transport, text, hooks_.now_ms());
    pump();
  };
  callbacks.on_closed = [this, transport](std::string reason) {
    connections_.erase(transport);
    if (hooks_.on_closed) hooks_.on_closed(reason);
    client_.on_transport_closed(transport, reason, hooks_.now_ms());
    pump();
  };
  const std::uint16_t port = hooks_.port_for_new_session ? hooks_.port_for_new_session() : port_;
  if (open.kind == ClientTransport::polling) {
    connections_[transport] = PollingClientConnection::open(io_, host_, port, open.query, std::move(callbacks));
  } else {
    connections_[transport] = WebSocketClientConnection::open(io_, host_, port, open.query, std::move(callbacks));
  }
}

// A timer that fires a millisecond early (the clock counts whole milliseconds) finds nothing
// due; the client then asks for the same deadline and the timer is armed again.
void SocketChatClient::arm_timer() {
  timer_.cancel();
  const auto deadline = client_.next_deadline_ms();
  if (!deadline || closed_) return;
  timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(0, *deadline - hooks_.now_ms())));
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || closed_) return;
    client_.on_timer(hooks_.now_ms());
    pump();
  });
}

}  // namespace resync::sim

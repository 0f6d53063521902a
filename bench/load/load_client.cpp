#include "bench/load/load_client.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "protocol/socketio_packet.hpp"
#include "sim/runner/polling_client_connection.hpp"
#include "sim/runner/websocket_client_connection.hpp"

namespace resync::bench {

LoadClient::LoadClient(boost::asio::io_context& io, const LoadTarget& target, std::string auth_json, LoadClientEvents events,
                       LoadTransport transport)
    : auth_json_(std::move(auth_json)), events_(std::move(events)) {
  sim::ClientTransportCallbacks callbacks;
  callbacks.on_open = [] {};
  callbacks.on_text = [this](std::string text) { on_text(text); };
  callbacks.on_closed = [this](std::string reason) {
    if (closed_) return;
    closed_ = true;
    if (events_.on_lost) events_.on_lost(reason);
  };
  if (transport == LoadTransport::polling) {
    connection_ = sim::PollingClientConnection::open(io, target.host, target.port, "EIO=4&transport=polling", callbacks);
  } else {
    connection_ = sim::WebSocketClientConnection::open(io, target.host, target.port, "EIO=4&transport=websocket", callbacks);
  }
}

LoadClient::~LoadClient() { close(); }

void LoadClient::close() {
  if (closed_) return;
  closed_ = true;
  connection_->close();
}

void LoadClient::disconnect_namespace() {
  if (!closed_) connection_->send_text("41");
}

void LoadClient::emit_chat(const std::string& text, const std::string& client_offset, std::uint64_t ack_id) {
  const nlohmann::json arguments = nlohmann::json::array({"chat message", text, client_offset});
  connection_->send_text("4" + protocol::socketio::encode_event(arguments, ack_id));
}

void LoadClient::on_text(const std::string& text) {
  if (closed_) return;
  if (text == "2") return connection_->send_text("3");
  if (text.rfind("0{", 0) == 0) return connection_->send_text("40" + auth_json_);
  if (text.rfind("40", 0) == 0) {
    if (events_.on_connected) events_.on_connected();
    return;
  }
  if (text.rfind("42", 0) == 0) {
    if (events_.on_event) events_.on_event(text);
    return;
  }
  if (text.rfind("43", 0) == 0) {
    std::uint64_t ack_id = 0;
    const auto parsed = std::from_chars(text.data() + 2, text.data() + text.size(), ack_id);
    if (parsed.ec == std::errc{} && events_.on_ack) events_.on_ack(ack_id);
    return;
  }
  if (text.rfind("44", 0) == 0 && events_.on_lost) {
    closed_ = true;
    events_.on_lost("the server refused the CONNECT: " + text);
  }
}

}  // namespace resync::bench

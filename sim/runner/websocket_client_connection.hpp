#pragma once
// The live shell of one simulated client transport: a Beast WebSocket client connection.
// It only moves frames; the ChatClient state machine decides everything.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace resync::sim {

struct WebSocketClientCallbacks {
  std::function<void()> on_open;
  std::function<void(std::string text)> on_text;
  std::function<void(std::string reason)> on_closed;  // called once, for any end
};

class WebSocketClientConnection {
 public:
  // Starts connecting to ws://host:port/socket.io/?<query> at once.
  static std::shared_ptr<WebSocketClientConnection> open(boost::asio::io_context& io, std::string host, std::uint16_t port,
                                                         std::string query, WebSocketClientCallbacks callbacks);
  virtual ~WebSocketClientConnection() = default;
  virtual void send_text(std::string text) = 0;
  // Closes without a WebSocket close handshake (like a page unload or a dropped socket);
  // on_closed is not called after close().
  virtual void close() = 0;
};

}  // namespace resync::sim

#pragma once
// The live shell of one simulated client transport: a Beast WebSocket client connection.
// It only moves frames; the ChatClient state machine decides everything.
#include <cstdint>
#include <memory>
#include <string>

#include "sim/runner/client_transport_connection.hpp"

namespace boost::asio {
class io_context;
}

namespace resync::sim {

using WebSocketClientCallbacks = ClientTransportCallbacks;

class WebSocketClientConnection : public ClientTransportConnection {
 public:
  // Starts connecting to ws://host:port/socket.io/?<query> at once. close() closes without
  // a WebSocket close handshake.
  static std::shared_ptr<WebSocketClientConnection> open(boost::asio::io_context& io, std::string host, std::uint16_t port,
                                                         std::string query, WebSocketClientCallbacks callbacks);
};

}  // namespace resync::sim

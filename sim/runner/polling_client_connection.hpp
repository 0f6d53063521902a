#pragma once
// The live shell of a long-polling client transport: the PollingClientTransport state
// machine (sim/client) over up to two real TCP connections. It opens, writes, reads and
// closes what the transport asks for and hands it the bytes; it decides nothing itself, so
// a polling client behaves the same live and in the simulator.
#include <cstdint>
#include <memory>
#include <string>

#include "sim/runner/client_transport_connection.hpp"

namespace boost::asio {
class io_context;
}

namespace resync::sim {

class PollingClientConnection : public ClientTransportConnection {
 public:
  // Starts the handshake GET to http://host:port/socket.io/?<query> at once.
  static std::shared_ptr<PollingClientConnection> open(boost::asio::io_context& io, std::string host, std::uint16_t port,
                                                       std::string query, ClientTransportCallbacks callbacks);
};

}  // namespace resync::sim

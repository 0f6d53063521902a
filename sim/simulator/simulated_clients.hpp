#pragma once
// The client side of a simulated run: carries out each ChatClient's actions over the
// simulated network, feeds it what arrives, and wakes it at its deadlines.
//
// Client transports: open_transport() is the one place a client transport kind is chosen
// (ClientTransportKind, from the Engine.IO query the client asks for). WebSocket is
// simulated here; long-polling clients plug in at open_polling_transport(), and the simulated
// server already answers polling GETs and POSTs (sim_server_socket.cpp).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/client/chat_client.hpp"
#include "sim/simulator/simulated_network.hpp"

namespace resync::sim {

class SimulatedServer;

enum class ClientTransportKind { websocket, polling };
// From the query the client asks for ("...&transport=polling&..."): WebSocket unless polling.
ClientTransportKind transport_kind_of(const OpenTransport& open);

class SimulatedClients {
 public:
  using Record = std::function<void(nlohmann::json)>;
  SimulatedClients(SimWorld& world, SimulatedNetwork& network, SimulatedServer& server, Record record)
      : world_(world), network_(network), server_(server), record_(std::move(record)) {}

  // Carries out the client's actions, then arms its wake-up.
  void pump(ChatClient& client);
  void arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream);
  void connection_reset(SimConnection& connection, const std::string& reason);

 private:
  void open_transport(ChatClient& client, const OpenTransport& open);
  void open_websocket_transport(ChatClient& client, const OpenTransport& open);
  void open_polling_transport(ChatClient& client, const OpenTransport& open);
  void refuse_connect(ChatClient& client, TransportId transport, std::string reason);
  void wake(ChatClient& client);
  std::array<std::uint8_t, 4> next_mask_key();

  SimWorld& world_;
  SimulatedNetwork& network_;
  SimulatedServer& server_;
  Record record_;
  std::map<std::string, std::optional<std::int64_t>> wake_us_;  // by client name
  std::uint64_t mask_counter_ = 0;
};

}  // namespace resync::sim

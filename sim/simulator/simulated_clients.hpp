#pragma once
// The client side of a simulated run: carries out each ChatClient's actions over the
// simulated network, feeds it what arrives, and wakes it at its deadlines.
//
// Client transports: open_transport() is the one place a client transport kind is chosen
// (ClientTransportKind, from the client's OpenTransport). A WebSocket is one simulated
// connection; a long-polling transport is the client's own PollingClientTransport (the code
// the live runner uses) over as many simulated connections as it opens, each through the
// fault pipeline, answered by the simulated server's polling path (sim_server_socket.cpp).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sim/client/chat_client.hpp"
#include "sim/client/polling_client_transport.hpp"
#include "sim/history/history_event.hpp"
#include "sim/simulator/simulated_network.hpp"

namespace resync::sim {

class SimulatedServer;

// The server side clients connect to: one node, or the node a cluster's balancer chose for
// the client's current session (at its `connecting` line, as live).
class SimServerNodes {
 public:
  virtual ~SimServerNodes() = default;
  virtual int session_node(const ChatClient& client) = 0;
  virtual SimulatedServer& node(int index) = 0;
};

enum class ClientTransportKind { websocket, polling };
// From the query the client asks for ("...&transport=polling&..."): WebSocket unless polling.
ClientTransportKind transport_kind_of(const OpenTransport& open);

class SimulatedClients {
 public:
  using Record = std::function<void(history::EventPayload)>;
  SimulatedClients(SimWorld& world, SimulatedNetwork& network, SimServerNodes& servers, Record record)
      : world_(world), network_(network), servers_(servers), record_(std::move(record)) {}

  // Carries out the client's actions, then arms its wake-up.
  void pump(ChatClient& client);
  void arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream);
  void connection_reset(SimConnection& connection, const std::string& reason);

 private:
  void open_transport(ChatClient& client, const OpenTransport& open);
  void open_websocket_transport(ChatClient& client, const OpenTransport& open);
  void open_polling_transport(ChatClient& client, const OpenTransport& open);
  void refuse_connect(ChatClient& client, TransportId transport, std::string reason);

  // Long-polling: one transport of one client and the simulated connections it opened.
  using TransportKey = std::pair<std::string, TransportId>;  // client name, transport
  struct PollingLink {
    ChatClient* client = nullptr;
    TransportId transport = 0;
    std::unique_ptr<PollingClientTransport> polling;
    int node = 0;  // every HTTP connection of one polling session reaches its session's node
    std::map<PollingConnectionId, std::uint64_t> connections;  // -> SimConnection id
  };
  PollingLink* polling_link(const ChatClient& client, TransportId transport);
  // Carries out what the transport asked for, then pumps its client.
  void carry_polling(PollingLink& link);
  void polling_arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream);
  void polling_connection_lost(SimConnection& connection);

  void wake(ChatClient& client);
  std::array<std::uint8_t, 4> next_mask_key();

  SimWorld& world_;
  SimulatedNetwork& network_;
  SimServerNodes& servers_;
  Record record_;
  std::map<std::string, std::optional<std::int64_t>> wake_us_;  // by client name
  std::uint64_t mask_counter_ = 0;
  std::map<TransportKey, PollingLink> polling_links_;
  // SimConnection id -> the polling transport and its connection id there.
  std::map<std::uint64_t, std::pair<TransportKey, PollingConnectionId>> polling_connections_;
};

}  // namespace resync::sim

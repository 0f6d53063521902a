#pragma once
// The simulated network: one proxied TCP connection per client transport, each with the fault
// injector's real ConnectionPipeline (toxics, triggers, resets) between a client link and a
// server link of fixed latency. It is the control plane's ProxyRuntime, so scenarios steer it
// exactly as they steer the live TCP proxy.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fault_injector/control/proxy_runtime.hpp"
#include "fault_injector/core/connection_pipeline.hpp"
#include "sim/simulator/toxic_list_change.hpp"
#include "sim/client/chat_client.hpp"
#include "sim/simulator/sim_world.hpp"
#include "sim/simulator/wire_endpoint.hpp"

namespace resync::sim {

inline constexpr const char* simulated_proxy_name = "resync";

struct SimConnection {
  SimConnection(std::uint64_t seed, std::uint64_t connection_id)
      : id(connection_id), pipeline(seed, simulated_proxy_name, connection_id) {}
  std::uint64_t id = 0;
  ChatClient* client = nullptr;
  TransportId transport = 0;
  int node = 0;  // the cluster node its server end is on (0 for a single server)
  std::uint64_t number_on_node = 0;  // 1, 2, ...: its number on its node's own client listener
  fault_injector::ConnectionPipeline pipeline;
  WireEndpoint client_end;
  bool server_end_open = true;  // the server's socket (its parsing lives in the server endpoint)
  bool upstream_connected = false;
  std::optional<std::int64_t> reset_scheduled_us;
  std::array<std::optional<std::int64_t>, 2> drain_scheduled_us;
  std::optional<std::int64_t> trigger_wake_us;
  bool finished = false;  // both ends gone
};

// One line per WebSocket text frame that arrives, for debugging a reproducer.
inline void trace_frame(const SimWorld& world, const SimConnection& connection, std::string_view arrow,
                        const std::string& payload) {
  if (!world.options.trace) return;
  *world.options.trace << world.clock.now_us() << " us  connection " << connection.id << " ("
                       << connection.client->name() << ")  " << arrow << " " << payload << "\n";
}

// Where bytes that crossed the network arrive, and who learns of an abortive close.
class NetworkEnds {
 public:
  virtual ~NetworkEnds() = default;
  virtual void arrive_at_server(SimConnection& connection, const std::string& bytes, bool end_of_stream) = 0;
  virtual void arrive_at_client(SimConnection& connection, const std::string& bytes, bool end_of_stream) = 0;
  // An abortive close (RST): both ends learn at once, nothing in flight arrives.
  virtual void connection_reset(SimConnection& connection, const std::string& reason) = 0;
  // The pipeline took bytes from the server's side: a paused server socket may write again.
  virtual void downstream_room(SimConnection& /*connection*/) {}
};

class NodeClientListener;

// The ProxyRuntime of the one proxy every client connection crosses: a fault on the clients'
// link of every node. A cluster's node_listener(K) is node K's own client listener (a fault
// on node K's client link), whose toxics act on the same connections' pipelines.
class SimulatedNetwork final : public fault_injector::ProxyRuntime {
 public:
  SimulatedNetwork(SimWorld& world, NetworkEnds& ends);
  ~SimulatedNetwork() override;

  bool accepting() const { return accepting_; }
  // A client's connect to node `node`: the proxy accepts it, with every toxic active now.
  SimConnection& accept(ChatClient& client, TransportId transport, int node);
  // A cluster: one client listener per node, for the faults on one node's client link.
  void add_node_listeners(int nodes);
  NodeClientListener& node_listener(int node) { return *node_listeners_.at(static_cast<std::size_t>(node)); }
  SimConnection* find(const ChatClient& client, TransportId transport);
  SimConnection& at(std::uint64_t id) { return *connections_.at(id); }
  template <typename Visit>
  void for_each(Visit&& visit) {
    for (auto& [id, connection] : connections_) visit(*connection);
  }

  // Bytes the client (upstream) or the server (downstream) writes into its socket.
  void client_write(SimConnection& connection, const std::string& bytes);
  void server_write(SimConnection& connection, const std::string& bytes);
  void client_closes(SimConnection& connection);
  // The client's socket closes after the client learnt of the end (its end is closed already).
  void client_socket_closed(SimConnection& connection);
  void server_closes(SimConnection& connection);
  void reset_connection(SimConnection& connection, const std::string& reason);
  // The pipeline's hold on bytes from the server side: a live proxy stops reading the server
  // above this (fault_injector/shell/proxied_connection.cpp), so the server's socket fills.
  std::size_t downstream_buffered_bytes(const SimConnection& connection) const {
    return connection.pipeline.buffered_bytes(fault_injector::Direction::downstream);
  }

  // ---- fault_injector::ProxyRuntime ----
  fault_injector::Result<std::string> start(const fault_injector::ProxyDefinition& proxy,
                                            const std::vector<fault_injector::ToxicSpec>& toxics) override;
  void stop(const std::string& proxy_name) override;
  void forget(const std::string& /*proxy_name*/) override {}
  void toxic_added(const std::string& proxy_name, const fault_injector::ToxicSpec& toxic) override;
  void toxic_updated(const std::string& proxy_name, const fault_injector::ToxicSpec& toxic) override;
  void toxic_removed(const std::string& proxy_name, const std::string& toxic_name) override;
  std::uint64_t connections_accepted(const std::string& /*proxy_name*/) const override { return accepted_; }
  void set_trigger_listener(fault_injector::TriggerListener listener) override { trigger_listener_ = std::move(listener); }
  std::vector<fault_injector::ConnectionInfo> connections(const std::string& proxy_name) const override;

 private:
  // A change to the toxic list: to the list and to each open connection of this proxy.
  void change_toxics(const ToxicListChange& change);
  friend class NodeClientListener;  // it attaches its toxics to its node's connections here
  fault_injector::Instant instant() const { return fault_injector::Instant(world_.clock.now_us()); }
  void on_trigger_fired(const SimConnection& connection, const fault_injector::TriggerFiring& firing);
  void write_through_proxy(SimConnection& connection, fault_injector::Direction direction, const std::string& bytes);
  void after_pipeline_change(SimConnection& connection);
  void drain(SimConnection& connection, fault_injector::Direction direction);
  void deliver(SimConnection& connection, fault_injector::Direction direction, std::string bytes, bool end_of_stream);

  SimWorld& world_;
  NetworkEnds& ends_;
  fault_injector::TriggerListener trigger_listener_;
  bool accepting_ = true;
  std::vector<fault_injector::ToxicSpec> toxics_;
  std::uint64_t accepted_ = 0;
  std::map<std::uint64_t, std::unique_ptr<SimConnection>> connections_;
  std::map<std::pair<std::string, TransportId>, std::uint64_t> by_transport_;
  std::vector<std::unique_ptr<NodeClientListener>> node_listeners_;  // by node; empty for a single server
};

}  // namespace resync::sim

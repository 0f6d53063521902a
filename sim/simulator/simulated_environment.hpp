#pragma once
// The RunEnvironment of a simulated run: wires the scenario execution to the simulated
// network, the simulated server (one node, or a cluster's nodes on one simulated Redis) and
// the simulated clients on one virtual clock, and writes the history.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fault_injector/control/control_plane.hpp"
#include "server/core/in_memory_message_store.hpp"
#include "server/core/storage_fault_store.hpp"
#include "sim/execution/cluster_faults.hpp"
#include "sim/execution/control_plane_faults.hpp"
#include "sim/execution/node_router.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/history/history.hpp"
#include "sim/simulator/simulated_clients.hpp"
#include "sim/simulator/simulated_network.hpp"
#include "sim/simulator/simulated_proxy_faults.hpp"
#include "sim/simulator/simulated_redis.hpp"
#include "sim/simulator/simulated_server.hpp"

namespace resync::sim {

class SimulatedEnvironment final : public RunEnvironment, private NetworkEnds, private SimServerNodes {
 public:
  SimulatedEnvironment(const Scenario& scenario, const SimulationOptions& options);

  // Runs the scenario to its end (or its cut-off) and returns its history as typed events.
  history::History run();

  // ---- RunEnvironment ----
  std::int64_t now_ms() const override { return world_.now_ms(); }
  void schedule(std::int64_t time_ms, std::function<void()> work) override;
  void record_run_started(history::RunStarted run) override;
  void record(history::EventPayload event) override;
  void pump(ChatClient& client) override { clients_.pump(client); }
  // A cluster's faults go by place (every node's client link, one node's, the links to Redis).
  FaultControl& faults() override;
  bool controls_server() const override { return true; }
  bool server_running() const override;
  void stop_server(int signal) override;
  void stop_server_on_trigger(int signal, std::int64_t delay_us, std::function<void()> on_signal_sent) override;
  void start_server() override;
  std::optional<std::int64_t> committed_highest_id() override;
  StorageFaultAttempt start_storage_fault(StorageFaultKind kind) override;
  void end_storage_fault() override { faulty_store_.set_mode(server::StorageFaultMode::none); }
  // Clusters (a scenario with Redis): node indices from 0.
  bool runs_cluster() const override { return redis_.has_value(); }
  void hop_client(const std::string& client, int node) override;
  bool node_running(int node) const override;
  std::optional<std::string> stop_node(int node, int signal) override;
  void start_node(int node) override;
  std::optional<std::string> stop_redis(int signal, std::string& error) override;
  std::optional<std::string> start_redis(std::string& error) override;
  bool redis_running() const override { return redis_ && redis_->running(); }
  std::optional<std::string> trim_stream(std::int64_t keep_last, std::string& error) override;
  std::optional<std::string> partition_node(int node, PartitionMode mode, std::string& error) override;
  void heal_partition(int node) override;
  // A cluster node whose commit waits for Redis (a single server's commits take a simulated
  // fsync, and its runs keep the histories they had).
  bool server_holds_unsettled_writes() const override;
  void finish() override;

 private:
  // ---- NetworkEnds ----
  void arrive_at_server(SimConnection& connection, const std::string& bytes, bool end_of_stream) override {
    node(connection.node).arrive(connection, bytes, end_of_stream);
  }
  void arrive_at_client(SimConnection& connection, const std::string& bytes, bool end_of_stream) override {
    clients_.arrive(connection, bytes, end_of_stream);
  }
  void connection_reset(SimConnection& connection, const std::string& reason) override {
    node(connection.node).connection_reset(connection);
    clients_.connection_reset(connection, reason);
  }
  void downstream_room(SimConnection& connection) override { node(connection.node).downstream_room(connection); }

  // ---- SimServerNodes ----
  int session_node(const ChatClient& client) override;
  SimulatedServer& node(int index) override { return *servers_.at(static_cast<std::size_t>(index)); }

  // A cluster routes each client's session at its `connecting` line (as live); that line and
  // the `connected` after it carry the node.
  void note_session_node(history::EventPayload& event);
  void stop_one(int node, int signal);
  void start_one(int node);

  const Scenario& scenario_;
  SimWorld world_;
  history::History history_;
  // The SQLite store's semantics in memory (server/core/in_memory_message_store.hpp).
  server::InMemoryMessageStore store_;
  // What the core writes through: storage faults switch its mode (the preload, the
  // committed log and SIGKILL's rollback use store_ directly, as the harness would).
  server::StorageFaultStore faulty_store_{store_};
  // Before control_ and faults_: the control plane drives it, and faults_ installs its
  // trigger listener there when it is constructed.
  SimulatedNetwork network_;
  // A cluster's Redis, before the nodes that talk to it.
  std::optional<SimulatedRedis> redis_;
  std::vector<std::unique_ptr<SimulatedServer>> servers_;  // one, or the cluster's nodes
  std::optional<NodeRouter> router_;                       // a cluster's balancer
  std::map<std::string, int, std::less<>> session_nodes_;  // each client's current session's node
  // Entries trim_stream took from the stream, oldest first: committed, so in the committed log.
  std::vector<server::StoredMessage> trimmed_log_;
  SimulatedClients clients_;
  fault_injector::ControlPlane control_;
  ControlPlaneFaults faults_;  // the proxy every client connection crosses
  // A cluster: each node's client listener and its link to Redis, proxies of their own (after
  // network_ and redis_, their runtimes), and the faults by place over them and faults_.
  std::vector<std::unique_ptr<SimulatedProxyFaults>> node_client_faults_;
  std::vector<std::unique_ptr<SimulatedProxyFaults>> node_redis_faults_;
  std::optional<ClusterFaults> cluster_faults_;
};

}  // namespace resync::sim

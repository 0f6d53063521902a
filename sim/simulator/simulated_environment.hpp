#pragma once
// The RunEnvironment of a simulated run: wires the scenario execution to the simulated
// network, the simulated server node and the simulated clients on one virtual clock, and
// writes the history.
#include <cstdint>
#include <functional>
#include <string>

#include "fault_injector/control/control_plane.hpp"
#include "server/core/in_memory_message_store.hpp"
#include "server/core/storage_fault_store.hpp"
#include "sim/execution/control_plane_faults.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/history/history.hpp"
#include "sim/simulator/simulated_clients.hpp"
#include "sim/simulator/simulated_network.hpp"
#include "sim/simulator/simulated_server.hpp"

namespace resync::sim {

class SimulatedEnvironment final : public RunEnvironment, private NetworkEnds {
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
  FaultControl& faults() override { return faults_; }
  bool controls_server() const override { return true; }
  bool server_running() const override { return server_.running(); }
  void stop_server(int signal) override;
  void stop_server_on_trigger(int signal, std::int64_t delay_us, std::function<void()> on_signal_sent) override;
  void start_server() override;
  std::optional<std::int64_t> committed_highest_id() override { return store_.last_committed_id(); }
  StorageFaultAttempt start_storage_fault(StorageFaultKind kind) override;
  void end_storage_fault() override { faulty_store_.set_mode(server::StorageFaultMode::none); }
  void finish() override;

 private:
  // ---- NetworkEnds ----
  void arrive_at_server(SimConnection& connection, const std::string& bytes, bool end_of_stream) override {
    server_.arrive(connection, bytes, end_of_stream);
  }
  void arrive_at_client(SimConnection& connection, const std::string& bytes, bool end_of_stream) override {
    clients_.arrive(connection, bytes, end_of_stream);
  }
  void connection_reset(SimConnection& connection, const std::string& reason) override {
    server_.connection_reset(connection);
    clients_.connection_reset(connection, reason);
  }
  void downstream_room(SimConnection& connection) override { server_.downstream_room(connection); }

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
  SimulatedServer server_;
  SimulatedClients clients_;
  fault_injector::ControlPlane control_;
  ControlPlaneFaults faults_;
};

}  // namespace resync::sim

#pragma once
// One scenario's run, independent of how time and I/O work: it owns the ChatClients,
// schedules the timeline, moves through the phases (faults, heal, converge, check) and
// records the history. The live environment (real sockets, child server, TCP proxy) and the
// simulated environment (virtual clock, in-memory server core, simulated network) both drive
// this same object, so live and sim runs follow the same rules and write the same history.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/client/chat_client.hpp"
#include "sim/execution/fault_control.hpp"
#include "sim/history/history_event.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::sim {

// What an attempt to start a storage fault came to.
struct StorageFaultAttempt {
  enum class Outcome {
    started,  // in force now; `detail` says how it was made
    busy,     // not possible at this instant (the server holds the write lock): try again shortly
    refused,  // this environment cannot make it; `detail` says why
  };
  Outcome outcome = Outcome::refused;
  std::string detail;
};

// What a run needs from the world it runs in.
class RunEnvironment {
 public:
  virtual ~RunEnvironment() = default;
  virtual std::int64_t now_ms() const = 0;
  // Runs `work` at `time_ms` (since the start of the run), after everything already due.
  virtual void schedule(std::int64_t time_ms, std::function<void()> work) = 0;
  // The history's first line; the environment stamps it with its time (0 in every mode).
  virtual void record_run_started(history::RunStarted run) = 0;
  // Every later line: the environment stamps the time (now_ms()) and keeps or writes it.
  virtual void record(history::EventPayload event) = 0;
  // The client produced actions (open/close transports, frames, records): carry them out.
  virtual void pump(ChatClient& client) = 0;
  virtual FaultControl& faults() = 0;
  // Server control; false when the target cannot be controlled (an external URL).
  virtual bool controls_server() const = 0;
  virtual bool server_running() const = 0;
  // A start asked for while the old process was still going away; it follows by itself.
  virtual bool server_start_pending() const { return false; }
  virtual void stop_server(int signal) = 0;
  // A process fault's trigger fired in the proxy; this runs inside the proxy's byte handling,
  // so it must not touch connections or toxics. Signal the server `delay_us` from now with the
  // least latency the environment has (live, delay 0: from this very call), and run
  // `on_signal_sent` right after the signal, before the stop is recorded; it may record and
  // schedule. A server already down then is left alone and `on_signal_sent` is not run (a
  // restart would undo another step's stop).
  virtual void stop_server_on_trigger(int signal, std::int64_t delay_us, std::function<void()> on_signal_sent) = 0;
  virtual void start_server() = 0;
  // The highest committed id, when the environment can see the server's storage.
  virtual std::optional<std::int64_t> committed_highest_id() = 0;
  // For a server whose storage is not the harness's (an external target): where its log ends
  // now, as its database or a fresh reader's catch-up shows it; nothing when it cannot be
  // read. Slow (a catch-up takes its quiet period): asked only once the clients look converged.
  virtual std::optional<std::int64_t> external_log_end() { return std::nullopt; }
  // Storage faults on the server's database (docs/SCENARIOS.md, "Storage faults"): one at a
  // time; end_storage_fault lifts the one start_storage_fault started.
  virtual StorageFaultAttempt start_storage_fault(StorageFaultKind) {
    return {StorageFaultAttempt::Outcome::refused, "this environment cannot make storage faults"};
  }
  virtual void end_storage_fault() {}
  // Clusters (docs/SCENARIOS.md, "Clusters"): node indices from 0. An environment without a
  // cluster refuses each of them with the reason (the loader lets such steps through only in
  // cluster scenarios, so a refusal means this environment cannot run clusters).
  virtual bool runs_cluster() const { return false; }
  // The client's next session goes to `node` (the router's hop).
  virtual void hop_client(const std::string& /*client*/, int /*node*/) {}
  virtual bool node_running(int /*node*/) const { return false; }
  // Signals node `node` and returns (the stop is recorded when it took effect); an error
  // when it cannot be signalled.
  virtual std::optional<std::string> stop_node(int /*node*/, int /*signal*/) { return no_cluster_reason(); }
  virtual void start_node(int /*node*/) {}
  // Redis down (the signal; returns how, or nullopt with `error`) and up again.
  virtual std::optional<std::string> stop_redis(int /*signal*/, std::string& error) {
    error = no_cluster_reason();
    return std::nullopt;
  }
  virtual std::optional<std::string> start_redis(std::string& error) {
    error = no_cluster_reason();
    return std::nullopt;
  }
  virtual bool redis_running() const { return false; }
  virtual std::optional<std::string> trim_stream(std::int64_t /*keep_last*/, std::string& error) {
    error = no_cluster_reason();
    return std::nullopt;
  }
  // Node `node`'s link to Redis fails until heal_partition(node); returns how, or nullopt
  // with `error`.
  virtual std::optional<std::string> partition_node(int /*node*/, PartitionMode /*mode*/, std::string& error) {
    error = no_cluster_reason();
    return std::nullopt;
  }
  virtual void heal_partition(int /*node*/) {}
  static std::string no_cluster_reason() { return "this environment runs a single server, not a cluster"; }
  // The server read messages it has neither committed nor failed: clients that look settled
  // may still receive them, so the run is not converged. Only an environment that can ask the
  // server tells (cluster nodes, whose commits may wait for Redis to come back for seconds:
  // the simulator's cores, and live `resync serve` nodes through GET /resync/status);
  // elsewhere nothing is known and nothing is held up.
  virtual bool server_holds_unsettled_writes() const { return false; }
  // The run is over: close every transport and timer, stop the server, and append the
  // committed log (when the environment can read it).
  virtual void finish() = 0;
};

struct ExecutionOptions {
  std::uint64_t seed = 1;
  std::string mode = "live";           // "live" | "sim"
  std::string target = "embedded";     // for the history
  std::string delivery = "strict";     // strict | tutorial | external
  nlohmann::json replay = nlohmann::json::object();
  // Where the server's log ended before the timeline (a `--target URL` with older data):
  // recorded in run_started, and the clients start from it. Unset: an empty server.
  std::optional<std::int64_t> start_offset;
};

class ScenarioExecution {
 public:
  ScenarioExecution(const Scenario& scenario, ExecutionOptions options, RunEnvironment& environment);

  // The history's first line; the environment records it before it starts the server.
  void record_run_started();
  // Connects the clients that start connected and schedules the timeline and the phases
  // after it. The environment then runs until finish().
  void start();
  bool finished() const { return finished_; }

  ChatClient* client(const std::string& name);
  std::map<std::string, std::unique_ptr<ChatClient>>& clients() { return clients_; }

 private:
  void schedule_step(const Step& step, std::int64_t& last_ms);
  // Process faults on a protocol trigger (scenario_process_faults.cpp).
  void arm_process_fault(const Step& step, const KillServerStep& kill);
  void on_process_fault_fired(const std::string& name, const fault_injector::TriggerFiring& firing);
  void record_fault_fired(const fault_injector::TriggerFiring& firing);
  void record_process_faults_not_fired();
  void for_clients(const std::vector<std::string>& names, const std::function<void(ChatClient&)>& action);
  void try_storage_fault(StorageFaultKind kind, std::int64_t duration_ms, std::int64_t ends_ms);
  void end_storage_fault();
  // The cluster steps (scenario_cluster_steps.cpp).
  void schedule_cluster_step(const Step& step, std::int64_t& last_ms, const std::function<void(std::int64_t, std::function<void()>)>& when);
  void start_held_down_redis();
  void heal_partition(int node);
  void heal_cluster();
  void heal_phase();
  bool converged();
  bool external_log_settled();
  void poll_convergence();
  void finish(bool converged, const std::string& detail);

  const Scenario& scenario_;
  ExecutionOptions options_;
  RunEnvironment& environment_;
  std::map<std::string, std::unique_ptr<ChatClient>> clients_;  // ordered: deterministic iteration
  std::map<std::string, std::int64_t> sent_counts_;
  struct ArmedProcessFault {
    KillServerStep kill;
    std::string step_path;
    std::int64_t armed_at_ms = 0;
  };
  std::map<std::string, std::string> fault_types_;  // fault name -> its toxic type, for `fired` lines
  std::map<std::string, FaultPlace> fault_places_;  // fault name -> where it acts, for `fired` lines
  std::map<std::string, ArmedProcessFault> armed_process_faults_;  // by watch name; removed when fired
  std::int64_t converge_deadline_ms_ = 0;
  // The external log's end as last read, and since when it has stood there.
  std::optional<std::int64_t> external_log_end_;
  std::int64_t external_log_end_since_ms_ = 0;
  // The storage fault in force (its kind and the step's duration), to lift at its end, at
  // the heal phase, or when the run finishes early.
  std::optional<std::pair<StorageFaultKind, std::int64_t>> storage_fault_;
  bool finished_ = false;
  // Cluster faults in force, so the heal phase (or the end) can lift them: partitioned nodes
  // and whether Redis is held down by a restart_redis waiting for its down_ms.
  std::set<int> partitioned_nodes_;
  bool redis_held_down_ = false;
};

// A different well-mixed seed for each component (client i, the proxy) from one run seed.
std::uint64_t derive_seed(std::uint64_t run_seed, std::uint64_t component);

}  // namespace resync::sim

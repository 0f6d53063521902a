#pragma once
// A scenario file, loaded and validated. Scenario files are user input: the loader
// (scenario_loader.hpp) turns every mistake into an error naming the file, the JSON path
// and what was expected; everything in these structs is already valid.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace resync::sim {

enum class ClientPolicy {
  tutorial,  // appends every message received; offset = the last id received (the tutorial's page)
  dedupe,    // ignores ids already seen; offset = the highest id seen
};

enum class SendMode {
  plain,  // socket.emit("chat message", msg): the tutorial's server-delivery step
  acked,  // socket.timeout(ack_timeout_ms).emit(msg, clientOffset) with retries: client delivery
};

// The Engine.IO transport a client connects with (socket.io-client's `transports` option).
enum class ClientTransport {
  websocket,  // transports: ["websocket"]: a WebSocket from the start
  polling,    // transports: ["polling"]: HTTP long-polling only (a held GET, POSTs), no upgrade
};

struct ReconnectionOptions {           // socket.io-client's defaults
  std::int64_t delay_ms = 1000;        // reconnectionDelay
  std::int64_t delay_max_ms = 5000;    // reconnectionDelayMax
  double randomization_factor = 0.5;   // randomizationFactor
  std::int64_t connect_timeout_ms = 20000;  // timeout
};

struct ClientSpec {
  std::string name;  // unique; a spec with count N > 1 expands to name-1 .. name-N
  ClientPolicy policy = ClientPolicy::tutorial;
  SendMode send_mode = SendMode::plain;
  std::int64_t ack_timeout_ms = 2000;
  std::optional<int> retries;  // nullopt = unlimited (acked mode only)
  ReconnectionOptions reconnection;
  bool connection_state_recovery = false;
  bool keeps_offset_on_reload = false;  // the app stores its offset (e.g. localStorage)
  bool connect_at_start = true;
  ClientTransport transport = ClientTransport::websocket;
};

enum class ServerKind { embedded, external };

// Which node of a cluster a client's new Engine.IO session goes to (docs/SCENARIOS.md,
// "Clusters"). A polling session's several TCP connections always stay on one node.
enum class NodeRouting {
  sticky,       // a client's sessions stay on one node (as with sticky sessions); hop moves it
  round_robin,  // each new session of any client goes to the next node
};

struct ServerSpec {
  ServerKind kind = ServerKind::embedded;
  // embedded: flags for `resync serve`
  std::string delivery = "strict";  // strict | tutorial
  std::string durability = "full";  // full | process-crash
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::int64_t preload_messages = 0;  // rows stored before any client connects
  bool recovery = true;                // connection state recovery on the server
  std::int64_t recovery_window_ms = 120000;  // --recovery-window-ms: socket.io's maxDisconnectionDuration
  // --write-queue-bytes-max: unwritten bytes per WebSocket client before it is dropped as a
  // slow consumer (the live default, 64 MiB)
  std::size_t write_queue_bytes_max = 64 * 1024 * 1024;
  // external: the Socket.IO server to test (overridden by --target / --target-cmd)
  std::string url;
  std::string command;  // started with PORT in its environment; may be killed and restarted
  std::string chat_event = "chat message";
  std::string offset_auth_field = "serverOffset";
  // The external server's SQLite file with the tutorial's schema, when the harness can reach
  // it ("" = unknown; overridden by --target-db). Relative to RESYNC_RUN_DIR for a started
  // target. It is the committed log and the place storage faults act on.
  std::string database;
  // embedded only: a bug planted on purpose so Resync's own tests can prove the checker
  // catches it ("" = none; names in server/core/planted_bug.hpp).
  std::string planted_bug = {};
  // A cluster: `nodes` server processes (embedded or started from `command`) sharing one
  // Redis Stream as their log. Steps name nodes by 0-based index. `redis` is true whenever
  // nodes > 1; a single node may ask for it too (a one-node cluster, so Redis faults apply).
  int nodes = 1;
  NodeRouting routing = NodeRouting::sticky;
  bool redis = false;

  bool is_cluster() const { return redis; }
};

// Timeline steps. `at_ms` is measured from the start of the run.
struct ConnectStep { std::vector<std::string> clients; };
struct DisconnectStep { std::vector<std::string> clients; };  // socket.disconnect(): explicit, not recoverable
struct ReloadStep { std::vector<std::string> clients; };
struct SendStep {
  std::vector<std::string> clients;
  int count = 1;                 // messages per client
  std::int64_t interval_ms = 0;  // between two messages of one client
  std::string content_prefix;    // default "<client>-"
};
// Which link a fault's toxic acts on (docs/SCENARIOS.md, "Faults: the toxic").
enum class FaultLink {
  clients,  // the clients' connections to the server (to a cluster node: that node's client listener)
  redis,    // a cluster node's connections to Redis (its link to the shared log)
};
// Where a fault acts: the link, and in a cluster which node's (nullopt: every node's).
struct FaultPlace {
  FaultLink link = FaultLink::clients;
  std::optional<int> node = {};

  // Today's meaning of a fault: the clients' link of the server, or of every node.
  bool is_default() const { return link == FaultLink::clients && !node; }
  friend bool operator==(const FaultPlace&, const FaultPlace&) = default;
};
struct FaultStep {
  std::string name;      // unique among active faults, whatever their place; heal refers to it
  nlohmann::json toxic;  // the fault injector's toxic JSON (Toxiproxy body + target/trigger extensions)
  FaultPlace place = {};
};
struct HealStep { std::optional<std::string> name; };  // nullopt = heal everything
// A process fault that waits for something the proxy sees (the server's Nth ACK, the Nth
// EVENT to a client, a text match) instead of firing at its at_ms: armed at at_ms, fires
// once, on the first connection the target selects whose trigger fires, then signals the
// server after delay_us (docs/SCENARIOS.md, "Process faults on a trigger").
struct ProcessFaultTrigger {
  nlohmann::json trigger;          // the fault injector's trigger JSON, normalized: {"after_acks": 5, "direction": "downstream"}
  nlohmann::json target = "all";   // the fault injector's target JSON: "all" or {"tag": "alice"}, ...
  std::int64_t delay_us = 0;       // between the firing and the signal

  friend bool operator==(const ProcessFaultTrigger&, const ProcessFaultTrigger&) = default;
};
// kill_server (SIGKILL unless told) and stop_server (a graceful SIGTERM) both load into this.
struct KillServerStep {
  std::string signal = "SIGKILL";
  bool restart = true;
  std::int64_t restart_after_ms = 0;  // after the signal: at_ms, or the firing plus delay_us
  std::optional<ProcessFaultTrigger> on = {};  // nullopt: at at_ms
};
struct RestartServerStep {};
struct WaitStep {};  // only marks time; useful as a last step
// A storage fault on a database the harness can reach (sim/scenario/storage_fault_kind.hpp):
// from at_ms for duration_ms, writes to the server's database fail.
enum class StorageFaultKind {
  lock_database,  // another connection holds the write lock (SQLITE_BUSY past the busy timeout)
  read_only,      // no write reaches the file
  full,           // the files cannot grow (a full disk)
};
struct StorageFaultStep { StorageFaultKind kind = StorageFaultKind::lock_database; std::int64_t duration_ms = 1000; };

// Cluster steps (docs/SCENARIOS.md, "Clusters"); node indices count from 0.
// The client's next session goes to `node` (and, under sticky routing, the ones after it).
struct HopStep {
  std::string client;
  int node = 0;
};
// kill_node (SIGKILL unless told) and stop_node (a graceful SIGTERM) both load into this.
struct NodeFaultStep {
  std::optional<int> node;  // nullopt: every node
  std::string signal = "SIGKILL";
  bool restart = true;
  std::int64_t restart_after_ms = 0;  // after each node's own signal
  // Every node, one after another: node i is signalled i * rolling_gap_ms after at_ms.
  // nullopt: every node at once (or the one node named).
  std::optional<std::int64_t> rolling_gap_ms = {};
};
// Starts a node (or every node) that a kill_node/stop_node with "restart": false left down.
struct RestartNodeStep { std::optional<int> node; };
// Redis goes down (the signal) and comes back on the same directory and port down_ms later.
struct RestartRedisStep {
  std::string signal = "SIGKILL";
  std::int64_t down_ms = 500;
};
// XTRIM MINID: the stream keeps only its last keep_last entries (older ones are gone for a
// node that reads from an offset before them).
struct TrimStreamStep { std::int64_t keep_last = 0; };
enum class PartitionMode {
  stall,  // node K's Redis link swallows bytes (a black hole) and stays open
  drop,   // node K's Redis connections are reset, and new ones too, for the duration
};
// Node K's link to Redis fails for duration_ms while its clients stay connected.
struct PartitionNodeStep {
  int node = 0;
  std::int64_t duration_ms = 1000;
  PartitionMode mode = PartitionMode::stall;
};

using StepAction = std::variant<ConnectStep, DisconnectStep, ReloadStep, SendStep, FaultStep, HealStep, KillServerStep,
                                RestartServerStep, WaitStep, StorageFaultStep, HopStep, NodeFaultStep, RestartNodeStep,
                                RestartRedisStep, TrimStreamStep, PartitionNodeStep>;

struct Step {
  std::int64_t at_ms = 0;
  StepAction action;
  std::string json_path;  // where it came from, e.g. "$.timeline[3]" (for messages)
};

enum class Verdict { valid, invalid, unknown };

struct Expectation {
  Verdict verdict = Verdict::valid;
  std::vector<std::string> anomalies;  // exactly the kinds that must be reported (docs/HISTORY.md)
  std::vector<std::string> allow = {};  // kinds that may be reported as well (e.g. sent_unknown)
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;  // path it was loaded from
  ServerSpec server;
  std::vector<ClientSpec> clients;  // expanded (count applied)
  std::vector<Step> timeline;       // sorted by at_ms, stable
  std::int64_t converge_within_ms = 15000;
  std::int64_t quiet_ms = 300;      // convergence also needs this long without traffic
  Expectation expect;
  std::optional<std::uint64_t> seed;  // a scenario may pin its seed; --seed overrides
  // A scenario meant for one mode only ("live" or "sim"), and why; nullopt = both modes.
  std::optional<std::string> only_mode = {};
  std::string only_mode_reason = {};
};

}  // namespace resync::sim

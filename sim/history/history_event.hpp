#pragma once
// One line of a history (docs/HISTORY.md) as typed data. The runner builds these and hands
// them to HistoryWriter; the reader turns each line back into one. Typed payloads (rather
// than keeping every line as a JSON object) keep a 1,000,000-line history in memory at
// roughly a quarter of the size, and make every field the checker relies on explicit.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.hpp"

namespace resync::history {

// The first line of every history. Kept apart from HistoryEvent (see History) because it
// is large and occurs once.
struct RunStarted {
  static constexpr std::string_view type_name = "run_started";
  std::string scenario;
  std::string file;  // the scenario file, or "" when it did not come from a file
  std::uint64_t seed = 0;
  std::string mode = "live";      // "live" or "sim"
  std::string target = "embedded";  // "embedded" or the URL of an external server
  std::string delivery = "strict";  // "strict", "tutorial" or "external"
  sim::Expectation expect;
  std::string replay_live;  // the command that replays this run against real sockets ("" if none)
  std::string replay_sim;   // the command that replays it in the simulator ("" if none)
  std::vector<std::string> clients;
  // The server's highest id before the timeline began: rows up to it are older runs' data,
  // not this scenario's (docs/HISTORY.md). Absent for a server that starts empty; a
  // `--target URL` whose log is empty records 0 (it was probed).
  std::optional<std::int64_t> start_offset;
  // The scenario's description and convergence bound, for people reading the history and
  // the report; absent in histories written before the runner recorded them.
  std::optional<std::string> description;
  std::optional<std::int64_t> converge_within_ms;

  std::int64_t start_offset_or_zero() const { return start_offset.value_or(0); }
  // Field by field (sim::Expectation has no operator== of its own).
  friend bool operator==(const RunStarted&, const RunStarted&);
};

struct PhaseChanged {
  static constexpr std::string_view type_name = "phase";
  std::string phase;  // faults | heal | converge | check
  friend bool operator==(const PhaseChanged&, const PhaseChanged&) = default;
};

struct ServerStarted {
  static constexpr std::string_view type_name = "server_started";
  std::int64_t port = 0;
  std::optional<std::int64_t> pid;  // live mode only
  std::int64_t incarnation = 1;
  // The cluster node (0-based) it concerns; absent in single-server runs and older
  // histories, which means node 0 (docs/HISTORY.md, "Clusters").
  std::optional<std::int64_t> node = {};
  friend bool operator==(const ServerStarted&, const ServerStarted&) = default;
};

struct ServerStopped {
  static constexpr std::string_view type_name = "server_stopped";
  std::string signal;  // the signal a step (or the end of the run) sent: SIGKILL | SIGTERM; "exit" when none was sent
  std::int64_t incarnation = 1;
  std::string detail;  // the server's stderr tail when it crashed or wrote a sanitizer report; "" otherwise
  bool requested = true;                   // false: it exited although nothing asked it to
  std::optional<std::int64_t> exit_status = {};  // its exit status, when it exited normally
  std::string exit_signal = {};            // the signal that ended it ("SIGSEGV", ...), "" when it exited normally
  bool sanitizer_report = false;           // its stderr holds an AddressSanitizer/UBSan/LeakSanitizer report
  bool escalated = false;                  // it ignored SIGTERM for the grace period and was SIGKILLed
  // The cluster node (0-based) it concerns; absent in single-server runs and older
  // histories, which means node 0 (docs/HISTORY.md, "Clusters").
  std::optional<std::int64_t> node = {};
  friend bool operator==(const ServerStopped&, const ServerStopped&) = default;
};

struct ServerFailed {
  static constexpr std::string_view type_name = "server_failed";
  std::string detail;  // the server's own error output
  friend bool operator==(const ServerFailed&, const ServerFailed&) = default;
};

struct ClientConnecting {
  static constexpr std::string_view type_name = "connecting";
  std::string client;
  std::int64_t attempt = 1;  // 1 = the first try after a disconnect
  // The Engine.IO transport it opens. Written only when it is not a WebSocket, so histories
  // of WebSocket clients keep the bytes they had before the field existed.
  sim::ClientTransport transport = sim::ClientTransport::websocket;
  // The cluster node (0-based) it concerns; absent in single-server runs and older
  // histories, which means node 0 (docs/HISTORY.md, "Clusters").
  std::optional<std::int64_t> node = {};
  friend bool operator==(const ClientConnecting&, const ClientConnecting&) = default;
};

struct ClientConnected {
  static constexpr std::string_view type_name = "connected";
  std::string client;
  std::string socket_id;
  nlohmann::json server_offset;  // the auth.serverOffset sent; null when none (its type is the app's)
  bool recovered = false;
  // The cluster node (0-based) it concerns; absent in single-server runs and older
  // histories, which means node 0 (docs/HISTORY.md, "Clusters").
  std::optional<std::int64_t> node = {};
  friend bool operator==(const ClientConnected&, const ClientConnected&) = default;
};

struct ClientConnectError {
  static constexpr std::string_view type_name = "connect_error";
  std::string client;
  std::string message;
  friend bool operator==(const ClientConnectError&, const ClientConnectError&) = default;
};

struct ClientDisconnected {
  static constexpr std::string_view type_name = "disconnected";
  std::string client;
  std::string reason;
  friend bool operator==(const ClientDisconnected&, const ClientDisconnected&) = default;
};

struct ClientReloaded {
  static constexpr std::string_view type_name = "reloaded";
  std::string client;
  std::optional<std::int64_t> kept_offset;
  friend bool operator==(const ClientReloaded&, const ClientReloaded&) = default;
};

struct MessageSent {
  static constexpr std::string_view type_name = "sent";
  std::string client;
  std::string content;
  std::optional<std::string> client_offset;  // nullopt for plain (unacknowledged) delivery
  std::int64_t attempt = 1;
  bool acked_delivery = false;
  friend bool operator==(const MessageSent&, const MessageSent&) = default;
};

struct MessageAcked {
  static constexpr std::string_view type_name = "acked";
  std::string client;
  std::string content;
  std::optional<std::string> client_offset;
  friend bool operator==(const MessageAcked&, const MessageAcked&) = default;
};

struct SendAbandoned {
  static constexpr std::string_view type_name = "send_abandoned";
  std::string client;
  std::string content;
  std::optional<std::string> client_offset;
  std::string reason;  // "retries exhausted" | "reload"
  friend bool operator==(const SendAbandoned&, const SendAbandoned&) = default;
};

struct MessageReceived {
  static constexpr std::string_view type_name = "received";
  std::string client;
  std::int64_t id = 0;
  std::string content;
  bool rendered = true;  // false when the client's policy ignored it (dedupe)
  friend bool operator==(const MessageReceived&, const MessageReceived&) = default;
};

struct FaultChanged {
  static constexpr std::string_view type_name = "fault";
  std::string name;
  std::string action;  // start | heal | fired | refused
  std::string toxic;   // the toxic type; "" when the line has none (e.g. heal)
  nlohmann::json detail;  // the toxic JSON or the trigger text; null when absent
  // Where it acts (start, refused, fired): the clients' link unless `link` says "redis" (a
  // cluster node's link to Redis), on every node unless `node` names one. Absent in the
  // lines of faults on the default place, and in every older history.
  sim::FaultLink link = sim::FaultLink::clients;
  std::optional<std::int64_t> node = {};
  friend bool operator==(const FaultChanged&, const FaultChanged&) = default;
};

// A kill_server / stop_server step waiting for a protocol trigger (docs/HISTORY.md). The
// stop itself is the server_stopped line that follows a `fired` one.
struct ProcessFault {
  static constexpr std::string_view type_name = "process_fault";
  std::string name;    // the step it came from: its JSON path in the scenario, "$.timeline[3]"
  std::string action;  // armed | fired | not_fired
  std::string signal;  // SIGKILL | SIGTERM
  nlohmann::json trigger;  // the fault injector's trigger JSON, {"after_acks": 5, "direction": "downstream"}
  std::int64_t delay_us = 0;  // between the firing and the signal
  std::optional<std::int64_t> connection;  // fired: the proxy's connection id
  std::optional<std::string> tag;          // fired: that connection's client tag, when known
  std::string detail;  // fired: what matched; not_fired: why nothing was stopped
  friend bool operator==(const ProcessFault&, const ProcessFault&) = default;
};

// A storage fault window on the server's database (docs/HISTORY.md): `start` when the
// fault took hold, `end` when it was lifted, `refused` when the environment could not make
// it (no reachable database, no process to limit).
// A cluster fault that is not a node's process (docs/HISTORY.md, "Clusters"): Redis going
// down and back (restart_redis), the stream trimmed (trim_stream), a node's link to Redis
// failing (partition_node).
struct ClusterFault {
  static constexpr std::string_view type_name = "cluster_fault";
  std::string kind;    // restart_redis | trim_stream | partition_node
  std::string action;  // start | end (restart_redis, partition_node) | done (trim_stream) | refused
  std::optional<std::int64_t> node = {};  // partition_node: the node whose link fails
  std::string detail;  // how it was made (the signal and pid, the XTRIM, the toxic), or why it was refused
  friend bool operator==(const ClusterFault&, const ClusterFault&) = default;
};

struct StorageFaultChanged {
  static constexpr std::string_view type_name = "storage_fault";
  std::string kind;    // lock_database | storage_read_only | storage_full
  std::string action;  // start | end | refused
  std::int64_t duration_ms = 0;  // the step's duration
  std::string detail;  // how it was made, or why it was refused
  friend bool operator==(const StorageFaultChanged&, const StorageFaultChanged&) = default;
};

struct CommittedMessage {
  std::int64_t id = 0;
  std::string content;
  std::optional<std::string> client_offset;

  friend bool operator==(const CommittedMessage&, const CommittedMessage&) = default;
};

enum class CommittedLogSource {
  database,        // read from the server's SQLite file after the run (embedded, or a reachable target database)
  observed,        // rebuilt by the runner from what clients observed (older histories)
  catch_up_audit,  // read through the target's own catch-up by an audit client after convergence
};

struct CommittedLog {
  static constexpr std::string_view type_name = "committed_log";
  std::vector<CommittedMessage> messages;  // in id order, ids unique (the reader checks)
  CommittedLogSource source = CommittedLogSource::database;
  // catch_up_audit only (required there): the serverOffset the audit client connected with.
  std::optional<std::int64_t> from_offset = {};
  friend bool operator==(const CommittedLog&, const CommittedLog&) = default;
};

// A source of the committed log that the runner tried and could not read: the audit client
// could not connect, was cut off or timed out, or the target's database could not be opened.
// The checker then has less to go on and says so; a run with such a line is never `valid`.
struct CommittedLogUnavailable {
  static constexpr std::string_view type_name = "committed_log_unavailable";
  CommittedLogSource source = CommittedLogSource::catch_up_audit;  // catch_up_audit | database
  std::optional<std::int64_t> from_offset;  // the audit's offset, when source is catch_up_audit
  std::string detail;                       // what went wrong, for people
  friend bool operator==(const CommittedLogUnavailable&, const CommittedLogUnavailable&) = default;
};

// One line the server under test logged (docs/HISTORY.md): the live embedded server's stderr
// lines in the shell's log format, and the simulated host's log lines. Informational: the
// checker does not judge it.
struct ServerLog {
  static constexpr std::string_view type_name = "server_log";
  std::string level;  // debug | info | warn | error (as the server wrote it)
  std::string text;
  std::int64_t incarnation = 1;  // the server_started it belongs to

  // The cluster node (0-based) it concerns; absent in single-server runs and older
  // histories, which means node 0 (docs/HISTORY.md, "Clusters").
  std::optional<std::int64_t> node = {};
  friend bool operator==(const ServerLog&, const ServerLog&) = default;
};

struct RunFinished {
  static constexpr std::string_view type_name = "run_finished";
  bool converged = true;
  std::string detail;  // why not, when converged is false
  friend bool operator==(const RunFinished&, const RunFinished&) = default;
};

// A line whose type this build does not know: kept (for the report) and otherwise ignored,
// so that newer runners stay readable by older checkers.
struct UnrecognizedEvent {
  std::string type;
  nlohmann::json fields;
  friend bool operator==(const UnrecognizedEvent&, const UnrecognizedEvent&) = default;
};

using EventPayload =
    std::variant<PhaseChanged, ServerStarted, ServerStopped, ServerFailed, ClientConnecting, ClientConnected,
                 ClientConnectError, ClientDisconnected, ClientReloaded, MessageSent, MessageAcked, SendAbandoned,
                 MessageReceived, FaultChanged, ProcessFault, CommittedLog, CommittedLogUnavailable, RunFinished, StorageFaultChanged, ServerLog, ClusterFault, UnrecognizedEvent>;

// Every line after run_started.
struct HistoryEvent {
  std::int64_t t_ms = 0;  // since the run started: wall clock (live) or virtual (sim)
  EventPayload payload;
  std::size_t line_number = 0;  // 1-based line in the history file; 0 when built in memory

  // The `type` field of the line.
  std::string_view type_name() const;
  // The client the line is about, or "" for run-wide lines (server, faults, phases...).
  std::string_view client() const;

  template <typename Payload>
  const Payload* as() const {
    return std::get_if<Payload>(&payload);
  }
  // The same time and payload: where a line was read from (line_number) is not part of the
  // event, so a history built in memory equals the one read back from its text.
  friend bool operator==(const HistoryEvent& left, const HistoryEvent& right) {
    return left.t_ms == right.t_ms && left.payload == right.payload;
  }
};

std::string_view committed_log_source_name(CommittedLogSource source);
// The source named `name` in a history line, or nullopt for a name this build does not know.
std::optional<CommittedLogSource> committed_log_source_from_name(std::string_view name);

}  // namespace resync::history

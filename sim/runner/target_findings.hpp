#pragma once
// What the probe before a run found out about an external target, and what follows from it
// for each scenario. Pure: no sockets, so the decisions are unit-tested without a server.
#include <cstdint>
#include <optional>
#include <string>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

// How long the probe waits for each answer; a target slower than this is taken as lacking it.
inline constexpr std::int64_t probe_connect_wait_ms = 5000;
inline constexpr std::int64_t probe_broadcast_wait_ms = 3000;
inline constexpr std::int64_t probe_ack_wait_ms = 3000;

// What the probe's clients saw, in the order the probe looks for it.
struct ProbeObservations {
  bool websocket_opened = false;     // the HTTP upgrade on /socket.io/?EIO=4&transport=websocket succeeded
  bool engineio_open_packet = false; // the first frame was an Engine.IO v4 open packet
  bool socketio_connected = false;   // the CONNECT to "/" was accepted
  bool broadcast_with_id = false;    // the plain probe message came back as (event, content, integer id)
  bool acknowledged = false;         // the acked probe message got its ACK
  std::string transport_problem;     // why the WebSocket or the CONNECT failed, when it did
};

struct TargetFindings {
  std::string target;      // "http://127.0.0.1:3000", as printed
  std::string chat_event;  // the event name probed
  bool engineio_v4 = false;
  bool socketio_v5 = false;
  bool broadcasts = false;
  bool acknowledges = false;
  // Why no scenario can run ("" when the protocol and the broadcast work).
  std::string unusable_reason;
  // Not probed but known from the options: storage faults need them (docs/SCENARIOS.md).
  bool harness_starts_target = false;  // --target-cmd / server.external.command: its processes can be limited
  bool database_reachable = false;     // --target-db / server.external.database: its write lock can be held
  bool target_is_cluster = false;      // --target-cluster, or the scenario's own external cluster: nodes on REDIS_URL
};

// Pure: the findings from what was observed.
TargetFindings decide_findings(const std::string& target, const std::string& chat_event, const ProbeObservations& seen);

// Pure: why `scenario` cannot be judged on this target, or nothing when it can: the target
// lacks what the scenario needs (acks), or the scenario needs what only the embedded server
// has (a planted bug, preloaded rows, an expectation about its tutorial delivery mode).
std::optional<std::string> why_not_applicable(const Scenario& scenario, const TargetFindings& findings);

// The one line `resync run` prints, e.g.
// `target http://127.0.0.1:3000: Engine.IO 4, Socket.IO 5, broadcasts "chat message", acknowledges: no`.
std::string findings_line(const TargetFindings& findings);

}  // namespace resync::sim

#include "sim/runner/target_findings.hpp"

#include <algorithm>

#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim {

TargetFindings decide_findings(const std::string& target, const std::string& chat_event, const ProbeObservations& seen) {
  TargetFindings findings;
  findings.target = target;
  findings.chat_event = chat_event;
  findings.engineio_v4 = seen.websocket_opened && seen.engineio_open_packet;
  // A CONNECT reply only means something over a working Engine.IO session.
  findings.socketio_v5 = findings.engineio_v4 && seen.socketio_connected;
  findings.broadcasts = findings.socketio_v5 && seen.broadcast_with_id;
  findings.acknowledges = findings.socketio_v5 && seen.acknowledged;
  const std::string because = seen.transport_problem.empty() ? "" : " (" + seen.transport_problem + ")";
  if (!seen.websocket_opened) {
    findings.unusable_reason = "target does not accept a WebSocket on /socket.io/?EIO=4&transport=websocket" + because;
  } else if (!seen.engineio_open_packet) {
    findings.unusable_reason = "target does not speak Engine.IO v4 (no open packet as the first WebSocket frame)" + because;
  } else if (!seen.socketio_connected) {
    findings.unusable_reason = "target does not speak Socket.IO v5 (no CONNECT reply for namespace \"/\")" + because;
  } else if (!seen.broadcast_with_id) {
    findings.unusable_reason = "target does not broadcast \"" + chat_event + "\" back with an id (event, content, id)";
  }
  return findings;
}

std::optional<std::string> why_not_applicable(const Scenario& scenario, const TargetFindings& findings) {
  if (!findings.unusable_reason.empty()) return findings.unusable_reason;
  // A scenario written for the embedded server may need what only `resync serve` can be told
  // (a target is started by its own command): run against a target, its expectation would
  // judge something that was never set up.
  if (!scenario.server.planted_bug.empty()) {
    return "the scenario plants a bug in the embedded server (server.planted_bug \"" + scenario.server.planted_bug +
           "\"): it tests Resync's checker, not a target";
  }
  if (scenario.server.preload_messages > 0) {
    return "the scenario needs " + std::to_string(scenario.server.preload_messages) +
           " rows stored before the run (server.preload_messages), which only the embedded server can be given";
  }
  if (scenario.server.write_queue_bytes_max != ServerSpec{}.write_queue_bytes_max) {
    return "the scenario sets the embedded server's slow-consumer limit (server.write_queue_bytes_max), which a "
           "target started by its own command is not given";
  }
  if (scenario.server.kind == ServerKind::embedded && scenario.server.delivery == "tutorial") {
    return "the scenario's expectation describes the embedded server's naive \"tutorial\" delivery (server.delivery), "
           "not a target";
  }
  // A single server started N times is N servers that share nothing (or fight over one
  // database file), not a cluster: its verdicts would be about the harness's setup.
  if (scenario.server.is_cluster() && !findings.target_is_cluster) {
    return "the scenario is a cluster of " + std::to_string(scenario.server.nodes) +
           " node(s) on Redis, and the target is a single server: give --target-cluster when --target-cmd starts a "
           "cluster node (it gets NODE_INDEX and REDIS_URL)";
  }
  const bool needs_acks = std::any_of(scenario.clients.begin(), scenario.clients.end(),
                                      [](const ClientSpec& client) { return client.send_mode == SendMode::acked; });
  if (needs_acks && !findings.acknowledges) return "target does not acknowledge \"" + findings.chat_event + "\"";
  // A storage-fault scenario proves something only when the fault really happens; run
  // without it, it would be a plain run reported as a pass.
  for (const Step& step : scenario.timeline) {
    const auto* storage = std::get_if<StorageFaultStep>(&step.action);
    if (storage == nullptr) continue;
    const std::string name(storage_fault_name(storage->kind));
    // storage_full measures the database files to set the limit at their size.
    if (storage->kind != StorageFaultKind::read_only && !findings.database_reachable) {
      return name + " needs the target's SQLite file (--target-db PATH or server.external.database)";
    }
    if (storage->kind != StorageFaultKind::lock_database && !findings.harness_starts_target) {
      return name + " needs a target the harness starts (--target-cmd or server.external.command): it limits the "
                    "target's processes";
    }
  }
  return std::nullopt;
}

std::string findings_line(const TargetFindings& findings) {
  std::string line = "target " + findings.target + ": ";
  if (!findings.engineio_v4) return line + findings.unusable_reason;
  line += "Engine.IO 4, ";
  if (!findings.socketio_v5) return line + findings.unusable_reason;
  line += "Socket.IO 5, ";
  line += findings.broadcasts ? "broadcasts \"" + findings.chat_event + "\"" : "does not broadcast \"" + findings.chat_event + "\"";
  line += std::string(", acknowledges: ") + (findings.acknowledges ? "yes" : "no");
  return line;
}

}  // namespace resync::sim

#pragma once
// The probe before a run against an external target: for `--target URL` (or server.url) it
// probes the running server; for `--target-cmd CMD` (or server.command) it starts the
// command once with PORT in a scratch directory of its own, probes it and stops it, so a
// target that cannot start is reported once, with its stderr, before any scenario.
#include <optional>
#include <string>

#include "sim/runner/target_findings.hpp"

namespace resync::sim {

struct ExternalTarget {
  std::string url;      // given: probed where it is
  std::string command;  // given instead: started for the probe
  std::string chat_event = "chat message";
  std::string offset_auth_field = "serverOffset";
  // A cluster node (server.nodes > 1 or server.redis): the probe starts one node, NODE_INDEX
  // 0, on a Redis of its own (REDIS_URL), as the run will.
  bool cluster_node = false;
};

struct ExternalTargetProbe {
  std::optional<TargetFindings> findings;  // nothing when the target could not be reached at all
  // Why not: the command did not start (naming it, its exit and its stderr tail), or the URL is unreadable.
  std::string start_failure;
};

ExternalTargetProbe probe_external_target(const ExternalTarget& target, const std::string& scratch_directory);

}  // namespace resync::sim

#pragma once
// Which timeline steps are the cluster's (hop, kill_node, stop_node, restart_node,
// restart_redis, trim_stream, partition_node); ScenarioExecution schedules them in
// scenario_cluster_steps.cpp.
#include <variant>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

inline bool is_cluster_step(const StepAction& action) {
  return std::holds_alternative<HopStep>(action) || std::holds_alternative<NodeFaultStep>(action) ||
         std::holds_alternative<RestartNodeStep>(action) || std::holds_alternative<RestartRedisStep>(action) ||
         std::holds_alternative<TrimStreamStep>(action) || std::holds_alternative<PartitionNodeStep>(action);
}

}  // namespace resync::sim

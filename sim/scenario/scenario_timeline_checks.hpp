#pragma once
// Checks on a timeline that need the steps in time order: faults healed before they start or
// started twice while active, a restart_server with no server held down, and the total
// number of messages sent; in a cluster, a restart_node with no node held down, restart_redis
// steps while Redis is down and partitions of one node that overlap.
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "sim/scenario/scenario_error.hpp"

namespace resync::sim::scenario_parts {

// `steps` sorted by at_ms; errors name each step by its json_path.
void check_timeline(const std::vector<Step>& steps, const ServerSpec& server, ScenarioErrors& errors);

}  // namespace resync::sim::scenario_parts

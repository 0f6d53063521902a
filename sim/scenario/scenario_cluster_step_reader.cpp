// The cluster steps of a timeline (docs/SCENARIOS.md, "Clusters"): hop, kill_node, stop_node,
// restart_node, restart_redis, trim_stream, partition_node. Node indices count from 0 and are
// checked against server.nodes here; a cluster step in a scenario without a cluster, or a
// single-server step (kill_server, ...) in a cluster, is an error naming the step to use.
#include <algorithm>
#include <array>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

using scenario_json::ObjectReader;
namespace bounds = scenario_bounds;

// Constant-initialized: cluster_actions() is asked for while other files' statics are being
// initialized (the timeline reader's list of actions), in whatever order the build links them.
constexpr std::array<std::string_view, 4> kNodeActions = {"hop", "kill_node", "stop_node", "restart_node"};
constexpr std::array<std::string_view, 3> kRedisActions = {"restart_redis", "trim_stream", "partition_node"};
constexpr std::array<std::string_view, 3> kSingleServerActions = {"kill_server", "stop_server", "restart_server"};
constexpr std::array<std::string_view, 3> kStorageActions = {"lock_database", "storage_read_only", "storage_full"};

template <std::size_t Count>
bool is_in(const std::array<std::string_view, Count>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// What a "node" key held: one node, or every node ("all").
struct NodeChoice {
  bool every_node = false;
  int index = 0;

  std::optional<int> as_optional() const { return every_node ? std::nullopt : std::optional<int>(index); }
};

// A node index, or "all" when `all_allowed`; nullopt when an error was reported.
std::optional<NodeChoice> read_node(ObjectReader& reader, const ServerSpec& server, bool all_allowed) {
  const nlohmann::json* value = reader.required("node", all_allowed ? R"(a node index, or "all")" : "a node index",
                                                R"(add "node": 0 (nodes count from 0))");
  if (value == nullptr) return std::nullopt;
  if (all_allowed && value->is_string() && *value == "all") return NodeChoice{true, 0};
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0 && value->get<std::int64_t>() < server.nodes) {
    return NodeChoice{false, value->get<int>()};
  }
  reader.errors().add(reader.path_of("node"), scenario_json::describe(*value),
                      "a node index " + node_range_text(server) + (all_allowed ? R"(, or "all")" : ""),
                      value->is_number_integer() ? "use an index below server.nodes, or raise server.nodes"
                                                 : "write the node's index as a whole number without quotes");
  return std::nullopt;
}

std::optional<HopStep> read_hop(const nlohmann::json& value, const std::string& path, const ClientRoster& roster,
                                const ServerSpec& server, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a hop action", R"(write e.g. {"client": "bob", "node": 1})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  HopStep hop;
  if (reader.required("client", "the name of one client", R"(add "client": "bob")") != nullptr) {
    const std::optional<std::string> name = reader.name("client");
    if (name && roster.is_client(*name)) {
      hop.client = *name;
    } else if (name) {
      errors.add(reader.path_of("client"), "\"" + *name + "\", which is not the name of one client",
                 "the name of one client (a spec with count N > 1 is N clients: name one of them)",
                 "write one client's name, e.g. \"" + roster.client_names().front() +
                     "\"; hop each client with a step of its own");
    }
  }
  if (const std::optional<NodeChoice> node = read_node(reader, server, false)) hop.node = node->index;
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  return hop;
}

// kill_node (signal SIGKILL unless told) and stop_node (always a graceful SIGTERM).
std::optional<NodeFaultStep> read_node_fault(const nlohmann::json& value, const std::string& path, std::int64_t at_ms,
                                             bool graceful, const ServerSpec& server, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, graceful ? "a stop_node action" : "a kill_node action",
                      R"(write e.g. {"node": 1, "restart": true, "restart_after_ms": 500} or {"node": "all", "rolling_gap_ms": 1000})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  NodeFaultStep fault;
  if (const std::optional<NodeChoice> node = read_node(reader, server, true)) fault.node = node->as_optional();
  if (graceful) fault.signal = "SIGTERM";
  if (!graceful) {
    if (auto signal = reader.choice("signal", {"SIGKILL", "SIGTERM"})) fault.signal = *signal;
  }
  if (auto restart = reader.boolean("restart")) fault.restart = *restart;
  if (auto after = reader.integer("restart_after_ms", {0, bounds::kDurationMsMax, "milliseconds"})) {
    fault.restart_after_ms = *after;
    if (!fault.restart) {
      errors.add(reader.path_of("restart_after_ms"), std::to_string(*after) + " with \"restart\": false",
                 "restart_after_ms only together with \"restart\": true",
                 "remove restart_after_ms, or use a restart_node step later to start the node again");
    }
  }
  if (auto gap = reader.integer("rolling_gap_ms", kPositiveMilliseconds)) {
    fault.rolling_gap_ms = *gap;
    if (errors.count() == errors_before && fault.node) {
      errors.add(reader.path_of("rolling_gap_ms"), std::to_string(*gap) + " for the one node " + std::to_string(*fault.node),
                 "rolling_gap_ms only with \"node\": \"all\" (one node after another, that far apart)",
                 "remove rolling_gap_ms, or write \"node\": \"all\"");
    }
    const std::int64_t last_ms = at_ms + (server.nodes - 1) * *gap;
    if (last_ms > bounds::kTimelineMsMax) {
      errors.add(reader.path_of("rolling_gap_ms"),
                 std::to_string(server.nodes) + " nodes " + std::to_string(*gap) + " ms apart from " +
                     std::to_string(at_ms) + " ms, the last at " + std::to_string(last_ms) + " ms",
                 "a rolling restart whose last node goes down within " + std::to_string(bounds::kTimelineMsMax) +
                     " ms (10 minutes)",
                 "shorten rolling_gap_ms or start the step earlier");
    }
  }
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  return fault;
}

std::optional<RestartNodeStep> read_restart_node(const nlohmann::json& value, const std::string& path,
                                                 const ServerSpec& server, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a restart_node action", R"(write e.g. {"node": 1} or {"node": "all"})");
  if (!reader.is_object()) return std::nullopt;
  const std::optional<NodeChoice> node = read_node(reader, server, true);
  reader.reject_unknown_keys();
  if (!node) return std::nullopt;
  return RestartNodeStep{node->as_optional()};
}

std::optional<RestartRedisStep> read_restart_redis(const nlohmann::json& value, const std::string& path,
                                                   std::int64_t at_ms, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a restart_redis action", R"(write e.g. {"down_ms": 500} or {})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  RestartRedisStep restart;
  if (auto signal = reader.choice("signal", {"SIGKILL", "SIGTERM"})) restart.signal = *signal;
  if (auto down = reader.integer("down_ms", {0, bounds::kDurationMsMax, "milliseconds Redis stays down"})) {
    restart.down_ms = *down;
    if (at_ms + *down > bounds::kTimelineMsMax) {
      errors.add(reader.path_of("down_ms"),
                 std::to_string(*down) + " ms from " + std::to_string(at_ms) + " ms, back at " +
                     std::to_string(at_ms + *down) + " ms",
                 "Redis back within " + std::to_string(bounds::kTimelineMsMax) + " ms (10 minutes)",
                 "shorten down_ms or start the step earlier");
    }
  }
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  return restart;
}

std::optional<TrimStreamStep> read_trim_stream(const nlohmann::json& value, const std::string& path,
                                               ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a trim_stream action", R"(write e.g. {"keep_last": 10})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  TrimStreamStep trim;
  reader.required("keep_last", "how many of the newest stream entries to keep", R"(add "keep_last": 10)");
  if (auto keep = reader.integer("keep_last", {0, bounds::kStreamKeepLastMax, "stream entries kept"})) {
    trim.keep_last = *keep;
  }
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  return trim;
}

std::optional<PartitionNodeStep> read_partition_node(const nlohmann::json& value, const std::string& path,
                                                     std::int64_t at_ms, const ServerSpec& server,
                                                     ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a partition_node action",
                      R"(write e.g. {"node": 1, "duration_ms": 2000, "mode": "stall"})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  PartitionNodeStep partition;
  if (const std::optional<NodeChoice> node = read_node(reader, server, false)) partition.node = node->index;
  reader.required("duration_ms", "how long the link to Redis fails, in milliseconds", R"(add "duration_ms": 2000)");
  if (auto duration = reader.integer("duration_ms", kPositiveMilliseconds)) {
    partition.duration_ms = *duration;
    if (at_ms + *duration > bounds::kTimelineMsMax) {
      errors.add(reader.path_of("duration_ms"),
                 std::to_string(*duration) + " ms from " + std::to_string(at_ms) + " ms, ending at " +
                     std::to_string(at_ms + *duration) + " ms",
                 "a partition that ends within " + std::to_string(bounds::kTimelineMsMax) + " ms (10 minutes)",
                 "shorten duration_ms or start the partition earlier");
    }
  }
  if (auto mode = reader.choice("mode", {"stall", "drop"})) {
    partition.mode = *mode == "drop" ? PartitionMode::drop : PartitionMode::stall;
  }
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  return partition;
}

}  // namespace

std::string node_range_text(const ServerSpec& server) {
  return server.nodes == 1 ? std::string("0 (server.nodes is 1; nodes count from 0)")
                           : "from 0 to " + std::to_string(server.nodes - 1) + " (server.nodes is " +
                                 std::to_string(server.nodes) + "; nodes count from 0)";
}

const std::vector<std::string_view>& cluster_actions() {
  static const std::vector<std::string_view> actions = [] {
    std::vector<std::string_view> all(kNodeActions.begin(), kNodeActions.end());
    all.insert(all.end(), kRedisActions.begin(), kRedisActions.end());
    return all;
  }();
  return actions;
}

bool check_action_fits_server(std::string_view action, const std::string& path, const ServerSpec& server,
                              ScenarioErrors& errors) {
  const std::string name(action);
  if (server.is_cluster() && is_in(kSingleServerActions, action)) {
    const std::string node_action = action == "kill_server" ? "kill_node" : action == "stop_server" ? "stop_node" : "restart_node";
    errors.add(path, "a " + name + " step in a cluster (server.nodes is " + std::to_string(server.nodes) + ", with Redis)",
               node_action + ", which names the node (or \"all\")",
               "write {\"" + node_action + "\": {\"node\": \"all\"" +
                   (action == "restart_server" ? std::string("}}") : std::string(", ...}}; the same fields, without \"on\"")));
    return false;
  }
  if (server.is_cluster() && is_in(kStorageActions, action)) {
    errors.add(path, "a " + name + " step in a cluster", "storage faults only on a single server (they act on its SQLite database)",
               "a cluster node keeps its log in Redis: use restart_redis or partition_node, or remove the step");
    return false;
  }
  if (server.is_cluster()) {
    if (action == "hop" && server.nodes == 1) {
      errors.add(path, "a hop step with one node", "hop only with server.nodes of 2 or more (there is no other node)",
                 "raise server.nodes, or remove the step");
      return false;
    }
    return true;
  }
  if (is_in(kNodeActions, action)) {
    errors.add(path, "a " + name + " step without a cluster (server.nodes is 1 and server.redis is false)",
               name + " only in a cluster: server.nodes of 2 or more, or server.redis true",
               action == "hop" ? std::string("set server.nodes, or remove the step")
                               : "use " + std::string(action == "kill_node"      ? "kill_server"
                                                      : action == "stop_node" ? "stop_server"
                                                                              : "restart_server") +
                                     " for the single server, or set server.nodes");
    return false;
  }
  if (is_in(kRedisActions, action)) {
    errors.add(path, "a " + name + " step without Redis (server.nodes is 1 and server.redis is false)",
               name + " only when the harness runs Redis: server.nodes of 2 or more, or server.redis true",
               "add \"redis\": true to $.server (a one-node cluster), or remove the step");
    return false;
  }
  return true;
}

std::optional<StepAction> read_cluster_step(std::string_view action, const nlohmann::json& value, const std::string& path,
                                            std::int64_t at_ms, const ClientRoster& roster, const ServerSpec& server,
                                            ScenarioErrors& errors) {
  const auto wrap = [](auto step) -> std::optional<StepAction> {
    if (!step) return std::nullopt;
    return StepAction{std::move(*step)};
  };
  if (action == "hop") return wrap(read_hop(value, path, roster, server, errors));
  if (action == "kill_node" || action == "stop_node") {
    return wrap(read_node_fault(value, path, at_ms, action == "stop_node", server, errors));
  }
  if (action == "restart_node") return wrap(read_restart_node(value, path, server, errors));
  if (action == "restart_redis") return wrap(read_restart_redis(value, path, at_ms, errors));
  if (action == "trim_stream") return wrap(read_trim_stream(value, path, errors));
  return wrap(read_partition_node(value, path, at_ms, server, errors));
}

}  // namespace resync::sim::scenario_parts

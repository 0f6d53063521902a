// $.server: {"delivery", "durability", "ping_interval_ms", "ping_timeout_ms",
// "preload_messages", "recovery", "recovery_window_ms", "write_queue_bytes_max", "planted_bug"} for the embedded
// `resync serve`, or {"external": {"url", "command", "chat_event", "offset_auth_field", "database"}};
// either one with the cluster keys {"nodes", "routing", "redis"}.
#include "server/core/planted_bug.hpp"
#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

using scenario_json::IntegerRule;
using scenario_json::ObjectReader;
namespace bounds = scenario_bounds;

// A queue smaller than one message would drop every client; above 1 GiB is a typo.
constexpr IntegerRule kWriteQueueBytes{1024, 1024LL * 1024 * 1024, "bytes"};

void read_external(const nlohmann::json& value, const std::string& path, ServerSpec& server, ScenarioErrors& errors) {
  ObjectReader external(value, path, errors, "the external server",
                        R"(write {"url": "http://127.0.0.1:3000"} and/or {"command": "node index.js"})");
  server.kind = ServerKind::external;
  if (auto url = external.text("url", bounds::kTextLengthMax)) {
    if (url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0) {
      server.url = *url;
    } else {
      errors.add(external.path_of("url"), scenario_json::describe(*external.member("url")),
                 "an http:// or https:// URL (socket.io-client's form)", "write e.g. \"http://127.0.0.1:3000\"");
    }
  }
  if (auto command = external.text("command", bounds::kTextLengthMax)) server.command = *command;
  if (auto event = external.text("chat_event", bounds::kTextLengthMax)) server.chat_event = *event;
  if (auto field = external.text("offset_auth_field", bounds::kTextLengthMax)) server.offset_auth_field = *field;
  if (auto database = external.text("database", bounds::kTextLengthMax)) server.database = *database;
  external.reject_unknown_keys();
}

// One of the names in server/core/planted_bug.hpp, with the closest one suggested.
void read_planted_bug(ObjectReader& reader, ServerSpec& server) {
  const nlohmann::json* value = reader.member("planted_bug");
  if (value == nullptr) return;
  const std::string path = reader.path_of("planted_bug");
  std::vector<std::string> names;
  for (const auto name : server::planted_bug_names()) names.emplace_back(name);
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if (server::parse_planted_bug(text) && !text.empty()) {
      server.planted_bug = text;
      return;
    }
  }
  std::string expected = "one of the planted bugs";
  for (std::size_t index = 0; index < names.size(); ++index) expected += (index == 0 ? " \"" : ", \"") + names[index] + "\"";
  std::string fix = "write one of these names exactly, or remove the key to test the server as it is";
  if (value->is_string()) {
    if (auto suggestion = scenario_json::closest_key(value->get_ref<const std::string&>(), names)) {
      fix = "did you mean \"" + *suggestion + "\"? " + fix;
    }
  }
  reader.errors().add(path, scenario_json::describe(*value), expected, fix);
}

// nodes, routing and redis: the same for the embedded server and an external one.
void read_cluster(ObjectReader& reader, ServerSpec& server) {
  ScenarioErrors& errors = reader.errors();
  if (auto nodes = reader.integer("nodes", {1, bounds::kClusterNodesMax, "server nodes"})) {
    server.nodes = static_cast<int>(*nodes);
  }
  std::optional<bool> redis = reader.boolean("redis");
  server.redis = redis.value_or(server.nodes > 1);
  if (redis && !*redis && server.nodes > 1) {
    errors.add(reader.path_of("redis"), "false with \"nodes\": " + std::to_string(server.nodes),
               "true (or no \"redis\" key) for a cluster: its nodes share their log through Redis",
               "remove \"redis\", or set \"nodes\": 1 for a single server without Redis");
  }
  if (auto routing = reader.choice("routing", {"sticky", "round_robin"})) {
    server.routing = *routing == "round_robin" ? NodeRouting::round_robin : NodeRouting::sticky;
    if (server.nodes == 1) {
      errors.add(reader.path_of("routing"), "\"" + *routing + "\" with one node",
                 "routing only with \"nodes\" of 2 or more (with one node every session goes to node 0)",
                 "remove \"routing\", or set \"nodes\" to the number of server nodes");
    }
  }
}

}  // namespace

ServerSpec read_server(const nlohmann::json* value, ScenarioErrors& errors) {
  ServerSpec server;
  if (value == nullptr) return server;
  ObjectReader reader(*value, "$.server", errors, "the server",
                      R"(write {"delivery": "strict"} for the embedded server or {"external": {"url": "..."}})");
  if (!reader.is_object()) return server;

  if (const nlohmann::json* external = reader.member("external")) {
    read_external(*external, reader.path_of("external"), server, errors);
    read_cluster(reader, server);
    for (const auto& [key, ignored] : value->items()) {
      if (key == "external" || key == "nodes" || key == "routing" || key == "redis") continue;
      errors.add(reader.path_of(key), "the embedded-server setting \"" + key + "\" next to \"external\"",
                 "only \"external\" (and the cluster keys nodes, routing, redis) in the server object of an external target",
                 "remove it: an external server is configured by its own command, not by Resync");
    }
    return server;
  }

  if (auto delivery = reader.choice("delivery", {"strict", "tutorial"})) server.delivery = *delivery;
  if (auto durability = reader.choice("durability", {"full", "process-crash"})) server.durability = *durability;
  if (auto interval = reader.integer("ping_interval_ms", kPositiveMilliseconds)) server.ping_interval_ms = *interval;
  if (auto timeout = reader.integer("ping_timeout_ms", kPositiveMilliseconds)) server.ping_timeout_ms = *timeout;
  if (auto preload = reader.integer("preload_messages", {0, bounds::kPreloadMessagesMax, "rows stored before the run"})) {
    server.preload_messages = *preload;
  }
  if (auto recovery = reader.boolean("recovery")) server.recovery = *recovery;
  if (auto window = reader.integer("recovery_window_ms", kPositiveMilliseconds)) server.recovery_window_ms = *window;
  if (auto queue = reader.integer("write_queue_bytes_max", kWriteQueueBytes)) {
    server.write_queue_bytes_max = static_cast<std::size_t>(*queue);
  }
  read_planted_bug(reader, server);
  read_cluster(reader, server);
  // The preload is written into the single server's SQLite file before it starts.
  if (server.is_cluster() && server.preload_messages > 0) {
    errors.add(reader.path_of("preload_messages"), std::to_string(server.preload_messages) + " in a cluster",
               "preload_messages only for a single server (a cluster's log is its Redis stream, which starts empty)",
               "remove preload_messages; send a burst at the start of the timeline instead");
  }
  reader.reject_unknown_keys();
  return server;
}

}  // namespace resync::sim::scenario_parts

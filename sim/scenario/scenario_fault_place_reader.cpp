// Where a fault step's toxic acts (docs/SCENARIOS.md, "Faults: the toxic"): "link" (the
// clients' connections, or in a cluster the nodes' connections to Redis) and "node" (one
// node of a cluster, or every node). A Redis connection carries RESP, not Socket.IO: it has
// no client tag and no EVENT or ACK to count, so those parts of a toxic are refused there.
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

// The trigger kinds that count Socket.IO packets, which only a client's connection carries.
const std::vector<std::string_view> kSocketIoTriggers = {"after_events", "after_acks"};

std::optional<FaultLink> read_link(scenario_json::ObjectReader& reader, const ServerSpec& server) {
  const std::optional<std::string> link = reader.choice("link", {"clients", "redis"});
  if (!link) return reader.has("link") ? std::nullopt : std::optional<FaultLink>(FaultLink::clients);
  if (*link == "clients") return FaultLink::clients;
  if (!server.is_cluster()) {
    reader.errors().add(reader.path_of("link"),
                        "\"redis\" without Redis (server.nodes is 1 and server.redis is false)",
                        "\"link\": \"redis\" only when the harness runs Redis: server.nodes of 2 or more, or server.redis true",
                        "add \"redis\": true to $.server (a one-node cluster), or remove \"link\"");
    return std::nullopt;
  }
  return FaultLink::redis;
}

// Sets `node` (nullopt: every node); false when an error was reported.
bool read_node(scenario_json::ObjectReader& reader, const ServerSpec& server, std::optional<int>& node) {
  const nlohmann::json* value = reader.member("node");
  if (value == nullptr) return true;
  if (!server.is_cluster()) {
    reader.errors().add(reader.path_of("node"),
                        scenario_json::describe(*value) + " without a cluster (server.nodes is 1 and server.redis is false)",
                        "\"node\" only in a cluster: server.nodes of 2 or more, or server.redis true",
                        "remove \"node\": a single server's fault acts on its one link");
    return false;
  }
  if (value->is_string() && *value == "all") return true;
  if (value->is_number_integer() && value->get<std::int64_t>() >= 0 && value->get<std::int64_t>() < server.nodes) {
    node = value->get<int>();
    return true;
  }
  reader.errors().add(reader.path_of("node"), scenario_json::describe(*value),
                      "a node index " + node_range_text(server) + R"(, or "all" (every node, the default))",
                      value->is_number_integer() ? "use an index below server.nodes, or raise server.nodes"
                                                 : "write the node's index as a whole number without quotes, or \"all\"");
  return false;
}

}  // namespace

std::optional<FaultPlace> read_fault_place(scenario_json::ObjectReader& reader, const ServerSpec& server) {
  const std::optional<FaultLink> link = read_link(reader, server);
  std::optional<int> node;
  const bool node_ok = read_node(reader, server, node);
  if (!link || !node_ok) return std::nullopt;
  return FaultPlace{*link, node};
}

void check_toxic_fits_link(const nlohmann::json& toxic, const std::string& toxic_path, const FaultPlace& place,
                           ScenarioErrors& errors) {
  if (place.link != FaultLink::redis || !toxic.is_object()) return;
  const std::string node_text = place.node ? "node " + std::to_string(*place.node) + "'s" : std::string("every node's");
  if (const auto target = toxic.find("target"); target != toxic.end() && target->is_object() && target->contains("tag")) {
    const nlohmann::json& tag = target->at("tag");
    errors.add(scenario_json::member_path(scenario_json::member_path(toxic_path, "target"), "tag"),
               "the tag " + scenario_json::describe(tag) + " on " + node_text + " link to Redis",
               R"(a target a Redis connection can match: "all", {"nth_connection": N} or {"connection_id": N}, counting that node's connections to Redis (no Redis connection carries a client's tag))",
               "remove the target to act on every connection of the link, or put the fault on \"link\": \"clients\" to act "
               "on that client's connections");
  }
  const auto trigger = toxic.find("trigger");
  if (trigger == toxic.end() || !trigger->is_object()) return;
  for (std::string_view kind : kSocketIoTriggers) {
    if (!trigger->contains(std::string(kind))) continue;
    errors.add(scenario_json::member_path(scenario_json::member_path(toxic_path, "trigger"), kind),
               "a trigger on Socket.IO " + std::string(kind == "after_acks" ? "ACKs" : "EVENTs") + " on " + node_text +
                   " link to Redis",
               "a trigger a Redis link can count: after_ms, after_bytes, after_frames (RESP messages) or frame_contains "
               "(the text of a RESP command or reply: its values joined by spaces)",
               R"(count time or bytes instead, e.g. {"after_bytes": 1}, or put the fault on "link": "clients")");
  }
}

}  // namespace resync::sim::scenario_parts

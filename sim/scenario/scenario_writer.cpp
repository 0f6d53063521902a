#include "sim/scenario/scenario_writer.hpp"

#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim {

namespace {

nlohmann::json server_fields_json(const ServerSpec& server);

nlohmann::json clients_json(const std::vector<std::string>& clients) {
  return clients.size() == 1 ? nlohmann::json(clients.front()) : nlohmann::json(clients);
}

nlohmann::json client_json(const ClientSpec& client) {
  nlohmann::json json = {{"name", client.name}, {"policy", client.policy == ClientPolicy::dedupe ? "dedupe" : "tutorial"}};
  if (client.send_mode == SendMode::plain) {
    json["delivery"] = "plain";
  } else {
    json["delivery"] = {{"acked",
                         {{"ack_timeout_ms", client.ack_timeout_ms},
                          {"retries", client.retries ? nlohmann::json(*client.retries) : nlohmann::json("unlimited")}}}};
  }
  json["reconnection"] = {{"delay_ms", client.reconnection.delay_ms},
                          {"delay_max_ms", client.reconnection.delay_max_ms},
                          {"randomization_factor", client.reconnection.randomization_factor},
                          {"connect_timeout_ms", client.reconnection.connect_timeout_ms}};
  json["recovery"] = client.connection_state_recovery;
  json["keeps_offset_on_reload"] = client.keeps_offset_on_reload;
  json["connect_at_start"] = client.connect_at_start;
  // Written only when it is not the default, so files written before the field stay the same.
  if (client.transport == ClientTransport::polling) json["transport"] = "polling";
  return json;
}

// Written only for a cluster, so the files of single servers stay as they were.
void add_cluster_json(const ServerSpec& server, nlohmann::json& json) {
  if (!server.is_cluster()) return;
  json["nodes"] = server.nodes;
  json["redis"] = true;
  if (server.nodes > 1) json["routing"] = server.routing == NodeRouting::round_robin ? "round_robin" : "sticky";
}

nlohmann::json node_json(std::optional<int> node) { return node ? nlohmann::json(*node) : nlohmann::json("all"); }

nlohmann::json server_json(const ServerSpec& server) {
  nlohmann::json json = server_fields_json(server);
  add_cluster_json(server, json);
  return json;
}

nlohmann::json server_fields_json(const ServerSpec& server) {
  if (server.kind == ServerKind::external) {
    nlohmann::json external = {{"chat_event", server.chat_event}, {"offset_auth_field", server.offset_auth_field}};
    if (!server.url.empty()) external["url"] = server.url;
    if (!server.command.empty()) external["command"] = server.command;
    if (!server.database.empty()) external["database"] = server.database;
    return {{"external", external}};
  }
  return {{"delivery", server.delivery},
          {"durability", server.durability},
          {"ping_interval_ms", server.ping_interval_ms},
          {"ping_timeout_ms", server.ping_timeout_ms},
          {"preload_messages", server.preload_messages},
          {"recovery", server.recovery},
          {"recovery_window_ms", server.recovery_window_ms}};
}

nlohmann::json step_json(const Step& step) {
  nlohmann::json json = {{"at_ms", step.at_ms}};
  if (const auto* connect = std::get_if<ConnectStep>(&step.action)) {
    json["connect"] = clients_json(connect->clients);
  } else if (const auto* disconnect = std::get_if<DisconnectStep>(&step.action)) {
    json["disconnect"] = clients_json(disconnect->clients);
  } else if (const auto* reload = std::get_if<ReloadStep>(&step.action)) {
    json["reload"] = clients_json(reload->clients);
  } else if (const auto* send = std::get_if<SendStep>(&step.action)) {
    json["send"] = {{"clients", clients_json(send->clients)}, {"count", send->count}, {"interval_ms", send->interval_ms}};
    if (!send->content_prefix.empty()) json["send"]["content_prefix"] = send->content_prefix;
  } else if (const auto* fault = std::get_if<FaultStep>(&step.action)) {
    nlohmann::json toxic = fault->toxic;
    toxic.erase("name");  // the fault's name names the toxic; the loader puts it back
    json["fault"] = {{"name", fault->name}, {"toxic", toxic}};
    // Written only when not the default, so the files of single servers stay as they were.
    if (fault->place.link == FaultLink::redis) json["fault"]["link"] = "redis";
    if (fault->place.node) json["fault"]["node"] = *fault->place.node;
  } else if (const auto* heal = std::get_if<HealStep>(&step.action)) {
    json["heal"] = heal->name ? nlohmann::json(*heal->name) : nlohmann::json("all");
  } else if (const auto* kill = std::get_if<KillServerStep>(&step.action)) {
    json["kill_server"] = {{"signal", kill->signal}, {"restart", kill->restart}};
    if (kill->restart) json["kill_server"]["restart_after_ms"] = kill->restart_after_ms;
    if (kill->on) {
      nlohmann::json on = kill->on->trigger;
      if (kill->on->target != "all") on["target"] = kill->on->target;
      on["delay_us"] = kill->on->delay_us;
      json["kill_server"]["on"] = std::move(on);
    }
  } else if (std::holds_alternative<RestartServerStep>(step.action)) {
    json["restart_server"] = nlohmann::json::object();
  } else if (const auto* storage = std::get_if<StorageFaultStep>(&step.action)) {
    json[std::string(storage_fault_name(storage->kind))] = {{"duration_ms", storage->duration_ms}};
  } else if (const auto* hop = std::get_if<HopStep>(&step.action)) {
    json["hop"] = {{"client", hop->client}, {"node", hop->node}};
  } else if (const auto* node_fault = std::get_if<NodeFaultStep>(&step.action)) {
    const bool graceful = node_fault->signal == "SIGTERM";
    nlohmann::json fault = {{"node", node_json(node_fault->node)}, {"restart", node_fault->restart}};
    if (!graceful) fault["signal"] = node_fault->signal;
    if (node_fault->restart) fault["restart_after_ms"] = node_fault->restart_after_ms;
    if (node_fault->rolling_gap_ms) fault["rolling_gap_ms"] = *node_fault->rolling_gap_ms;
    json[graceful ? "stop_node" : "kill_node"] = std::move(fault);
  } else if (const auto* restart_node = std::get_if<RestartNodeStep>(&step.action)) {
    json["restart_node"] = {{"node", node_json(restart_node->node)}};
  } else if (const auto* restart_redis = std::get_if<RestartRedisStep>(&step.action)) {
    json["restart_redis"] = {{"signal", restart_redis->signal}, {"down_ms", restart_redis->down_ms}};
  } else if (const auto* trim = std::get_if<TrimStreamStep>(&step.action)) {
    json["trim_stream"] = {{"keep_last", trim->keep_last}};
  } else if (const auto* partition = std::get_if<PartitionNodeStep>(&step.action)) {
    json["partition_node"] = {{"node", partition->node},
                              {"duration_ms", partition->duration_ms},
                              {"mode", partition->mode == PartitionMode::drop ? "drop" : "stall"}};
  } else {
    json["wait"] = nlohmann::json::object();
  }
  return json;
}

const char* verdict_text(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid: return "valid";
    case Verdict::invalid: return "invalid";
    case Verdict::unknown: return "unknown";
  }
  return "valid";
}

}  // namespace

nlohmann::json scenario_to_json(const Scenario& scenario) {
  nlohmann::json json = nlohmann::json::object();
  json["name"] = scenario.name;
  json["description"] = scenario.description;
  json["server"] = server_json(scenario.server);
  json["clients"] = nlohmann::json::array();
  for (const ClientSpec& client : scenario.clients) json["clients"].push_back(client_json(client));
  json["timeline"] = nlohmann::json::array();
  for (const Step& step : scenario.timeline) json["timeline"].push_back(step_json(step));
  json["converge_within_ms"] = scenario.converge_within_ms;
  json["quiet_ms"] = scenario.quiet_ms;
  json["expect"] = {{"verdict", verdict_text(scenario.expect.verdict)}};
  if (!scenario.expect.anomalies.empty()) json["expect"]["anomalies"] = scenario.expect.anomalies;
  if (!scenario.expect.allow.empty()) json["expect"]["allow"] = scenario.expect.allow;
  if (scenario.seed) json["seed"] = *scenario.seed;
  return json;
}

}  // namespace resync::sim

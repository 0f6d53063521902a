// $.clients: [{"name", "count", "policy", "delivery", "reconnection", "recovery",
// "keeps_offset_on_reload", "connect_at_start", "transport"}], and the client selectors of steps.
#include <algorithm>
#include <set>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

using scenario_json::IntegerRule;
using scenario_json::ObjectReader;
namespace bounds = scenario_bounds;

constexpr IntegerRule kDelayMilliseconds{0, bounds::kDurationMsMax, "milliseconds"};
const char* const kAllSelector = "all";

void read_acked_delivery(const nlohmann::json& value, const std::string& path, ClientSpec& client,
                         ScenarioErrors& errors) {
  ObjectReader acked(value, path, errors, "the acked delivery settings",
                     R"(write {"ack_timeout_ms": 2000, "retries": "unlimited"} or {} for the defaults)");
  if (auto timeout = acked.integer("ack_timeout_ms", kPositiveMilliseconds)) client.ack_timeout_ms = *timeout;
  if (const nlohmann::json* retries = acked.member("retries")) {
    if (retries->is_string() && retries->get_ref<const std::string&>() == "unlimited") {
      client.retries.reset();
    } else if (retries->is_number_integer()) {
      if (auto count = scenario_json::read_integer(*retries, acked.path_of("retries"),
                                                   {0, bounds::kRetriesMax, "retries after the first send"}, errors)) {
        client.retries = static_cast<int>(*count);
      }
    } else {
      errors.add(acked.path_of("retries"), scenario_json::describe(*retries),
                 "an integer from 0 to " + std::to_string(bounds::kRetriesMax) + " or the string \"unlimited\"",
                 "write e.g. 3 or \"unlimited\" (socket.io-client's `retries` option)");
    }
  }
  acked.reject_unknown_keys();
}

void read_delivery(const nlohmann::json& value, const std::string& path, ClientSpec& client, ScenarioErrors& errors) {
  if (value.is_string() && value == "plain") {
    client.send_mode = SendMode::plain;
    return;
  }
  if (value.is_string() && value == "acked") {
    client.send_mode = SendMode::acked;
    return;
  }
  if (value.is_object() && value.size() == 1 && value.contains("acked")) {
    client.send_mode = SendMode::acked;
    read_acked_delivery(value.at("acked"), scenario_json::member_path(path, "acked"), client, errors);
    return;
  }
  errors.add(path, scenario_json::describe(value),
             R"("plain", "acked", or {"acked": {"ack_timeout_ms": N, "retries": N or "unlimited"}})",
             R"(write "plain" for socket.emit without acknowledgement, or "acked" for the tutorial's client delivery)");
}

void read_reconnection(const nlohmann::json& value, const std::string& path, ClientSpec& client,
                       ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "the reconnection settings",
                      R"(write e.g. {"delay_ms": 200, "delay_max_ms": 1000} or leave it out for socket.io-client's defaults)");
  ReconnectionOptions& options = client.reconnection;
  if (auto delay = reader.integer("delay_ms", kDelayMilliseconds)) options.delay_ms = *delay;
  auto delay_max = reader.integer("delay_max_ms", kDelayMilliseconds);
  if (delay_max) options.delay_max_ms = *delay_max;
  if (auto factor = reader.number("randomization_factor", {0.0, 1.0, "socket.io-client's randomizationFactor"})) {
    options.randomization_factor = *factor;
  }
  if (auto timeout = reader.integer("connect_timeout_ms", kPositiveMilliseconds)) options.connect_timeout_ms = *timeout;
  reader.reject_unknown_keys();
  if (options.delay_max_ms < options.delay_ms) {
    errors.add(reader.path_of("delay_max_ms"), std::to_string(options.delay_max_ms) + " (below delay_ms " +
                                                   std::to_string(options.delay_ms) + ")",
               "delay_max_ms at least delay_ms", "raise delay_max_ms or lower delay_ms");
  }
}

void read_transport(const nlohmann::json& value, const std::string& path, ClientSpec& client, ScenarioErrors& errors) {
  if (value.is_string() && value == "websocket") {
    client.transport = ClientTransport::websocket;
    return;
  }
  if (value.is_string() && value == "polling") {
    client.transport = ClientTransport::polling;
    return;
  }
  errors.add(path, scenario_json::describe(value), R"("websocket" or "polling")",
             R"(write "polling" for socket.io-client's transports: ["polling"] (HTTP long-polling only), )"
             R"("websocket" or nothing for a WebSocket from the start)");
}

std::optional<ClientSpec> read_client(const nlohmann::json& value, const std::string& path, std::int64_t& count,
                                      ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a client",
                      R"(write e.g. {"name": "alice", "policy": "dedupe", "delivery": "acked"})");
  if (!reader.is_object()) return std::nullopt;
  ClientSpec client;
  if (reader.required("name", "a client name", R"(add "name": "alice"; it is also the client's tag for faults)")) {
    if (auto name = reader.name("name")) client.name = *name;
  }
  count = reader.integer("count", {1, bounds::kClientsMax, "identical clients"}).value_or(1);
  if (auto policy = reader.choice("policy", {"tutorial", "dedupe"})) {
    client.policy = *policy == "dedupe" ? ClientPolicy::dedupe : ClientPolicy::tutorial;
  }
  if (const nlohmann::json* delivery = reader.member("delivery")) {
    read_delivery(*delivery, reader.path_of("delivery"), client, errors);
  }
  if (const nlohmann::json* reconnection = reader.member("reconnection")) {
    read_reconnection(*reconnection, reader.path_of("reconnection"), client, errors);
  }
  if (auto recovery = reader.boolean("recovery")) client.connection_state_recovery = *recovery;
  if (auto keeps = reader.boolean("keeps_offset_on_reload")) client.keeps_offset_on_reload = *keeps;
  if (auto connect = reader.boolean("connect_at_start")) client.connect_at_start = *connect;
  if (const nlohmann::json* transport = reader.member("transport")) {
    read_transport(*transport, reader.path_of("transport"), client, errors);
  }
  reader.reject_unknown_keys();
  // A client with a bad setting still takes its name, so steps naming it are not reported too.
  if (client.name.empty()) return std::nullopt;
  return client;
}

void add_client(ClientRoster& roster, ClientSpec client, const std::string& path, std::set<std::string>& taken,
                ScenarioErrors& errors) {
  if (client.name == kAllSelector) {
    errors.add(path, "the client name \"all\"", "a name other than \"all\" (steps use \"all\" for every client)",
               "rename the client");
    return;
  }
  if (!taken.insert(client.name).second) {
    errors.add(path, "the client name \"" + client.name + "\" a second time",
               "unique client names (a spec with count N also takes the names NAME-1 .. NAME-N)",
               "rename one of the clients");
    return;
  }
  roster.clients.push_back(std::move(client));
}

}  // namespace

bool ClientRoster::is_client(std::string_view name) const {
  return std::any_of(clients.begin(), clients.end(), [name](const ClientSpec& client) { return client.name == name; });
}

std::vector<std::string> ClientRoster::client_names() const {
  std::vector<std::string> names;
  for (const ClientSpec& client : clients) names.push_back(client.name);
  return names;
}

std::optional<std::vector<std::string>> ClientRoster::resolve(const nlohmann::json& selector, const std::string& path,
                                                               ScenarioErrors& errors) const {
  const char* const kExpected = R"("all", a client name, or an array of client names)";
  if (selector.is_string() && selector == kAllSelector) return client_names();

  std::vector<std::pair<const nlohmann::json*, std::string>> items;  // value, path
  if (selector.is_string()) {
    items.emplace_back(&selector, path);
  } else if (selector.is_array() && !selector.empty()) {
    for (std::size_t i = 0; i < selector.size(); ++i) {
      items.emplace_back(&selector[i], scenario_json::element_path(path, i));
    }
  } else {
    errors.add(path, scenario_json::describe(selector), kExpected, R"(write e.g. "alice", ["alice", "bob"] or "all")");
    return std::nullopt;
  }

  std::vector<std::string> names;
  bool ok = true;
  for (const auto& [item, item_path] : items) {
    if (!item->is_string()) {
      errors.add(item_path, scenario_json::describe(*item), "a client name (a string)", "write the name in quotes");
      ok = false;
      continue;
    }
    const std::string& name = item->get_ref<const std::string&>();
    std::vector<std::string> members;
    if (auto group = groups.find(name); group != groups.end()) {
      members = group->second;
    } else if (is_client(name)) {
      members = {name};
    } else {
      std::string known;
      for (const std::string& client : client_names()) known += (known.empty() ? "" : ", ") + client;
      for (const auto& [group_name, group_members] : groups) known += ", " + group_name;
      errors.add(item_path, "the unknown client \"" + name + "\"",
                 "a client declared in $.clients (" + (known.empty() ? std::string("none declared") : known) + ")",
                 "correct the name, or declare the client in $.clients");
      ok = false;
      continue;
    }
    for (std::string& member : members) {
      if (std::find(names.begin(), names.end(), member) != names.end()) {
        errors.add(item_path, "the client \"" + member + "\" a second time in this step",
                   "each client at most once per step", "list it once (a group name includes all its members)");
        ok = false;
        continue;
      }
      names.push_back(std::move(member));
    }
  }
  if (!ok) return std::nullopt;
  return names;
}

ClientRoster read_clients(const nlohmann::json* value, ScenarioErrors& errors) {
  ClientRoster roster;
  const std::string path = "$.clients";
  if (value == nullptr) {
    errors.add(path, "nothing (the key is missing)", "an array of at least one client",
               R"(add "clients": [{"name": "alice"}])");
    return roster;
  }
  if (!value->is_array() || value->empty()) {
    errors.add(path, scenario_json::describe(*value), "an array of at least one client",
               R"(write "clients": [{"name": "alice"}, {"name": "bob", "policy": "dedupe"}])");
    return roster;
  }
  std::set<std::string> taken;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < value->size(); ++i) {
    const std::string client_path = scenario_json::element_path(path, i);
    std::int64_t count = 1;
    std::optional<ClientSpec> client = read_client((*value)[i], client_path, count, errors);
    if (!client) continue;
    total += count;
    if (total > bounds::kClientsMax) {
      errors.add(scenario_json::member_path(client_path, "count"),
                 std::to_string(count) + " more clients, " + std::to_string(total) + " in all",
                 "at most " + std::to_string(bounds::kClientsMax) + " clients in one scenario",
                 "lower the counts, or split the scenario in two");
      break;
    }
    if (count == 1) {
      add_client(roster, std::move(*client), client_path, taken, errors);
      continue;
    }
    if (client->name == kAllSelector || !taken.insert(client->name).second) {
      errors.add(scenario_json::member_path(client_path, "name"), "the name \"" + client->name + "\" again",
                 "unique client and group names other than \"all\"", "rename one of them");
      continue;
    }
    std::vector<std::string>& members = roster.groups[client->name];
    for (std::int64_t n = 1; n <= count; ++n) {
      ClientSpec member = *client;
      member.name = client->name + "-" + std::to_string(n);
      members.push_back(member.name);
      add_client(roster, std::move(member), client_path, taken, errors);
    }
  }
  return roster;
}

}  // namespace resync::sim::scenario_parts

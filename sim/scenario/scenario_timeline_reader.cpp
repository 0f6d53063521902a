// $.timeline: [{"at_ms": N, "note": "...", <exactly one action>}], read step by step, then
// sorted by at_ms (stable: steps at the same instant keep their file order) and checked as
// a whole (scenario_timeline_checks.cpp).
#include <algorithm>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"
#include "sim/scenario/scenario_timeline_checks.hpp"
#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim::scenario_parts {
namespace {

using scenario_json::IntegerRule;
using scenario_json::ObjectReader;
namespace bounds = scenario_bounds;

const std::vector<std::string_view> kActions = [] {
  std::vector<std::string_view> actions = {"connect", "disconnect", "reload", "send", "fault",
                                           "heal", "kill_server", "stop_server", "restart_server", "wait",
                                           "lock_database", "storage_read_only", "storage_full"};
  actions.insert(actions.end(), cluster_actions().begin(), cluster_actions().end());
  return actions;
}();

std::string action_list() {
  std::string text;
  for (std::string_view action : kActions) text += (text.empty() ? "" : ", ") + std::string(action);
  return text;
}

// restart_server and wait take no settings: {} or true.
bool read_marker(const nlohmann::json& value, const std::string& path, ScenarioErrors& errors) {
  if ((value.is_object() && value.empty()) || (value.is_boolean() && value.get<bool>())) return true;
  errors.add(path, scenario_json::describe(value), "{} or true (this action takes no settings)", "write {}");
  return false;
}

std::optional<SendStep> read_send(const nlohmann::json& value, const std::string& path, std::int64_t at_ms,
                                  const ClientRoster& roster, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a send action",
                      R"(write e.g. {"clients": "alice", "count": 10, "interval_ms": 20})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  SendStep send;
  if (const nlohmann::json* clients = reader.required("clients", R"("all", a client name, or an array of names)",
                                                      R"(add "clients": "alice")")) {
    if (auto names = roster.resolve(*clients, reader.path_of("clients"), errors)) send.clients = std::move(*names);
  }
  if (auto count = reader.integer("count", {1, bounds::kSendCountMax, "messages per listed client"})) {
    send.count = static_cast<int>(*count);
  }
  if (auto interval = reader.integer("interval_ms", {0, bounds::kIntervalMsMax, "milliseconds between messages"})) {
    send.interval_ms = *interval;
  }
  if (auto prefix = reader.text("content_prefix", bounds::kTextLengthMax)) send.content_prefix = *prefix;
  reader.reject_unknown_keys();
  const std::int64_t last_send_ms = at_ms + (send.count - 1) * send.interval_ms;
  if (last_send_ms > bounds::kTimelineMsMax) {
    errors.add(reader.path_of("count"),
               std::to_string(send.count) + " messages " + std::to_string(send.interval_ms) +
                   " ms apart from " + std::to_string(at_ms) + " ms, the last at " + std::to_string(last_send_ms) +
                   " ms",
               "a burst that ends within " + std::to_string(bounds::kTimelineMsMax) + " ms (10 minutes)",
               "send fewer messages or shorten interval_ms");
  }
  if (errors.count() != errors_before) return std::nullopt;
  return send;
}

std::optional<FaultStep> read_fault(const nlohmann::json& value, const std::string& path, const ClientRoster& roster,
                                    const ServerSpec& server, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a fault action",
                      R"(write e.g. {"name": "cut-alice", "toxic": {"type": "reset_peer", "target": {"tag": "alice"}}})");
  if (!reader.is_object()) return std::nullopt;
  FaultStep fault;
  const std::optional<FaultPlace> place = read_fault_place(reader, server);
  const nlohmann::json* name = reader.required("name", "a fault name", R"(add "name": "cut-alice"; heal uses it)");
  if (name != nullptr) fault.name = reader.name("name").value_or("");
  if (fault.name == "all") {
    errors.add(reader.path_of("name"), "the fault name \"all\"", "a name other than \"all\" (heal uses \"all\" for every fault)",
               "rename the fault");
    fault.name.clear();
  }
  const nlohmann::json* toxic = reader.required(
      "toxic", "the fault injector's toxic JSON", R"(add "toxic": {"type": "reset_peer", "attributes": {"timeout": 0}})");
  reader.reject_unknown_keys();
  if (name == nullptr || fault.name.empty() || toxic == nullptr || !place) return std::nullopt;
  fault.place = *place;
  const std::size_t errors_before_toxic = errors.count();
  check_toxic_fits_link(*toxic, reader.path_of("toxic"), fault.place, errors);
  std::optional<nlohmann::json> checked =
      read_toxic(*toxic, reader.path_of("toxic"), fault.name, fault.place.link, roster, errors);
  if (!checked || errors.count() != errors_before_toxic) return std::nullopt;
  fault.toxic = std::move(*checked);
  return fault;
}

std::optional<HealStep> read_heal(const nlohmann::json& value, const std::string& path, ScenarioErrors& errors) {
  if (value.is_string() && value == "all") return HealStep{};
  if (value.is_string() && scenario_json::is_valid_name(value.get_ref<const std::string&>())) {
    return HealStep{value.get<std::string>()};
  }
  errors.add(path, scenario_json::describe(value), R"(the name of an active fault, or "all")",
             R"(write the "name" given in the fault step, or "all")");
  return std::nullopt;
}

// kill_server (signal SIGKILL unless told) and stop_server (always a graceful SIGTERM).
std::optional<KillServerStep> read_kill(const nlohmann::json& value, const std::string& path, bool graceful,
                                        const ClientRoster& roster, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, graceful ? "a stop_server action" : "a kill_server action",
                      graceful ? R"(write e.g. {"restart": true, "restart_after_ms": 500, "on": {"after_acks": 5}} or {})"
                               : R"(write e.g. {"signal": "SIGKILL", "restart": true, "restart_after_ms": 500} or {})");
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  KillServerStep kill;
  if (graceful) kill.signal = "SIGTERM";
  if (!graceful) {
    if (auto signal = reader.choice("signal", {"SIGKILL", "SIGTERM"})) kill.signal = *signal;
  }
  if (const nlohmann::json* on = reader.member("on")) {
    kill.on = read_process_trigger(*on, reader.path_of("on"), roster, errors);
  }
  if (auto restart = reader.boolean("restart")) kill.restart = *restart;
  if (auto after = reader.integer("restart_after_ms", {0, bounds::kDurationMsMax, "milliseconds"})) {
    kill.restart_after_ms = *after;
    if (!kill.restart) {
      errors.add(reader.path_of("restart_after_ms"), std::to_string(*after) + " with \"restart\": false",
                 "restart_after_ms only together with \"restart\": true",
                 "remove restart_after_ms, or use a restart_server step later to start the server again");
    }
  }
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  return kill;
}

std::optional<StepAction> read_action(std::string_view action, const nlohmann::json& value, const std::string& path,
                                      std::int64_t at_ms, const ClientRoster& roster, const ServerSpec& server,
                                      ScenarioErrors& errors) {
  if (!check_action_fits_server(action, path, server, errors)) return std::nullopt;
  if (std::find(cluster_actions().begin(), cluster_actions().end(), action) != cluster_actions().end()) {
    return read_cluster_step(action, value, path, at_ms, roster, server, errors);
  }
  if (action == "connect" || action == "disconnect" || action == "reload") {
    std::optional<std::vector<std::string>> clients = roster.resolve(value, path, errors);
    if (!clients) return std::nullopt;
    if (action == "connect") return ConnectStep{std::move(*clients)};
    if (action == "disconnect") return DisconnectStep{std::move(*clients)};
    return ReloadStep{std::move(*clients)};
  }
  if (action == "send") {
    if (auto send = read_send(value, path, at_ms, roster, errors)) return *send;
    return std::nullopt;
  }
  if (action == "fault") {
    if (auto fault = read_fault(value, path, roster, server, errors)) return *fault;
    return std::nullopt;
  }
  if (action == "heal") {
    if (auto heal = read_heal(value, path, errors)) return *heal;
    return std::nullopt;
  }
  if (action == "kill_server" || action == "stop_server") {
    if (auto kill = read_kill(value, path, action == "stop_server", roster, errors)) return *kill;
    return std::nullopt;
  }
  if (const auto storage_kind = storage_fault_kind_named(action)) {
    if (auto storage = read_storage_fault(*storage_kind, value, path, at_ms, errors)) return *storage;
    return std::nullopt;
  }
  if (!read_marker(value, path, errors)) return std::nullopt;
  if (action == "restart_server") return RestartServerStep{};
  return WaitStep{};
}

std::optional<Step> read_step(const nlohmann::json& value, const std::string& path, const ClientRoster& roster,
                              const ServerSpec& server, ScenarioErrors& errors) {
  ObjectReader reader(value, path, errors, "a timeline step",
                      R"(write e.g. {"at_ms": 500, "disconnect": "alice"})");
  if (!reader.is_object()) return std::nullopt;
  Step step;
  step.json_path = path;
  const bool has_time = reader.required("at_ms", "the step's time in milliseconds from the start of the run",
                                        R"(add "at_ms": 0)") != nullptr;
  const std::optional<std::int64_t> at_ms =
      reader.integer("at_ms", {0, bounds::kTimelineMsMax, "milliseconds from the start; 10 minutes at most"});
  reader.text("note", bounds::kDescriptionLengthMax, true);

  std::vector<std::string_view> present;
  for (std::string_view action : kActions) {
    if (reader.member(action) != nullptr) present.push_back(action);
  }
  reader.reject_unknown_keys();
  if (present.size() != 1) {
    std::string found = present.empty() ? "no action" : "the actions";
    for (std::size_t i = 0; i < present.size(); ++i) found += (i == 0 ? " " : " and ") + std::string(present[i]);
    errors.add(path, found, "exactly one action: one of " + action_list(),
               present.empty() ? std::string(R"(add an action, e.g. "wait": {})")
                               : "split it into one step per action (they may share the same at_ms)");
    return std::nullopt;
  }
  if (!has_time || !at_ms) return std::nullopt;
  step.at_ms = *at_ms;
  std::optional<StepAction> action =
      read_action(present.front(), *reader.member(present.front()), reader.path_of(present.front()), step.at_ms,
                  roster, server, errors);
  if (!action) return std::nullopt;
  step.action = std::move(*action);
  return step;
}

}  // namespace

std::vector<Step> read_timeline(const nlohmann::json* value, const ClientRoster& roster, const ServerSpec& server,
                                ScenarioErrors& errors) {
  std::vector<Step> steps;
  const std::string path = "$.timeline";
  if (value == nullptr) return steps;
  if (!value->is_array()) {
    errors.add(path, scenario_json::describe(*value), "an array of steps",
               R"(write "timeline": [{"at_ms": 500, "disconnect": "alice"}])");
    return steps;
  }
  if (value->size() > bounds::kTimelineStepsMax) {
    errors.add(path, "an array of " + std::to_string(value->size()) + " steps",
               "at most " + std::to_string(bounds::kTimelineStepsMax) + " steps",
               "use send.count and interval_ms for bursts instead of one step per message");
    return steps;
  }
  const std::size_t errors_before = errors.count();
  for (std::size_t i = 0; i < value->size(); ++i) {
    if (std::optional<Step> step = read_step((*value)[i], scenario_json::element_path(path, i), roster, server, errors)) {
      steps.push_back(std::move(*step));
    }
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.at_ms < b.at_ms; });
  // The whole-order checks only make sense once every step could be read.
  if (errors.count() == errors_before) check_timeline(steps, server, errors);
  return steps;
}

}  // namespace resync::sim::scenario_parts

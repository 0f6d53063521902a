// The `on` object of a kill_server / stop_server step: the protocol event the process fault
// waits for. Its trigger and target are the fault injector's own (a `noop` toxic carries them
// in the proxy, docs/SCENARIOS.md), so the injector's parser decides what is valid; this file
// adds the scenario's rules: one counted or matched trigger (not after_ms: that is at_ms), a
// count of at least 1, a target tag that names a client, and delay_us within bounds.
#include "fault_injector/core/toxic_spec.hpp"
#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

namespace fi = resync::fault_injector;

// More ACKs or EVENTs than a run's 100000 messages times its 200 clients cannot be seen.
constexpr std::int64_t kTriggerCountMax = 20'000'000;

const std::vector<std::string_view> kTriggerKinds = {"after_acks", "after_events", "after_frames", "after_bytes",
                                                     "frame_contains"};
constexpr const char* kExample = R"(write e.g. {"after_acks": 5} (the server's 5th ACK), {"after_events": 3, "target": {"tag": "bob"}}, or {"frame_contains": "\"alice-5\"", "direction": "upstream", "delay_us": 200})";

std::string kind_list() {
  std::string text;
  for (std::string_view kind : kTriggerKinds) text += (text.empty() ? "" : ", ") + std::string(kind);
  return text;
}

}  // namespace

std::optional<ProcessFaultTrigger> read_process_trigger(const nlohmann::json& value, const std::string& path,
                                                        const ClientRoster& roster, ScenarioErrors& errors) {
  scenario_json::ObjectReader reader(value, path, errors, "a trigger object", kExample);
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  ProcessFaultTrigger on;
  nlohmann::json trigger = nlohmann::json::object();
  std::vector<std::string_view> kinds;
  for (std::string_view kind : kTriggerKinds) {
    if (const nlohmann::json* member = reader.member(kind)) {
      kinds.push_back(kind);
      trigger[std::string(kind)] = *member;
    }
  }
  if (reader.has("after_ms")) {
    reader.member("after_ms");
    errors.add(reader.path_of("after_ms"), "a trigger on time", "a protocol trigger: one of " + kind_list(),
               "put the time in the step's at_ms and leave out \"on\": a kill_server without \"on\" fires at at_ms");
  }
  if (const nlohmann::json* direction = reader.member("direction")) trigger["direction"] = *direction;
  if (const nlohmann::json* target = reader.member("target")) on.target = *target;
  if (auto delay = reader.integer("delay_us", {0, scenario_bounds::kDurationMsMax * 1000, "microseconds after the firing"})) {
    on.delay_us = *delay;
  }
  reader.reject_unknown_keys();
  if (kinds.size() != 1 && !reader.has("after_ms")) {
    std::string found = kinds.empty() ? "no trigger" : "the triggers";
    for (std::size_t i = 0; i < kinds.size(); ++i) found += (i == 0 ? " " : " and ") + std::string(kinds[i]);
    errors.add(path, found, "exactly one trigger: one of " + kind_list(),
               kinds.empty() ? std::string(kExample) : "keep one; a second process fault needs its own step");
  }
  if (errors.count() != errors_before) return std::nullopt;

  const std::string kind_path = reader.path_of(kinds.front());
  if (kinds.front() != "frame_contains") {
    const nlohmann::json& amount = trigger.at(std::string(kinds.front()));
    if (!scenario_json::read_integer(amount, kind_path, {1, kTriggerCountMax, "packets, frames or bytes counted from the arming"}, errors)) {
      return std::nullopt;
    }
  }
  // Ask the fault injector, on the body its proxy will get: a noop toxic on the counted stream.
  nlohmann::json body = {{"name", "check"}, {"type", "noop"}, {"trigger", trigger}, {"target", on.target}};
  if (trigger.contains("direction") && trigger["direction"].is_string()) body["stream"] = trigger["direction"];
  const fi::Result<fi::ToxicSpec> parsed = fi::parse_toxic_spec(body);
  if (!parsed.ok()) {
    const std::string message = injector_message(parsed.error());
    const bool about_target = message.find("target") != std::string::npos;
    const bool about_direction = message.find("direction") != std::string::npos || message.find("stream") != std::string::npos;
    const std::string where = about_target ? reader.path_of("target") : about_direction ? reader.path_of("direction") : kind_path;
    const nlohmann::json& refused = about_target      ? on.target
                                    : about_direction ? trigger.at("direction")
                                                      : trigger.at(std::string(kinds.front()));
    errors.add(where, scenario_json::describe(refused) + ", which the fault injector refuses (it says: " + message + ")",
               about_target ? R"("all", {"tag": CLIENT}, {"nth_connection": N} or {"connection_id": N})"
                            : about_direction ? R"("upstream" (client to server) or "downstream" (server to client))"
                                              : "a trigger the fault injector accepts",
               "see \"Process faults on a trigger\" in docs/SCENARIOS.md");
    return std::nullopt;
  }
  if (on.target.is_object() && on.target.contains("tag") && on.target["tag"].is_string() &&
      !roster.is_client(on.target["tag"].get<std::string>())) {
    errors.add(scenario_json::member_path(reader.path_of("target"), "tag"),
               "the tag " + on.target["tag"].dump() + ", which is no client's name",
               "the name of a client (a client's tag is its name)", "use the name of one client from $.clients");
    return std::nullopt;
  }
  on.trigger = fi::to_json(*parsed.value().trigger);
  if (on.target.is_string()) on.target = "all";
  return on;
}

}  // namespace resync::sim::scenario_parts

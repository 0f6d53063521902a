#include "sim/scenario/scenario_timeline_checks.hpp"

#include <algorithm>
#include <string>
#include <type_traits>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim::scenario_parts {
namespace {

std::string at_text(std::int64_t at_ms) { return std::to_string(at_ms) + " ms"; }

std::string names_text(const std::vector<std::string>& names) {
  if (names.empty()) return "none is active";
  std::string text = "active: ";
  for (std::size_t i = 0; i < names.size(); ++i) text += (i == 0 ? "" : ", ") + names[i];
  return text;
}

class TimelineChecker {
 public:
  explicit TimelineChecker(ScenarioErrors& errors) : errors_(errors) {}

  void check(const Step& step) {
    std::visit([&](const auto& action) { check_action(step, action); }, step.action);
  }

 private:
  void check_action(const Step& step, const FaultStep& fault) {
    if (std::find(active_faults_.begin(), active_faults_.end(), fault.name) != active_faults_.end()) {
      errors_.add(step.json_path + ".fault.name", "the fault name \"" + fault.name + "\", already active at " +
                                                      at_text(step.at_ms),
                  "a name that no active fault uses", "heal the earlier fault first or choose another name");
      return;
    }
    active_faults_.push_back(fault.name);
  }

  void check_action(const Step& step, const HealStep& heal) {
    if (!heal.name) {
      active_faults_.clear();
      return;
    }
    auto active = std::find(active_faults_.begin(), active_faults_.end(), *heal.name);
    if (active == active_faults_.end()) {
      errors_.add(step.json_path + ".heal",
                  "the fault \"" + *heal.name + "\", which is not active at " + at_text(step.at_ms) + " (" +
                      names_text(active_faults_) + ")",
                  "the name of a fault started by an earlier step and not healed yet, or \"all\"",
                  "correct the name, or move the heal after its fault (steps run in at_ms order)");
      return;
    }
    active_faults_.erase(active);
  }

  // A kill that finds the server already stopped is allowed (a generated or shrunk scenario
  // may contain one): it stops nothing and, with "restart": true, schedules a restart.
  void check_action(const Step&, const KillServerStep& kill) {
    server_held_down_ = !kill.restart;
  }

  void check_action(const Step& step, const RestartServerStep&) {
    if (!server_held_down_) {
      errors_.add(step.json_path + ".restart_server", "a restart_server step while no kill_server has left the server stopped",
                  "restart_server only after a kill_server step with \"restart\": false",
                  "remove this step, or set \"restart\": false on the kill_server step before it");
      return;
    }
    server_held_down_ = false;
  }

  void check_action(const Step& step, const SendStep& send) {
    total_messages_ += static_cast<std::int64_t>(send.count) * static_cast<std::int64_t>(send.clients.size());
    if (total_messages_ > scenario_bounds::kMessagesMax && !reported_too_many_messages_) {
      reported_too_many_messages_ = true;
      errors_.add(step.json_path + ".send.count",
                  std::to_string(send.count) + " messages from each of " + std::to_string(send.clients.size()) +
                      " client(s), " + std::to_string(total_messages_) + " sent by the timeline so far",
                  "at most " + std::to_string(scenario_bounds::kMessagesMax) + " messages sent in one scenario",
                  "send fewer messages; use server.preload_messages for a large history");
    }
  }

  // One storage fault at a time: the live runner holds one lock and one file-size limit,
  // and overlapping windows would end each other's.
  void check_action(const Step& step, const StorageFaultStep& storage) {
    const std::string name(storage_fault_name(storage.kind));
    if (step.at_ms < storage_fault_ends_ms_) {
      errors_.add(step.json_path + "." + name,
                  "a " + name + " at " + at_text(step.at_ms) + " while the " + last_storage_fault_ + " of " +
                      last_storage_fault_path_ + " lasts until " + at_text(storage_fault_ends_ms_),
                  "storage faults that do not overlap (one at a time)",
                  "start this one at " + at_text(storage_fault_ends_ms_) + " or later, or shorten the earlier one");
      return;
    }
    storage_fault_ends_ms_ = step.at_ms + storage.duration_ms;
    last_storage_fault_ = name;
    last_storage_fault_path_ = step.json_path;
  }

  template <typename OtherAction>
  void check_action(const Step&, const OtherAction&) {}

  ScenarioErrors& errors_;
  std::vector<std::string> active_faults_;
  // A kill with "restart": false holds the server down until a restart_server step. A
  // server still down at the end is fine: the harness starts it again after the timeline.
  bool server_held_down_ = false;
  std::int64_t total_messages_ = 0;
  std::int64_t storage_fault_ends_ms_ = 0;
  std::string last_storage_fault_;
  std::string last_storage_fault_path_;
  bool reported_too_many_messages_ = false;
};

}  // namespace

void check_timeline(const std::vector<Step>& steps, ScenarioErrors& errors) {
  TimelineChecker checker(errors);
  for (const Step& step : steps) checker.check(step);
}

}  // namespace resync::sim::scenario_parts

#include "sim/scenario/scenario_timeline_checks.hpp"

#include <algorithm>
#include <map>
#include <set>
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
  TimelineChecker(const ServerSpec& server, ScenarioErrors& errors) : server_(server), errors_(errors) {}

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

  // A node fault with "restart": false holds its node(s) down until a restart_node.
  void check_action(const Step&, const NodeFaultStep& fault) {
    for (int node = 0; node < server_.nodes; ++node) {
      if (fault.node && *fault.node != node) continue;
      if (fault.restart) {
        nodes_held_down_.erase(node);
      } else {
        nodes_held_down_.insert(node);
      }
    }
  }

  void check_action(const Step& step, const RestartNodeStep& restart) {
    const std::string path = step.json_path + ".restart_node.node";
    if (restart.node && nodes_held_down_.erase(*restart.node) == 0) {
      errors_.add(path, "node " + std::to_string(*restart.node) + ", which no kill_node or stop_node has left down at " +
                            at_text(step.at_ms) + " (" + held_down_text() + ")",
                  "a node held down by a kill_node or stop_node step with \"restart\": false",
                  "remove this step, or set \"restart\": false on the step that stops that node");
      return;
    }
    if (!restart.node && nodes_held_down_.empty()) {
      errors_.add(path, "\"all\" while no node is held down at " + at_text(step.at_ms),
                  "restart_node after a kill_node or stop_node step with \"restart\": false",
                  "remove this step, or set \"restart\": false on the step that stops the nodes");
      return;
    }
    if (!restart.node) nodes_held_down_.clear();
  }

  // One Redis: a second restart while it is still down would restart what is not running.
  void check_action(const Step& step, const RestartRedisStep& restart) {
    if (step.at_ms < redis_down_until_ms_) {
      errors_.add(step.json_path + ".restart_redis",
                  "a restart_redis at " + at_text(step.at_ms) + " while Redis is down (since " + redis_down_path_ +
                      ") until " + at_text(redis_down_until_ms_),
                  "restart_redis steps that do not overlap",
                  "start this one at " + at_text(redis_down_until_ms_) + " or later, or shorten the earlier down_ms");
      return;
    }
    redis_down_until_ms_ = step.at_ms + restart.down_ms;
    redis_down_path_ = step.json_path;
  }

  // One partition per node at a time: the second would end with the first one's heal.
  void check_action(const Step& step, const PartitionNodeStep& partition) {
    auto& [ends_ms, path] = partitions_[partition.node];
    if (step.at_ms < ends_ms) {
      errors_.add(step.json_path + ".partition_node",
                  "a partition of node " + std::to_string(partition.node) + " at " + at_text(step.at_ms) +
                      " while the one of " + path + " lasts until " + at_text(ends_ms),
                  "partitions of one node that do not overlap",
                  "start this one at " + at_text(ends_ms) + " or later, or shorten the earlier one");
      return;
    }
    ends_ms = step.at_ms + partition.duration_ms;
    path = step.json_path;
  }

  template <typename OtherAction>
  void check_action(const Step&, const OtherAction&) {}

  std::string held_down_text() const {
    if (nodes_held_down_.empty()) return "no node is held down";
    std::string text = "held down: ";
    bool first = true;
    for (int node : nodes_held_down_) {
      text += (first ? "" : ", ") + std::to_string(node);
      first = false;
    }
    return text;
  }

  const ServerSpec& server_;
  ScenarioErrors& errors_;
  std::set<int> nodes_held_down_;
  std::int64_t redis_down_until_ms_ = 0;
  std::string redis_down_path_;
  std::map<int, std::pair<std::int64_t, std::string>> partitions_;  // node -> (end, step path)
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

void check_timeline(const std::vector<Step>& steps, const ServerSpec& server, ScenarioErrors& errors) {
  TimelineChecker checker(server, errors);
  for (const Step& step : steps) checker.check(step);
}

}  // namespace resync::sim::scenario_parts

#include "sim/execution/cluster_faults.hpp"

#include <algorithm>

#include "common/invariant.hpp"

namespace resync::sim {

ClusterFaults::ClusterFaults(ClusterFaultLinks links) : links_(std::move(links)) {
  RESYNC_ASSERT(links_.every_node_clients != nullptr, "a cluster has a client link on every node");
  RESYNC_ASSERT(links_.node_clients.size() == links_.node_redis.size(), "each node has a client link and a Redis link");
}

std::vector<FaultControl*> ClusterFaults::controls_at(const FaultPlace& place) const {
  const std::vector<FaultControl*>& per_node = place.link == FaultLink::redis ? links_.node_redis : links_.node_clients;
  if (place.node) {
    // The loader checks a node index against server.nodes: any other is a bug here.
    RESYNC_ASSERT(*place.node >= 0 && static_cast<std::size_t>(*place.node) < per_node.size(),
                  "a fault's node is one of the cluster's");
    return {per_node[static_cast<std::size_t>(*place.node)]};
  }
  if (place.link == FaultLink::clients) return {links_.every_node_clients};
  return per_node;
}

std::optional<std::string> ClusterFaults::add_fault_at(const FaultPlace& place, const std::string& name,
                                                       const nlohmann::json& toxic) {
  const bool name_taken = std::any_of(active_.begin(), active_.end(), [&](const auto& fault) { return fault.first == name; });
  if (name_taken) return "a fault named \"" + name + "\" is active already";
  if (active_.size() >= active_faults_max) return "too many faults active at once";
  const std::vector<FaultControl*> controls = controls_at(place);
  for (std::size_t index = 0; index < controls.size(); ++index) {
    if (auto refused = controls[index]->add_fault(name, toxic)) {
      // All or nothing: a fault on every node's link is on every one of them, or on none.
      for (std::size_t added = 0; added < index; ++added) controls[added]->heal(name);
      return refused;
    }
  }
  active_.emplace_back(name, controls);
  return std::nullopt;
}

void ClusterFaults::heal(const std::string& name) {
  const auto found = std::find_if(active_.begin(), active_.end(), [&](const auto& fault) { return fault.first == name; });
  if (found == active_.end()) return;
  const std::vector<FaultControl*> controls = std::move(found->second);
  active_.erase(found);
  for (FaultControl* control : controls) control->heal(name);
}

void ClusterFaults::heal_all() {
  std::vector<std::pair<std::string, std::vector<FaultControl*>>> active = std::move(active_);
  active_.clear();
  for (const auto& [name, controls] : active) {
    for (FaultControl* control : controls) control->heal(name);
  }
}

void ClusterFaults::set_fault_fired_listener(WatchFired listener) {
  links_.every_node_clients->set_fault_fired_listener(listener);
  for (FaultControl* control : links_.node_clients) control->set_fault_fired_listener(listener);
  for (std::size_t node = 0; node < links_.node_redis.size(); ++node) {
    WatchFired named;
    if (listener) {
      named = [listener, tag = "node-" + std::to_string(node)](const fault_injector::TriggerFiring& firing) {
        fault_injector::TriggerFiring on_node = firing;
        on_node.tag = tag;
        listener(on_node);
      };
    }
    links_.node_redis[node]->set_fault_fired_listener(std::move(named));
  }
}

}  // namespace resync::sim

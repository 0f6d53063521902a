#pragma once
// A cluster's faults by place (docs/SCENARIOS.md, "Faults: the toxic"): on every node's client
// link, on one node's, or on the nodes' links to Redis. Each place is a proxy of its own (its
// FaultControl), so a toxic's connection numbers count that proxy's connections; a heal finds
// a fault by name wherever it was put. The live cluster and the simulator hand it their own
// proxies, so a fault in a scenario is the same toxic on the same link in both modes.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sim/execution/fault_control.hpp"
#include "sim/scenario/scenario_bounds.hpp"

namespace resync::sim {

struct ClusterFaultLinks {
  // Where a fault on the clients' link of every node goes: one FaultControl that adds it to
  // every node's client proxy (live), or the one proxy every client connection crosses (sim).
  FaultControl* every_node_clients = nullptr;
  std::vector<FaultControl*> node_clients;  // by node index
  std::vector<FaultControl*> node_redis;    // by node index: the node's connections to Redis
};

class ClusterFaults final : public FaultControl {
 public:
  explicit ClusterFaults(ClusterFaultLinks links);

  std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) override {
    return add_fault_at(FaultPlace{}, name, toxic);
  }
  std::optional<std::string> add_fault_at(const FaultPlace& place, const std::string& name,
                                          const nlohmann::json& toxic) override;
  void heal(const std::string& name) override;
  // In the order the faults were added, as one proxy heals its toxic list.
  void heal_all() override;
  // Watches (process faults on a trigger) are the single server's; they go where every node's
  // client faults go, which refuses them live.
  std::optional<std::string> add_watch(const std::string& name, const nlohmann::json& toxic,
                                       WatchFired on_fired) override {
    return links_.every_node_clients->add_watch(name, toxic, std::move(on_fired));
  }
  void remove_watch(const std::string& name) override { links_.every_node_clients->remove_watch(name); }
  // A firing on a node's Redis link names the node in its tag ("node-1"): a Redis connection
  // has no client tag, and its number counts that node's connections only.
  void set_fault_fired_listener(WatchFired listener) override;

 private:
  std::vector<FaultControl*> controls_at(const FaultPlace& place) const;

  ClusterFaultLinks links_;
  // Active faults in the order they were added, each with the proxies that hold it.
  std::vector<std::pair<std::string, std::vector<FaultControl*>>> active_;
  // One per fault step at most (the loader keeps names unique while active).
  static constexpr std::size_t active_faults_max = scenario_bounds::kTimelineStepsMax;
};

}  // namespace resync::sim

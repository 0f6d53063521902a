#pragma once
// What the runner needs from the fault injector: one proxy in front of the server under
// test, and faults added and healed by name. The live runner uses the real TCP proxy
// in-process; the simulator (sim/simulator) implements it on its simulated network with the same
// toxic objects.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fault_injector/core/connection_pipeline.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::sim {

class FaultControl {
 public:
  virtual ~FaultControl() = default;
  // Adds a toxic (the fault injector's toxic JSON); returns an error message when refused.
  virtual std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) = 0;
  // The same at a place of a cluster (a node's client link, the nodes' links to Redis). One
  // proxy in front of one server has only the default place, and refuses the others.
  virtual std::optional<std::string> add_fault_at(const FaultPlace& place, const std::string& name,
                                                  const nlohmann::json& toxic) {
    if (place.is_default()) return add_fault(name, toxic);
    return "this proxy is in front of a single server: it has no node's link to put a fault on";
  }
  // By name, wherever the fault acts.
  virtual void heal(const std::string& name) = 0;
  // Heals every fault on every link; watches stay (they are no faults).
  virtual void heal_all() = 0;

  // A watch: the fault injector's `noop` toxic carrying `toxic`'s target and trigger, so the
  // connections are untouched. `on_fired` is called once, for the first connection whose
  // trigger fires, synchronously from inside the proxy's byte handling (TriggerListener's
  // rules: it must not add, heal or remove anything itself). Returns an error when refused.
  using WatchFired = std::function<void(const fault_injector::TriggerFiring&)>;
  virtual std::optional<std::string> add_watch(const std::string& name, const nlohmann::json& toxic,
                                               WatchFired on_fired) = 0;
  virtual void remove_watch(const std::string& name) = 0;

  // A fault's own trigger (not a watch's) fired on one connection: the toxic starts acting
  // there. Called for every connection it fires on, under TriggerListener's rules, so the
  // history can say where a triggered fault struck ({} stops the calls).
  virtual void set_fault_fired_listener(WatchFired listener) = 0;
};

}  // namespace resync::sim

#pragma once
// Scenario faults as toxics on one proxy of the fault injector's control plane. The live
// runner (real TCP proxy) and the simulator (simulated network) both use this, so a fault
// in a scenario means the same toxic in both modes.
#include <algorithm>
#include <map>
#include <string>

#include "fault_injector/control/control_plane.hpp"
#include "sim/execution/fault_control.hpp"

namespace resync::sim {

class ControlPlaneFaults final : public FaultControl {
 public:
  // Listens to `runtime`'s trigger firings (the runtime behind `control`) for the watches.
  ControlPlaneFaults(fault_injector::ControlPlane& control, fault_injector::ProxyRuntime& runtime,
                     std::string proxy_name)
      : control_(control), runtime_(runtime), proxy_name_(std::move(proxy_name)) {
    runtime_.set_trigger_listener([this](const fault_injector::TriggerFiring& firing) { on_trigger_fired(firing); });
  }
  // The runtime may outlive this object (its connections drain after a stop): no firing may
  // reach a destroyed listener.
  ~ControlPlaneFaults() override { runtime_.set_trigger_listener({}); }
  ControlPlaneFaults(const ControlPlaneFaults&) = delete;
  ControlPlaneFaults& operator=(const ControlPlaneFaults&) = delete;

  std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) override {
    nlohmann::json body = toxic;
    body["name"] = name;
    auto added = control_.add_toxic(proxy_name_, body);
    if (!added) return added.error().message;
    return std::nullopt;
  }

  void heal(const std::string& name) override {
    reset_connections_a_lossy_toxic_acted_on(name);
    control_.remove_toxic(proxy_name_, name);
  }

  void heal_all() override {
    auto toxics = control_.toxics(proxy_name_);
    if (!toxics) return;
    for (const auto& toxic : toxics.value()) {
      if (!watches_.contains(toxic.name)) heal(toxic.name);
    }
  }

  std::optional<std::string> add_watch(const std::string& name, const nlohmann::json& toxic,
                                       WatchFired on_fired) override {
    nlohmann::json body = {{"name", name}, {"type", "noop"}};
    for (const char* key : {"stream", "target", "trigger"}) {
      if (toxic.contains(key)) body[key] = toxic.at(key);
    }
    // Registered first: a trigger that counts to what the connection has seen already could
    // fire while the toxic is being attached.
    watches_[name] = Watch{std::move(on_fired), false};
    auto added = control_.add_toxic(proxy_name_, body);
    if (!added) {
      watches_.erase(name);
      return added.error().message;
    }
    return std::nullopt;
  }

  void remove_watch(const std::string& name) override {
    if (watches_.erase(name) != 0) control_.remove_toxic(proxy_name_, name);
  }

  void set_fault_fired_listener(WatchFired listener) override { fault_fired_ = std::move(listener); }

 private:
  // `timeout` and `reset_peer` drop the bytes that reach them (Toxiproxy's behaviour).
  // Removing one lets the stream go on with a hole in it, which TCP never produces: a dead
  // path either delivers everything late (retransmission) or kills the connection. A hole
  // can swallow one broadcast or a CONNECT reply and blame the server for it. So a heal
  // ends every connection such a toxic was acting on, with an immediate reset.
  void reset_connections_a_lossy_toxic_acted_on(const std::string& name) {
    auto toxic = control_.toxic(proxy_name_, name);
    if (!toxic || (toxic->type != "timeout" && toxic->type != "reset_peer")) return;
    auto connections = control_.connections(proxy_name_);
    if (!connections) return;
    for (const auto& connection : connections.value()) {
      const bool acted_on = std::any_of(connection.toxics.begin(), connection.toxics.end(), [&](const auto& on) {
        return on.name == name && on.state == "active";
      });
      if (!acted_on) continue;
      const std::string reset_name = "heal-reset-" + std::to_string(connection.id);
      control_.add_toxic(proxy_name_, nlohmann::json{{"name", reset_name},
                                                     {"type", "reset_peer"},
                                                     {"attributes", {{"timeout", 0}}},
                                                     {"target", {{"connection_id", connection.id}}}});
      control_.remove_toxic(proxy_name_, reset_name);
    }
  }

  // A watch fires once: later firings (other connections, or the same watch until it is
  // removed) are ignored. A fault's firing is reported for every connection.
  void on_trigger_fired(const fault_injector::TriggerFiring& firing) {
    auto found = watches_.find(firing.toxic_name);
    if (found == watches_.end()) {
      // A copy, as below: the listener may be replaced from inside the call.
      const WatchFired on_fault_fired = fault_fired_;
      if (on_fault_fired) on_fault_fired(firing);
      return;
    }
    if (found->second.fired) return;
    found->second.fired = true;
    // A copy: the callback may ask for the watch's removal, which must not destroy it mid-call.
    const WatchFired on_fired = found->second.on_fired;
    if (on_fired) on_fired(firing);
  }

  struct Watch {
    WatchFired on_fired;
    bool fired = false;
  };

  fault_injector::ControlPlane& control_;
  fault_injector::ProxyRuntime& runtime_;
  std::string proxy_name_;
  std::map<std::string, Watch> watches_;  // ordered: deterministic
  WatchFired fault_fired_;
};

}  // namespace resync::sim

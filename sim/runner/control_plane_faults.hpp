#pragma once
// Scenario faults as toxics on one proxy of the fault injector's control plane. The live
// runner (real TCP proxy) and the simulator (simulated network) both use this, so a fault
// in a scenario means the same toxic in both modes.
#include <algorithm>
#include <string>

#include "fault_injector/control/control_plane.hpp"
#include "sim/runner/fault_control.hpp"

namespace resync::sim {

class ControlPlaneFaults final : public FaultControl {
 public:
  ControlPlaneFaults(fault_injector::ControlPlane& control, std::string proxy_name)
      : control_(control), proxy_name_(std::move(proxy_name)) {}

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
    for (const auto& toxic : toxics.value()) heal(toxic.name);
  }

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

  fault_injector::ControlPlane& control_;
  std::string proxy_name_;
};

}  // namespace resync::sim

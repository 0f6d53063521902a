#pragma once
// Scenario faults as toxics on one proxy of the fault injector's control plane. The live
// runner (real TCP proxy) and the simulator (simulated network) both use this, so a fault
// in a scenario means the same toxic in both modes.
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

  void heal(const std::string& name) override { control_.remove_toxic(proxy_name_, name); }

  void heal_all() override {
    auto toxics = control_.toxics(proxy_name_);
    if (!toxics) return;
    for (const auto& toxic : toxics.value()) control_.remove_toxic(proxy_name_, toxic.name);
  }

 private:
  fault_injector::ControlPlane& control_;
  std::string proxy_name_;
};

}  // namespace resync::sim

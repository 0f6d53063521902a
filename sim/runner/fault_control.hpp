#pragma once
// What the runner needs from the fault injector: one proxy in front of the server under
// test, and faults added and healed by name. The live runner uses the real TCP proxy
// in-process; the simulator (sim/simulator) implements it on its simulated network with the same
// toxic objects.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace resync::sim {

class FaultControl {
 public:
  virtual ~FaultControl() = default;
  // Adds a toxic (the fault injector's toxic JSON); returns an error message when refused.
  virtual std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) = 0;
  virtual void heal(const std::string& name) = 0;
  virtual void heal_all() = 0;
};

}  // namespace resync::sim

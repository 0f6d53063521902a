#include "sim/simulator/simulator.hpp"

#include "sim/simulator/simulated_environment.hpp"

namespace resync::sim {

std::string simulate_scenario(const Scenario& scenario, const SimulationOptions& options) {
  SimulatedEnvironment environment(scenario, options);
  return environment.run();
}

}  // namespace resync::sim

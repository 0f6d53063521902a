#include "sim/simulator/simulator.hpp"

#include "sim/history/history_writer.hpp"
#include "sim/simulator/simulated_environment.hpp"

namespace resync::sim {

history::History simulate_history(const Scenario& scenario, const SimulationOptions& options) {
  SimulatedEnvironment environment(scenario, options);
  return environment.run();
}

std::string simulate_scenario(const Scenario& scenario, const SimulationOptions& options) {
  return history::history_text(simulate_history(scenario, options));
}

}  // namespace resync::sim

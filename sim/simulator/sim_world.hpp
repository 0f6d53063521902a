#pragma once
// What every part of one simulated run shares: the virtual clock, the options, and whether
// the run has finished (then nothing scheduled runs any more).
#include "sim/simulator/simulator.hpp"
#include "sim/simulator/virtual_clock.hpp"

namespace resync::sim {

struct SimWorld {
  explicit SimWorld(const SimulationOptions& options_in) : options(options_in) {}
  const SimulationOptions& options;
  VirtualClock clock;
  bool finished = false;

  std::int64_t now_ms() const { return clock.now_ms(); }
};

}  // namespace resync::sim

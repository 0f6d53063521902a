#include "sim/runner/run_proxy.hpp"
#include "sim/simulator/simulator.hpp"

#include "sim/scenario/scenario_writer.hpp"

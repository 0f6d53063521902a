#pragma once
// Writes a Scenario back as scenario-file JSON (docs/SCENARIOS.md) that the loader reads
// into the same Scenario. The fuzzer uses it to save shrunk reproducers as ordinary
// scenario files.
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

nlohmann::json scenario_to_json(const Scenario& scenario);

}  // namespace resync::sim

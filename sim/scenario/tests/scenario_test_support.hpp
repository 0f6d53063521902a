#pragma once
// Helpers for the scenario loader tests: a small valid scenario to start from, and checks
// that an error was reported at an exact JSON path.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.hpp"

namespace resync::sim::testing {

// A valid scenario: two clients (alice, bob), a fault on alice, a heal, a burst.
nlohmann::json valid_scenario_json();

LoadResult load_json(const nlohmann::json& document, const std::string& file = "test.json");
// valid_scenario_json() with the value at a JSON pointer (e.g. "/server/planted_bug") set.
LoadResult load_with(const std::string& pointer, const nlohmann::json& value);

// Success when some error has exactly this json_path (and, when given, its found text
// contains `found_part`); the failure message lists every error reported.
::testing::AssertionResult has_error_at(const LoadResult& result, const std::string& json_path,
                                        const std::string& found_part = "");

// The error at `json_path` (the first one), or an empty error.
ScenarioError error_at(const LoadResult& result, const std::string& json_path);

}  // namespace resync::sim::testing

#pragma once
// Parses the text of a scenario file as strict JSON: syntax errors are reported with their
// line and column, a key written twice in one object is an error (plain JSON parsers keep
// the last one silently), and nesting deeper than any scenario needs is refused.
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_error.hpp"

namespace resync::sim {

// The parsed document, or nullopt with the problems recorded in `errors`.
std::optional<nlohmann::json> parse_scenario_json_text(std::string_view text, ScenarioErrors& errors);

}  // namespace resync::sim

#pragma once
// Loads scenario files (format: docs/SCENARIOS.md, schema: scenarios/schema.json) into
// validated Scenario structs. Scenario files are user input: nothing here throws on any
// input; every mistake becomes a ScenarioError naming the file, the JSON path (or the line
// and column of a JSON syntax error), what was found, what was expected and how to fix it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "sim/scenario/scenario_error.hpp"

namespace resync::sim {

struct LoadResult {
  std::optional<Scenario> scenario;  // set exactly when errors is empty
  std::vector<ScenarioError> errors;

  bool ok() const { return scenario.has_value(); }
  // Every error's message(), one per line (empty when ok()).
  std::string error_text() const;
};

// Reads and validates one scenario file. A missing or unreadable file is an error too.
LoadResult load_scenario_file(const std::string& path);

// Validates scenario JSON text; `path` only names it in errors and in Scenario::file.
LoadResult load_scenario_text(std::string_view text, const std::string& path);

// The scenario files under `path`: the file itself when `path` is not a directory (also
// when it does not exist, so that loading it reports the problem), otherwise every `*.json`
// file below it, recursively, except `schema.json`, sorted by path.
std::vector<std::string> find_scenario_files(const std::string& path);

}  // namespace resync::sim

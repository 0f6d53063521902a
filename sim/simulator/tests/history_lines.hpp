#pragma once
// A history (JSON Lines) as parsed lines, for tests that look at single events.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace resync::sim::testing {

inline std::vector<nlohmann::json> history_lines(const std::string& history) {
  std::vector<nlohmann::json> parsed;
  std::istringstream input(history);
  for (std::string line; std::getline(input, line);) parsed.push_back(nlohmann::json::parse(line));
  return parsed;
}

}  // namespace resync::sim::testing

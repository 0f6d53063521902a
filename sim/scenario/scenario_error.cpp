#include "sim/scenario/scenario_error.hpp"

namespace resync::sim {

std::string ScenarioError::message() const {
  std::string text = file;
  if (line > 0) {
    text += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  if (!json_path.empty()) text += ": " + json_path;
  text += ": found " + found + "; expected " + expected + ".";
  if (!fix.empty()) text += " Fix: " + fix;
  return text;
}

void ScenarioErrors::add(std::string json_path, std::string found, std::string expected, std::string fix) {
  if (errors_.size() >= kReportedMax) return;
  ScenarioError error;
  error.file = file_;
  error.json_path = std::move(json_path);
  error.found = std::move(found);
  error.expected = std::move(expected);
  error.fix = std::move(fix);
  errors_.push_back(std::move(error));
}

void ScenarioErrors::add_at_text(std::size_t line, std::size_t column, std::string found, std::string expected,
                                 std::string fix) {
  if (errors_.size() >= kReportedMax) return;
  ScenarioError error;
  error.file = file_;
  error.line = line;
  error.column = column;
  error.found = std::move(found);
  error.expected = std::move(expected);
  error.fix = std::move(fix);
  errors_.push_back(std::move(error));
}

}  // namespace resync::sim

#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim::testing {

nlohmann::json valid_scenario_json() {
  return nlohmann::json::parse(R"({
    "name": "test-scenario",
    "description": "A small valid scenario the tests mutate.",
    "server": {"delivery": "strict", "ping_interval_ms": 1000, "ping_timeout_ms": 1000},
    "clients": [
      {"name": "alice", "policy": "dedupe", "delivery": {"acked": {"ack_timeout_ms": 500, "retries": 5}}},
      {"name": "bob"}
    ],
    "timeline": [
      {"at_ms": 100, "send": {"clients": "all", "count": 3, "interval_ms": 10}},
      {"at_ms": 200, "fault": {"name": "cut-alice", "toxic": {"type": "reset_peer", "attributes": {"timeout": 0},
                                                               "target": {"tag": "alice"}}}},
      {"at_ms": 300, "heal": "cut-alice"},
      {"at_ms": 400, "wait": {}}
    ],
    "expect": {"verdict": "valid"}
  })");
}

LoadResult load_json(const nlohmann::json& document, const std::string& file) {
  return load_scenario_text(document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), file);
}

::testing::AssertionResult has_error_at(const LoadResult& result, const std::string& json_path,
                                        const std::string& found_part) {
  for (const ScenarioError& error : result.errors) {
    if (error.json_path == json_path && error.found.find(found_part) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no error at " << json_path
                                       << (found_part.empty() ? "" : " finding \"" + found_part + "\"")
                                       << "; reported:\n"
                                       << (result.errors.empty() ? std::string("(nothing: it loaded)\n")
                                                                 : result.error_text());
}

ScenarioError error_at(const LoadResult& result, const std::string& json_path) {
  for (const ScenarioError& error : result.errors) {
    if (error.json_path == json_path) return error;
  }
  return {};
}

LoadResult load_with(const std::string& pointer, const nlohmann::json& value) {
  nlohmann::json document = valid_scenario_json();
  document[nlohmann::json::json_pointer(pointer)] = value;
  return load_json(document);
}

}  // namespace resync::sim::testing

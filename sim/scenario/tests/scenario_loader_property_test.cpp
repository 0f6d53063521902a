// The loader never throws, whatever it is given: random JSON values, random mutations of
// valid scenarios and random text either load (and then respect every bound) or give errors
// that each say where (a JSON path, or a line and column) and what.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using nlohmann::json;

// Strings that mean something to the loader, so random documents hit real code paths.
const std::vector<std::string> kInterestingStrings = {
    "name",     "description", "clients", "timeline", "expect",   "verdict",  "valid",   "invalid",  "all",
    "alice",    "bob",         "send",    "count",    "at_ms",    "fault",    "toxic",   "type",     "heal",
    "latency",  "timeout",     "attributes", "target", "tag",     "trigger",  "acked",   "plain",    "server",
    "external", "kill_server", "SIGKILL", "reset_peer", "pause",  "unlimited", "",       "\xC3\xA9", "a b"};

rc::Gen<std::string> interesting_string() {
  return rc::gen::weightedOneOf<std::string>({
      {4, rc::gen::elementOf(kInterestingStrings)},
      {1, rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~'))},
  });
}

rc::Gen<json> scalar_json() {
  return rc::gen::oneOf(
      rc::gen::just(json(nullptr)), rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return json(b); }),
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t n) { return json(n); }),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t n) { return json(n); }),
      rc::gen::map(rc::gen::inRange(-1000, 700000), [](int n) { return json(n); }),
      rc::gen::map(rc::gen::arbitrary<double>(),
                   [](double d) { return std::isfinite(d) ? json(d) : json(0.5); }),
      rc::gen::map(interesting_string(), [](std::string s) { return json(std::move(s)); }));
}

rc::Gen<json> random_json(int depth) {
  if (depth <= 0) return scalar_json();
  const rc::Gen<json> child = random_json(depth - 1);
  const rc::Gen<json> array = rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, 5), [child](std::size_t size) {
    return rc::gen::map(rc::gen::container<std::vector<json>>(size, child),
                        [](std::vector<json> items) { return json(std::move(items)); });
  });
  const rc::Gen<json> object = rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, 6), [child](std::size_t size) {
    return rc::gen::map(rc::gen::container<std::vector<std::pair<std::string, json>>>(
                            size, rc::gen::pair(interesting_string(), child)),
                        [](std::vector<std::pair<std::string, json>> members) {
                          json result = json::object();
                          for (auto& [key, value] : members) result[key] = std::move(value);
                          return result;
                        });
  });
  return rc::gen::weightedOneOf<json>({{3, scalar_json()}, {1, array}, {2, object}});
}

// A load must never throw; its outcome must be one of the two documented shapes.
void check_outcome(const LoadResult& result, bool text_was_json) {
  RC_ASSERT(result.ok() == result.errors.empty());
  for (const ScenarioError& error : result.errors) {
    RC_ASSERT(!error.found.empty());
    RC_ASSERT(!error.expected.empty());
    const bool has_path = error.json_path.rfind("$", 0) == 0;
    const bool has_position = error.line > 0;
    if (text_was_json) {
      RC_ASSERT(has_path);
    } else {
      RC_ASSERT(has_path || has_position || error.json_path.empty());
    }
  }
  if (!result.ok()) return;
  const Scenario& scenario = *result.scenario;
  RC_ASSERT(!scenario.clients.empty());
  RC_ASSERT(static_cast<std::int64_t>(scenario.clients.size()) <= scenario_bounds::kClientsMax);
  RC_ASSERT(std::is_sorted(scenario.timeline.begin(), scenario.timeline.end(),
                           [](const Step& a, const Step& b) { return a.at_ms < b.at_ms; }));
  for (const Step& step : scenario.timeline) {
    RC_ASSERT(step.at_ms >= 0 && step.at_ms <= scenario_bounds::kTimelineMsMax);
    RC_ASSERT(step.json_path.rfind("$.timeline[", 0) == 0);
  }
}

LoadResult load_without_throwing(std::string_view text) {
  try {
    return load_scenario_text(text, "property.json");
  } catch (...) {
    RC_FAIL("load_scenario_text threw");
  }
  return {};
}

std::vector<json> valid_documents() {
  std::vector<json> documents = {testing::valid_scenario_json()};
  for (const std::string& file : find_scenario_files(RESYNC_SCENARIOS_DIR)) {
    std::ifstream stream(file);
    std::stringstream text;
    text << stream.rdbuf();
    documents.push_back(json::parse(text.str(), nullptr, false));
  }
  return documents;
}

void collect_pointers(const json& value, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) collect_pointers(member, at / key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) collect_pointers(value[i], at / i, out);
  }
}

// One random edit at a random place: replace, delete, add a key, negate a number, empty a container.
json mutate(json document) {
  std::vector<json::json_pointer> pointers;
  collect_pointers(document, json::json_pointer(), pointers);
  const json::json_pointer at = *rc::gen::elementOf(pointers);
  json& target = document[at];
  switch (*rc::gen::inRange(0, 6)) {
    case 0:
      target = *random_json(2);
      break;
    case 1:
      if (!at.empty()) {
        json& parent = document[at.parent_pointer()];
        if (parent.is_object()) parent.erase(at.back());
        if (parent.is_array()) parent.erase(static_cast<std::size_t>(std::stoul(at.back())));
      }
      break;
    case 2:
      if (target.is_object()) target[*interesting_string()] = *random_json(1);
      if (target.is_array()) target.push_back(*random_json(2));
      break;
    case 3:
      if (target.is_number()) target = -target.get<double>() * 1000;
      break;
    case 4:
      if (target.is_structured()) target.clear();
      break;
    default:
      target = *scalar_json();
      break;
  }
  return document;
}

std::string dump(const json& document) { return document.dump(-1, ' ', false, json::error_handler_t::replace); }

RC_GTEST_PROP(ScenarioLoaderProperty, RandomJsonValuesNeverThrowAndErrorsHaveAPath, ()) {
  const json document = *random_json(4);
  check_outcome(load_without_throwing(dump(document)), true);
}

RC_GTEST_PROP(ScenarioLoaderProperty, RandomJsonUnderScenarioKeysNeverThrows, ()) {
  json document = testing::valid_scenario_json();
  const std::string key = *rc::gen::elementOf(std::vector<std::string>{"server", "clients", "timeline", "expect", "name"});
  document[key] = *random_json(4);
  check_outcome(load_without_throwing(dump(document)), true);
}

RC_GTEST_PROP(ScenarioLoaderProperty, MutatedValidScenariosLoadOrReportWhere, ()) {
  static const std::vector<json> documents = valid_documents();
  json document = *rc::gen::elementOf(documents);
  const int edits = *rc::gen::inRange(1, 4);
  for (int i = 0; i < edits; ++i) document = mutate(std::move(document));
  check_outcome(load_without_throwing(dump(document)), true);
}

RC_GTEST_PROP(ScenarioLoaderProperty, CutOrCorruptedTextNeverThrows, ()) {
  static const std::vector<json> documents = valid_documents();
  std::string text = dump(*rc::gen::elementOf(documents));
  const std::size_t cut = *rc::gen::inRange<std::size_t>(0, text.size() + 1);
  text = text.substr(0, cut);
  if (!text.empty() && *rc::gen::arbitrary<bool>()) {
    text[*rc::gen::inRange<std::size_t>(0, text.size())] = *rc::gen::arbitrary<char>();
  }
  check_outcome(load_without_throwing(text), false);
}

RC_GTEST_PROP(ScenarioLoaderProperty, ArbitraryBytesNeverThrow, (const std::string& text)) {
  check_outcome(load_without_throwing(text), false);
}

TEST(ScenarioLoaderProperty, EveryValidDocumentIsReadable) {
  for (const json& document : valid_documents()) EXPECT_FALSE(document.is_discarded());
}

}  // namespace
}  // namespace resync::sim

// server.planted_bug: a known name loads, a misspelled one is an error at its JSON path
// that suggests the name meant, and an external server cannot have one.
#include <gtest/gtest.h>

#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_json;
using testing::load_with;
using testing::valid_scenario_json;

TEST(ScenarioPlantedBug, AKnownNameLoadsIntoTheServerSpec) {
  const LoadResult result = load_with("/server/planted_bug", "drop-every-10th-plain");
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->server.planted_bug, "drop-every-10th-plain");
}

TEST(ScenarioPlantedBug, WithoutTheKeyThereIsNone) {
  const LoadResult result = load_json(valid_scenario_json());
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->server.planted_bug, "");
}

TEST(ScenarioPlantedBug, AMisspelledNameSuggestsTheClosestName) {
  const LoadResult result = load_with("/server/planted_bug", "crash-after-20-message");
  ASSERT_TRUE(has_error_at(result, "$.server.planted_bug", "crash-after-20-message"));
  const ScenarioError error = error_at(result, "$.server.planted_bug");
  EXPECT_NE(error.fix.find("did you mean \"crash-after-20-messages\""), std::string::npos) << error.fix;
  EXPECT_NE(error.expected.find("use-after-free-after-20-messages"), std::string::npos) << error.expected;
}

TEST(ScenarioPlantedBug, EmptyOrNonStringValuesAreErrors) {
  EXPECT_TRUE(has_error_at(load_with("/server/planted_bug", ""), "$.server.planted_bug"));
  EXPECT_TRUE(has_error_at(load_with("/server/planted_bug", true), "$.server.planted_bug"));
}

TEST(ScenarioPlantedBug, AnExternalServerCannotHaveOne) {
  nlohmann::json document = valid_scenario_json();
  document["server"] = {{"external", {{"url", "http://127.0.0.1:3000"}}}, {"planted_bug", "drop-every-10th-plain"}};
  EXPECT_TRUE(has_error_at(load_json(document), "$.server.planted_bug"));
}

}  // namespace
}  // namespace resync::sim

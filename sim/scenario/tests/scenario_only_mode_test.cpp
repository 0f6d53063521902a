// The top-level "only_mode": {"mode": "live" | "sim", "why": "..."}: a scenario meant for one
// mode, with the reason the other mode prints when it skips it.
#include <gtest/gtest.h>

#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_json;
using testing::load_with;
using testing::valid_scenario_json;

TEST(ScenarioOnlyMode, AbsentMeansBothModes) {
  const LoadResult result = load_json(valid_scenario_json());
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_FALSE(result.scenario->only_mode.has_value());
  EXPECT_EQ(result.scenario->only_mode_reason, "");
}

TEST(ScenarioOnlyMode, ModeAndReasonAreRead) {
  for (const std::string mode : {"live", "sim"}) {
    const LoadResult result = load_with("/only_mode", {{"mode", mode}, {"why", "the race needs real sockets"}});
    ASSERT_TRUE(result.ok()) << result.error_text();
    EXPECT_EQ(result.scenario->only_mode, mode);
    EXPECT_EQ(result.scenario->only_mode_reason, "the race needs real sockets");
  }
}

TEST(ScenarioOnlyMode, AnUnknownModeIsAnErrorAtItsPath) {
  const LoadResult result = load_with("/only_mode", {{"mode", "Live"}, {"why", "x"}});
  ASSERT_TRUE(has_error_at(result, "$.only_mode.mode", "\"Live\""));
  EXPECT_NE(error_at(result, "$.only_mode.mode").expected.find("\"live\", \"sim\""), std::string::npos);
}

TEST(ScenarioOnlyMode, ModeAndWhyAreBothRequired) {
  EXPECT_TRUE(has_error_at(load_with("/only_mode", {{"why", "x"}}), "$.only_mode.mode", "missing"));
  EXPECT_TRUE(has_error_at(load_with("/only_mode", {{"mode", "sim"}}), "$.only_mode.why", "missing"));
  EXPECT_TRUE(has_error_at(load_with("/only_mode", {{"mode", "sim"}, {"why", ""}}), "$.only_mode.why"));
}

TEST(ScenarioOnlyMode, NotAnObjectOrAnUnknownKeyIsAnError) {
  EXPECT_TRUE(has_error_at(load_with("/only_mode", "live"), "$.only_mode", "\"live\""));
  const LoadResult typo = load_with("/only_mode", {{"mode", "live"}, {"why", "x"}, {"reason", "y"}});
  ASSERT_TRUE(has_error_at(typo, "$.only_mode.reason", "unknown key"));
}

TEST(ScenarioOnlyMode, AnExternalServerCannotBeSimOnly) {
  nlohmann::json document = valid_scenario_json();
  document["server"] = {{"external", {{"url", "http://127.0.0.1:3000"}}}};
  document["only_mode"] = {{"mode", "sim"}, {"why", "x"}};
  EXPECT_TRUE(has_error_at(load_json(document), "$.only_mode.mode", "external"));
  document["only_mode"]["mode"] = "live";
  const LoadResult live = load_json(document);
  EXPECT_TRUE(live.ok()) << live.error_text();
}

}  // namespace
}  // namespace resync::sim

// The timeline comes out sorted by at_ms (stable), every step remembering where it came from.
#include <gtest/gtest.h>

#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::has_error_at;
using testing::load_json;
using testing::valid_scenario_json;

TEST(ScenarioLoaderTimeline, StepsAreSortedByTimeAndKeepFileOrderAtTheSameTime) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 900, "wait": {}},
    {"at_ms": 100, "connect": "alice"},
    {"at_ms": 500, "send": {"clients": "bob"}},
    {"at_ms": 100, "disconnect": "bob"},
    {"at_ms": 0, "reload": "bob"},
    {"at_ms": 100, "send": {"clients": "alice"}}])");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& timeline = result.scenario->timeline;
  ASSERT_EQ(timeline.size(), 6u);
  const std::vector<std::pair<std::int64_t, std::string>> expected = {
      {0, "$.timeline[4]"},   {100, "$.timeline[1]"}, {100, "$.timeline[3]"},
      {100, "$.timeline[5]"}, {500, "$.timeline[2]"}, {900, "$.timeline[0]"},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(timeline[i].at_ms, expected[i].first) << i;
    EXPECT_EQ(timeline[i].json_path, expected[i].second) << i;
  }
  EXPECT_TRUE(std::holds_alternative<ReloadStep>(timeline[0].action));
  EXPECT_TRUE(std::holds_alternative<ConnectStep>(timeline[1].action));
  EXPECT_TRUE(std::holds_alternative<DisconnectStep>(timeline[2].action));
  EXPECT_TRUE(std::holds_alternative<SendStep>(timeline[3].action));
}

TEST(ScenarioLoaderTimeline, FaultAndHealPairUpInTimeOrderNotFileOrder) {
  nlohmann::json document = valid_scenario_json();
  // The heal is written first but happens after the fault: fine.
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 700, "heal": "blackhole"},
    {"at_ms": 200, "fault": {"name": "blackhole", "toxic": {"type": "timeout", "stream": "both"}}},
    {"at_ms": 800, "fault": {"name": "blackhole", "toxic": {"type": "pause"}}},
    {"at_ms": 900, "heal": "all"}])");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->timeline[0].json_path, "$.timeline[1]");
}

TEST(ScenarioLoaderTimeline, AFaultMayStayActiveUntilTheEnd) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"].erase(2);  // the heal: the runner heals everything after the timeline
  EXPECT_TRUE(load_json(document).ok());
}

TEST(ScenarioLoaderTimeline, ServerStoppedAndStartedAgain) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 2000, "restart_server": {}},
    {"at_ms": 1000, "kill_server": {"signal": "SIGTERM", "restart": false}},
    {"at_ms": 3000, "kill_server": {"restart_after_ms": 200}},
    {"at_ms": 3200, "kill_server": {}}])");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
}

TEST(ScenarioLoaderTimeline, KillsThatFindTheServerDownAndAServerLeftDownAreAllowed) {
  // Generated (fuzzer) scenarios contain these; the harness restarts a stopped server after the timeline.
  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 100, "kill_server": {"restart_after_ms": 2000}},
    {"at_ms": 500, "kill_server": {"signal": "SIGTERM", "restart_after_ms": 100}},
    {"at_ms": 900, "kill_server": {"restart": false}},
    {"at_ms": 950, "kill_server": {"restart": false}}])");
  const LoadResult result = load_json(document);
  EXPECT_TRUE(result.ok()) << result.error_text();
}

TEST(ScenarioLoaderTimeline, StepsReferringToTheirOwnFileIndexInErrorsAfterSorting) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 500, "heal": "nothing-here"},
    {"at_ms": 100, "wait": {}}])");
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[0].heal", "not active at 500 ms"));
}

TEST(ScenarioLoaderTimeline, ABadStepDoesNotCauseFollowUpErrors) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"][1]["fault"]["toxic"]["type"] = "nope";  // the heal of cut-alice must not be reported too
  const LoadResult result = load_json(document);
  ASSERT_EQ(result.errors.size(), 1u) << result.error_text();
  EXPECT_EQ(result.errors[0].json_path, "$.timeline[1].fault.toxic.type");
}

TEST(ScenarioLoaderTimeline, AClientWithABadSettingStillCountsForSteps) {
  nlohmann::json document = valid_scenario_json();
  document["clients"][1]["policy"] = "clever";
  const LoadResult result = load_json(document);
  ASSERT_EQ(result.errors.size(), 1u) << result.error_text();
  EXPECT_EQ(result.errors[0].json_path, "$.clients[1].policy");
}

}  // namespace
}  // namespace resync::sim

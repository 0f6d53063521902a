// kill_server / stop_server with `on`: what loads, what it loads into, and every mistake at
// its path with what was found and how to fix it.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_writer.hpp"
#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_with;

LoadResult with_kill(const nlohmann::json& step) { return load_with("/timeline/3", step); }

const KillServerStep& kill_of(const LoadResult& result) {
  for (const Step& step : result.scenario->timeline) {
    if (const auto* kill = std::get_if<KillServerStep>(&step.action)) return *kill;
  }
  static const KillServerStep none;
  ADD_FAILURE() << "no kill_server step";
  return none;
}

TEST(ScenarioProcessTrigger, KillOnTheNthAckLoadsWithTheInjectorsNormalizedTrigger) {
  const LoadResult result = with_kill(nlohmann::json::parse(
      R"({"at_ms": 50, "kill_server": {"on": {"after_acks": 5, "delay_us": 250}, "restart_after_ms": 300}})"));
  ASSERT_TRUE(result.ok()) << result.error_text();
  const KillServerStep& kill = kill_of(result);
  ASSERT_TRUE(kill.on.has_value());
  EXPECT_EQ(kill.signal, "SIGKILL");
  EXPECT_EQ(kill.on->trigger, nlohmann::json::parse(R"({"after_acks": 5, "direction": "downstream"})"));
  EXPECT_EQ(kill.on->target, "all");
  EXPECT_EQ(kill.on->delay_us, 250);
  EXPECT_EQ(kill.restart_after_ms, 300);
}

TEST(ScenarioProcessTrigger, StopServerIsAGracefulSigtermWithATargetAndATextMatch) {
  const LoadResult result = with_kill(nlohmann::json::parse(
      R"({"at_ms": 0, "stop_server": {"restart": false, "on": {"frame_contains": "\"alice-2\"", "direction": "upstream", "target": {"tag": "alice"}}}})"));
  ASSERT_TRUE(result.ok()) << result.error_text();
  const KillServerStep& kill = kill_of(result);
  EXPECT_EQ(kill.signal, "SIGTERM");
  EXPECT_FALSE(kill.restart);
  ASSERT_TRUE(kill.on.has_value());
  EXPECT_EQ(kill.on->trigger.at("direction"), "upstream");
  EXPECT_EQ(kill.on->target, nlohmann::json::parse(R"({"tag": "alice"})"));
}

TEST(ScenarioProcessTrigger, WrittenBackItLoadsTheSame) {
  const LoadResult result = with_kill(nlohmann::json::parse(
      R"({"at_ms": 50, "stop_server": {"on": {"after_events": 3, "target": {"tag": "bob"}, "delay_us": 7}}})"));
  ASSERT_TRUE(result.ok()) << result.error_text();
  const nlohmann::json written = scenario_to_json(*result.scenario);
  const LoadResult again = testing::load_json(written);
  ASSERT_TRUE(again.ok()) << again.error_text() << written.dump(2);
  ASSERT_TRUE(kill_of(again).on.has_value());
  EXPECT_EQ(*kill_of(again).on, *kill_of(result).on);
  EXPECT_EQ(kill_of(again).signal, "SIGTERM");
  EXPECT_EQ(scenario_to_json(*again.scenario), written);
}

TEST(ScenarioProcessTrigger, ATimeTriggerIsRefusedWithAPointerToAtMs) {
  const LoadResult result = with_kill(nlohmann::json::parse(R"({"at_ms": 50, "kill_server": {"on": {"after_ms": 5}}})"));
  ASSERT_TRUE(has_error_at(result, "$.timeline[3].kill_server.on.after_ms", "time"));
  EXPECT_NE(error_at(result, "$.timeline[3].kill_server.on.after_ms").fix.find("at_ms"), std::string::npos);
}

TEST(ScenarioProcessTrigger, NoTriggerOrTwoTriggersAreRefused) {
  EXPECT_TRUE(has_error_at(with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"delay_us": 5}}})")),
                           "$.timeline[3].kill_server.on", "no trigger"));
  const LoadResult two =
      with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_acks": 1, "after_events": 2}}})"));
  ASSERT_TRUE(has_error_at(two, "$.timeline[3].kill_server.on", "after_acks and after_events"));
  EXPECT_NE(error_at(two, "$.timeline[3].kill_server.on").expected.find("exactly one"), std::string::npos);
}

TEST(ScenarioProcessTrigger, ACountOfZeroOrAWrongDirectionOrDelayIsRefusedAtItsPath) {
  EXPECT_TRUE(has_error_at(with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_acks": 0}}})")),
                           "$.timeline[3].kill_server.on.after_acks", "0"));
  EXPECT_TRUE(has_error_at(
      with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_acks": 2, "direction": "sideways"}}})")),
      "$.timeline[3].kill_server.on.direction"));
  EXPECT_TRUE(has_error_at(
      with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_acks": 2, "delay_us": -1}}})")),
      "$.timeline[3].kill_server.on.delay_us", "-1"));
  EXPECT_TRUE(has_error_at(
      with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_acks": 2, "dealy_us": 1}}})")),
      "$.timeline[3].kill_server.on.dealy_us"));
}

TEST(ScenarioProcessTrigger, ATargetTagMustNameAClient) {
  const LoadResult result = with_kill(
      nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_events": 2, "target": {"tag": "carol"}}}})"));
  EXPECT_TRUE(has_error_at(result, "$.timeline[3].kill_server.on.target.tag", "carol"));
  EXPECT_TRUE(has_error_at(
      with_kill(nlohmann::json::parse(R"({"at_ms": 1, "kill_server": {"on": {"after_events": 2, "target": {"pid": 3}}}})")),
      "$.timeline[3].kill_server.on.target"));
}

TEST(ScenarioProcessTrigger, StopServerTakesNoSignal) {
  EXPECT_TRUE(has_error_at(
      with_kill(nlohmann::json::parse(R"({"at_ms": 1, "stop_server": {"signal": "SIGKILL", "on": {"after_acks": 1}}})")),
      "$.timeline[3].stop_server.signal"));
}

}  // namespace
}  // namespace resync::sim

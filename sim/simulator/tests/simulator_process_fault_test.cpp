// kill_server on a protocol trigger in the simulator: the stop lands exactly at the packet
// that matched (or delay_us after it), deterministically, and a trigger that never fires
// says so in the history.
#include <algorithm>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/simulator/tests/history_lines.hpp"

#include "sim/simulator/simulator.hpp"

namespace resync::sim {
namespace {

// One acked writer sends 10 messages 30 ms apart (one group commit each, so one ACK each);
// the server is killed on its Nth ACK.
Scenario kill_on_ack(std::uint64_t nth_ack, std::int64_t delay_us) {
  Scenario scenario;
  scenario.name = "unit";
  scenario.server.ping_interval_ms = 1000;
  scenario.server.ping_timeout_ms = 1000;
  ClientSpec writer;
  writer.name = "writer";
  writer.policy = ClientPolicy::dedupe;
  writer.send_mode = SendMode::acked;
  writer.ack_timeout_ms = 500;
  writer.reconnection.delay_ms = 100;
  writer.reconnection.delay_max_ms = 200;
  scenario.clients.push_back(writer);
  KillServerStep kill;
  kill.restart_after_ms = 100;
  kill.on = ProcessFaultTrigger{{{"after_acks", nth_ack}, {"direction", "downstream"}}, "all", delay_us};
  scenario.timeline.push_back({50, kill, "$.timeline[0]"});
  scenario.timeline.push_back({100, SendStep{{"writer"}, 10, 30, ""}, "$.timeline[1]"});
  scenario.timeline.push_back({800, WaitStep{}, "$.timeline[2]"});
  return scenario;
}


struct Firing {
  std::optional<nlohmann::json> fired;
  std::optional<nlohmann::json> stopped;
  int acks_before_stop = 0;
  bool converged = false;
};

Firing read(const std::vector<nlohmann::json>& history) {
  Firing result;
  for (const auto& line : history) {
    if (line["type"] == "process_fault" && line["action"] == "fired") result.fired = line;
    if (line["type"] == "server_stopped" && !result.stopped) result.stopped = line;
    if (line["type"] == "acked" && !result.stopped) ++result.acks_before_stop;
    if (line["type"] == "run_finished") result.converged = line["converged"].get<bool>();
  }
  return result;
}

TEST(SimulatorProcessFault, KillOnTheThirdAckStopsTheServerBeforeThatAckReachesTheClient) {
  const auto history = testing::history_lines(simulate_scenario(kill_on_ack(3, 0), {}));
  const Firing firing = read(history);
  ASSERT_TRUE(firing.fired.has_value());
  ASSERT_TRUE(firing.stopped.has_value());
  EXPECT_EQ((*firing.fired)["connection"], 1);
  EXPECT_EQ((*firing.fired)["tag"], "writer");
  EXPECT_NE((*firing.fired)["detail"].get<std::string>().find("the 3rd Socket.IO ACK downstream"), std::string::npos);
  // The same virtual instant: the proxy had read the 3rd ACK, the client had not got it yet.
  EXPECT_EQ((*firing.stopped)["t_ms"], (*firing.fired)["t_ms"]);
  EXPECT_EQ((*firing.stopped)["signal"], "SIGKILL");
  EXPECT_EQ(firing.acks_before_stop, 2);
  EXPECT_TRUE(firing.converged);
}

TEST(SimulatorProcessFault, DelayUsPostponesTheStopByExactlyThatMuch) {
  const auto history = testing::history_lines(simulate_scenario(kill_on_ack(3, 5000), {}));
  const Firing firing = read(history);
  ASSERT_TRUE(firing.fired.has_value());
  ASSERT_TRUE(firing.stopped.has_value());
  EXPECT_EQ((*firing.stopped)["t_ms"].get<std::int64_t>(), (*firing.fired)["t_ms"].get<std::int64_t>() + 5);
  // 5 ms is long enough for the 3rd ACK to reach the client (one link latency, 100 us).
  EXPECT_EQ(firing.acks_before_stop, 3);
  EXPECT_TRUE(firing.converged);
}

TEST(SimulatorProcessFault, TheRestartFollowsTheStopAndTheRunIsDeterministic) {
  const std::string first = simulate_scenario(kill_on_ack(4, 300), {});
  EXPECT_EQ(first, simulate_scenario(kill_on_ack(4, 300), {}));
  int started = 0;
  for (const auto& line : testing::history_lines(first)) started += line["type"] == "server_started";
  EXPECT_EQ(started, 2);
}

TEST(SimulatorProcessFault, CountsStartWhenTheStepIsArmedNotWhenTheConnectionOpened) {
  Scenario scenario = kill_on_ack(3, 0);
  scenario.timeline[0].at_ms = 250;  // the writer has had about 5 ACKs by then
  std::stable_sort(scenario.timeline.begin(), scenario.timeline.end(),
                   [](const Step& a, const Step& b) { return a.at_ms < b.at_ms; });
  int acks_before_arming = 0;
  int acks_after_arming = 0;
  bool armed = false;
  bool stopped = false;
  for (const auto& line : testing::history_lines(simulate_scenario(scenario, {}))) {
    if (line["type"] == "process_fault" && line["action"] == "armed") armed = true;
    if (line["type"] == "server_stopped") stopped = true;
    if (line["type"] == "acked" && !stopped) ++(armed ? acks_after_arming : acks_before_arming);
  }
  EXPECT_GE(acks_before_arming, 3);
  EXPECT_EQ(acks_after_arming, 2);  // the 3rd after the arming had not reached the client
}

// Acknowledged contents that are not in the committed log.
std::vector<std::string> acked_but_not_stored(const std::vector<nlohmann::json>& history) {
  std::set<std::string> stored;
  std::vector<std::string> acked;
  for (const auto& line : history) {
    if (line["type"] == "acked") acked.push_back(line["content"]);
    if (line["type"] == "committed_log") {
      for (const auto& message : line["messages"]) stored.insert(message["content"].get<std::string>());
    }
  }
  std::erase_if(acked, [&](const std::string& content) { return stored.contains(content); });
  return acked;
}

TEST(SimulatorProcessFault, AKillOnTheAckLandsBetweenAnAckBeforeCommitAndItsCommit) {
  EXPECT_TRUE(acked_but_not_stored(testing::history_lines(simulate_scenario(kill_on_ack(3, 0), {}))).empty());
  Scenario planted = kill_on_ack(3, 0);
  planted.server.planted_bug = "ack-before-commit";
  EXPECT_EQ(acked_but_not_stored(testing::history_lines(simulate_scenario(planted, {}))), std::vector<std::string>{"writer-3"});
  // The same kill at a fixed time does not know where the window is.
  KillServerStep& kill = std::get<KillServerStep>(planted.timeline[0].action);
  kill.on.reset();
  planted.timeline[0].at_ms = 165;
  EXPECT_TRUE(acked_but_not_stored(testing::history_lines(simulate_scenario(planted, {}))).empty());
}

TEST(SimulatorProcessFault, ATriggerThatNeverFiresIsRecordedAndStopsNothing) {
  const auto history = testing::history_lines(simulate_scenario(kill_on_ack(1000, 0), {}));
  bool not_fired = false;
  for (const auto& line : history) {
    EXPECT_NE(line["type"], "server_stopped") << line.dump();
    if (line["type"] == "process_fault" && line["action"] == "not_fired") {
      not_fired = true;
      EXPECT_NE(line["detail"].get<std::string>().find("did not fire"), std::string::npos) << line.dump();
    }
  }
  EXPECT_TRUE(not_fired);
}

}  // namespace
}  // namespace resync::sim

#include "sim/simulator/simulator.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace resync::sim {
namespace {

Scenario two_clients_with_a_reset(const std::string& delivery) {
  Scenario scenario;
  scenario.name = "unit";
  scenario.server.delivery = delivery;
  scenario.server.ping_interval_ms = 1000;
  scenario.server.ping_timeout_ms = 1000;
  for (const std::string name : {"alice", "bob"}) {
    ClientSpec client;
    client.name = name;
    client.policy = ClientPolicy::dedupe;
    scenario.clients.push_back(client);
  }
  scenario.timeline.push_back({100, SendStep{{"alice"}, 20, 10, ""}, "$.timeline[0]"});
  FaultStep reset;
  reset.name = "cut-bob";
  reset.toxic = {{"type", "reset_peer"}, {"stream", "downstream"}, {"attributes", {{"timeout", 0}}},
                 {"target", {{"tag", "bob"}}}};
  scenario.timeline.push_back({150, reset, "$.timeline[1]"});
  scenario.timeline.push_back({200, HealStep{"cut-bob"}, "$.timeline[2]"});
  return scenario;
}

std::vector<nlohmann::json> lines(const std::string& history) {
  std::vector<nlohmann::json> parsed;
  std::istringstream input(history);
  for (std::string line; std::getline(input, line);) parsed.push_back(nlohmann::json::parse(line));
  return parsed;
}

TEST(Simulator, SameSeedGivesAByteIdenticalHistory) {
  const Scenario scenario = two_clients_with_a_reset("strict");
  SimulationOptions options;
  options.seed = 99;
  const std::string first = simulate_scenario(scenario, options);
  const std::string second = simulate_scenario(scenario, options);
  EXPECT_EQ(first, second);
  options.seed = 100;
  EXPECT_NE(first, simulate_scenario(scenario, options)) << "a different seed should change something (ids, timing)";
}

TEST(Simulator, ConvergesAndEveryClientRendersTheCommittedLog) {
  const auto history = lines(simulate_scenario(two_clients_with_a_reset("strict"), {}));
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back()["type"], "run_finished");
  EXPECT_TRUE(history.back()["converged"].get<bool>()) << history.back().dump();
  std::map<std::string, std::vector<std::int64_t>> rendered;
  std::vector<std::int64_t> committed;
  bool bob_was_reset = false;
  for (const auto& event : history) {
    if (event["type"] == "received" && event["rendered"]) rendered[event["client"]].push_back(event["id"]);
    if (event["type"] == "committed_log") {
      for (const auto& message : event["messages"]) committed.push_back(message["id"]);
    }
    if (event["type"] == "disconnected" && event["client"] == "bob") bob_was_reset = true;
  }
  EXPECT_TRUE(bob_was_reset) << "the reset_peer toxic targeted at bob must cut bob's connection";
  EXPECT_EQ(committed.size(), 20u);
  EXPECT_EQ(rendered["alice"], committed);
  EXPECT_EQ(rendered["bob"], committed);
}

}  // namespace
}  // namespace resync::sim

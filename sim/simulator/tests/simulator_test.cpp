#include "sim/simulator/simulator.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/simulator/tests/history_lines.hpp"

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
  const auto history = testing::history_lines(simulate_scenario(two_clients_with_a_reset("strict"), {}));
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

// A writer with acknowledged delivery sends through a storage fault of each kind: the
// store refuses the writes in the window (nothing acked then), the retries after it store
// every message once, and the window is in the history.
TEST(Simulator, AStorageFaultRefusesWritesInItsWindowAndRetriesStoreEachMessageOnce) {
  for (const StorageFaultKind kind : {StorageFaultKind::lock_database, StorageFaultKind::read_only, StorageFaultKind::full}) {
    Scenario scenario;
    scenario.name = "storage";
    ClientSpec writer;
    writer.name = "writer";
    writer.send_mode = SendMode::acked;
    writer.ack_timeout_ms = 300;
    scenario.clients = {writer};
    scenario.timeline.push_back({100, SendStep{{"writer"}, 30, 50, ""}, "$.timeline[0]"});
    scenario.timeline.push_back({400, StorageFaultStep{kind, 600}, "$.timeline[1]"});
    const auto history = testing::history_lines(simulate_scenario(scenario, {}));
    std::vector<std::pair<std::string, std::int64_t>> windows;
    std::vector<std::int64_t> acked_at;
    std::map<std::string, int> stored;
    for (const auto& event : history) {
      if (event["type"] == "storage_fault") windows.emplace_back(event["action"], event["t_ms"]);
      if (event["type"] == "acked") acked_at.push_back(event["t_ms"]);
      if (event["type"] == "committed_log") {
        for (const auto& message : event["messages"]) ++stored[message["client_offset"].get<std::string>()];
      }
    }
    const std::vector<std::pair<std::string, std::int64_t>> expected = {{"start", 400}, {"end", 1000}};
    EXPECT_EQ(windows, expected);
    // An ack in the window would be for a write the store refused (a round trip late at most).
    EXPECT_EQ(std::count_if(acked_at.begin(), acked_at.end(), [](std::int64_t t) { return t > 405 && t < 1000; }), 0);
    ASSERT_EQ(stored.size(), 30u);
    for (const auto& [offset, count] : stored) EXPECT_EQ(count, 1) << offset;
    EXPECT_TRUE(history.back()["converged"].get<bool>());
  }
}

}  // namespace
}  // namespace resync::sim

// Clusters in the simulator: three nodes on one simulated Redis, checked on the histories
// they write: the same seed gives the same bytes; every client on every node renders the
// stream's one order through a hop, a Redis restart and a stalled partition; acked sends
// survive Redis going down; the sessions reach every node and carry their node.
#include <set>

#include <gtest/gtest.h>

#include "sim/simulator/simulator.hpp"
#include "sim/simulator/tests/history_lines.hpp"

namespace resync::sim {
namespace {

Scenario three_nodes_under_faults(const std::string& delivery) {
  Scenario scenario;
  scenario.name = "cluster-unit";
  scenario.server.delivery = delivery;
  scenario.server.ping_interval_ms = 1000;
  scenario.server.ping_timeout_ms = 1000;
  scenario.server.nodes = 3;
  scenario.server.redis = true;
  for (const std::string name : {"w0", "w1", "w2", "reader"}) {
    ClientSpec client;
    client.name = name;
    client.policy = ClientPolicy::dedupe;
    if (name != "reader") client.send_mode = SendMode::acked;
    client.ack_timeout_ms = 500;
    client.reconnection.delay_ms = 100;
    client.reconnection.delay_max_ms = 300;
    scenario.clients.push_back(client);
  }
  scenario.timeline.push_back({100, SendStep{{"w0", "w1", "w2"}, 40, 10, ""}, "$.timeline[0]"});
  scenario.timeline.push_back({200, HopStep{"reader", 2}, "$.timeline[1]"});
  FaultStep reset;
  reset.name = "cut-reader";
  reset.toxic = {{"type", "reset_peer"}, {"attributes", {{"timeout", 0}}}, {"target", {{"tag", "reader"}}}};
  scenario.timeline.push_back({200, reset, "$.timeline[2]"});
  scenario.timeline.push_back({250, HealStep{"cut-reader"}, "$.timeline[3]"});
  scenario.timeline.push_back({300, RestartRedisStep{"SIGKILL", 300}, "$.timeline[4]"});
  scenario.timeline.push_back({700, PartitionNodeStep{1, 400, PartitionMode::stall}, "$.timeline[5]"});
  scenario.converge_within_ms = 30000;
  return scenario;
}

struct ClusterRun {
  std::vector<std::int64_t> committed;
  std::map<std::string, std::vector<std::int64_t>> rendered;
  std::set<std::int64_t> session_nodes;
  std::set<std::string> acked;
  bool converged = false;
  std::vector<std::string> cluster_faults;
};

ClusterRun read_run(const std::string& history_text) {
  ClusterRun run;
  for (const auto& event : testing::history_lines(history_text)) {
    if (event["type"] == "received" && event["rendered"]) run.rendered[event["client"]].push_back(event["id"]);
    if (event["type"] == "connecting" && event.contains("node")) run.session_nodes.insert(event["node"].get<std::int64_t>());
    if (event["type"] == "acked") run.acked.insert(event["content"].get<std::string>());
    if (event["type"] == "cluster_fault") run.cluster_faults.push_back(event["kind"].get<std::string>() + " " + event["action"].get<std::string>());
    if (event["type"] == "run_finished") run.converged = event["converged"].get<bool>();
    if (event["type"] == "committed_log") {
      for (const auto& message : event["messages"]) run.committed.push_back(message["id"]);
    }
  }
  return run;
}

TEST(SimulatedCluster, SameSeedGivesAByteIdenticalHistory) {
  const Scenario scenario = three_nodes_under_faults("strict");
  SimulationOptions options;
  options.seed = 5;
  const std::string first = simulate_scenario(scenario, options);
  EXPECT_EQ(first, simulate_scenario(scenario, options));
  options.seed = 6;
  EXPECT_NE(first, simulate_scenario(scenario, options));
}

TEST(SimulatedCluster, EveryClientOnEveryNodeRendersTheStreamsOneOrderThroughRedisAndNodeFaults) {
  const ClusterRun run = read_run(simulate_scenario(three_nodes_under_faults("strict"), {}));
  EXPECT_TRUE(run.converged);
  ASSERT_EQ(run.committed.size(), 120u) << "every acked send stored once, through a Redis restart and a partition";
  for (std::size_t index = 0; index < run.committed.size(); ++index) EXPECT_EQ(run.committed[index], std::int64_t(index + 1));
  for (const std::string name : {"w0", "w1", "w2", "reader"}) EXPECT_EQ(run.rendered.at(name), run.committed) << name;
  EXPECT_EQ(run.session_nodes, (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(run.acked.size(), 120u);
  EXPECT_EQ(run.cluster_faults, (std::vector<std::string>{"restart_redis start", "restart_redis end", "partition_node start",
                                                          "partition_node end"}));
}

TEST(SimulatedCluster, TutorialNodesBroadcastingTheirOwnCommitsFirstReorderAcrossNodes) {
  const ClusterRun run = read_run(simulate_scenario(three_nodes_under_faults("tutorial"), {}));
  bool some_client_out_of_order = false;
  for (const auto& [name, ids] : run.rendered) {
    some_client_out_of_order = some_client_out_of_order || !std::is_sorted(ids.begin(), ids.end());
  }
  EXPECT_TRUE(some_client_out_of_order) << "writers on three nodes at once: a node's own commits go out before the "
                                           "other nodes' earlier ids";
}

}  // namespace
}  // namespace resync::sim

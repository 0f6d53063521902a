// Clusters in scenario files: server.nodes / routing / redis and the cluster steps (hop,
// kill_node, stop_node, restart_node, restart_redis, trim_stream, partition_node): what loads,
// what it loads into, every mistake at its path, and the writer's round trip.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_writer.hpp"
#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_json;

nlohmann::json cluster_json(int nodes, const char* timeline) {
  nlohmann::json document = testing::valid_scenario_json();
  document["server"]["nodes"] = nodes;
  document["timeline"] = nlohmann::json::parse(timeline);
  return document;
}

LoadResult load_cluster(int nodes, const char* timeline) { return load_json(cluster_json(nodes, timeline)); }

LoadResult load_single(const char* timeline) {
  nlohmann::json document = testing::valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(timeline);
  return load_json(document);
}

template <typename StepType>
const StepType& only_step(const LoadResult& result) {
  for (const Step& step : result.scenario->timeline) {
    if (const auto* found = std::get_if<StepType>(&step.action)) return *found;
  }
  static const StepType none{};
  ADD_FAILURE() << "no step of the asked type";
  return none;
}

TEST(ScenarioCluster, ASingleServerIsNodesOneWithoutRedisAndStickyRouting) {
  const LoadResult result = load_json(testing::valid_scenario_json());
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->server.nodes, 1);
  EXPECT_FALSE(result.scenario->server.redis);
  EXPECT_FALSE(result.scenario->server.is_cluster());
  EXPECT_EQ(result.scenario->server.routing, NodeRouting::sticky);
}

TEST(ScenarioCluster, NodesAboveOneMeanRedisAndRoutingIsRead) {
  nlohmann::json document = cluster_json(3, "[]");
  document["server"]["routing"] = "round_robin";
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->server.nodes, 3);
  EXPECT_TRUE(result.scenario->server.redis);
  EXPECT_EQ(result.scenario->server.routing, NodeRouting::round_robin);

  nlohmann::json one_node = testing::valid_scenario_json();
  one_node["server"]["redis"] = true;
  const LoadResult single_node_cluster = load_json(one_node);
  ASSERT_TRUE(single_node_cluster.ok()) << single_node_cluster.error_text();
  EXPECT_TRUE(single_node_cluster.scenario->server.is_cluster());
}

TEST(ScenarioCluster, ABadNodeCountRoutingOrRedisIsAnErrorAtItsPath) {
  EXPECT_TRUE(has_error_at(testing::load_with("/server/nodes", 0), "$.server.nodes", "0"));
  EXPECT_TRUE(has_error_at(testing::load_with("/server/nodes", 9), "$.server.nodes", "9"));
  EXPECT_TRUE(has_error_at(testing::load_with("/server/nodes", "3"), "$.server.nodes"));
  EXPECT_TRUE(has_error_at(testing::load_with("/server/routing", "random"), "$.server.routing", "random"));
  const LoadResult one_node_routing = testing::load_with("/server/routing", "round_robin");
  ASSERT_TRUE(has_error_at(one_node_routing, "$.server.routing", "one node"));

  nlohmann::json no_redis = cluster_json(2, "[]");
  no_redis["server"]["redis"] = false;
  const LoadResult without_redis = load_json(no_redis);
  ASSERT_TRUE(has_error_at(without_redis, "$.server.redis", "\"nodes\": 2"));
  EXPECT_NE(error_at(without_redis, "$.server.redis").fix.find("remove"), std::string::npos);
}

TEST(ScenarioCluster, AnExternalServerMayBeACluster) {
  nlohmann::json document = testing::valid_scenario_json();
  document["server"] = nlohmann::json::parse(R"({"external": {"command": "node index.js"}, "nodes": 2, "routing": "round_robin"})");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->server.kind, ServerKind::external);
  EXPECT_EQ(result.scenario->server.nodes, 2);
  EXPECT_TRUE(result.scenario->server.redis);
  document["server"]["delivery"] = "strict";
  EXPECT_TRUE(has_error_at(load_json(document), "$.server.delivery"));
}

TEST(ScenarioCluster, EveryClusterStepLoadsIntoItsStruct) {
  const LoadResult result = load_cluster(3, R"([
    {"at_ms": 10, "hop": {"client": "bob", "node": 2}},
    {"at_ms": 20, "kill_node": {"node": 1, "restart_after_ms": 300}},
    {"at_ms": 30, "stop_node": {"node": "all", "rolling_gap_ms": 1000, "restart": false}},
    {"at_ms": 5000, "restart_node": {"node": "all"}},
    {"at_ms": 6000, "restart_redis": {"down_ms": 700, "signal": "SIGTERM"}},
    {"at_ms": 7000, "trim_stream": {"keep_last": 5}},
    {"at_ms": 8000, "partition_node": {"node": 0, "duration_ms": 2000, "mode": "drop"}}])");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& hop = only_step<HopStep>(result);
  EXPECT_EQ(hop.client, "bob");
  EXPECT_EQ(hop.node, 2);
  const auto& timeline = result.scenario->timeline;
  const auto* kill = std::get_if<NodeFaultStep>(&timeline[1].action);
  ASSERT_NE(kill, nullptr);
  EXPECT_EQ(kill->node, 1);
  EXPECT_EQ(kill->signal, "SIGKILL");
  EXPECT_TRUE(kill->restart);
  EXPECT_EQ(kill->restart_after_ms, 300);
  EXPECT_FALSE(kill->rolling_gap_ms);
  const auto* stop = std::get_if<NodeFaultStep>(&timeline[2].action);
  ASSERT_NE(stop, nullptr);
  EXPECT_FALSE(stop->node.has_value());
  EXPECT_EQ(stop->signal, "SIGTERM");
  EXPECT_EQ(stop->rolling_gap_ms, 1000);
  EXPECT_FALSE(only_step<RestartNodeStep>(result).node.has_value());
  EXPECT_EQ(only_step<RestartRedisStep>(result).down_ms, 700);
  EXPECT_EQ(only_step<RestartRedisStep>(result).signal, "SIGTERM");
  EXPECT_EQ(only_step<TrimStreamStep>(result).keep_last, 5);
  const auto& partition = only_step<PartitionNodeStep>(result);
  EXPECT_EQ(partition.node, 0);
  EXPECT_EQ(partition.duration_ms, 2000);
  EXPECT_EQ(partition.mode, PartitionMode::drop);
}

TEST(ScenarioCluster, DefaultsAreSigkillRestartAtOnceRedisDown500MsAndAStall) {
  const LoadResult result = load_cluster(2, R"([
    {"at_ms": 20, "kill_node": {"node": 0}},
    {"at_ms": 30, "restart_redis": {}},
    {"at_ms": 40, "partition_node": {"node": 1, "duration_ms": 100}}])");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& kill = only_step<NodeFaultStep>(result);
  EXPECT_EQ(kill.signal, "SIGKILL");
  EXPECT_TRUE(kill.restart);
  EXPECT_EQ(kill.restart_after_ms, 0);
  EXPECT_EQ(only_step<RestartRedisStep>(result).signal, "SIGKILL");
  EXPECT_EQ(only_step<RestartRedisStep>(result).down_ms, 500);
  EXPECT_EQ(only_step<PartitionNodeStep>(result).mode, PartitionMode::stall);
}

TEST(ScenarioCluster, ANodeIndexOutsideServerNodesSaysTheRangeAndThatNodesCountFromZero) {
  const LoadResult result = load_cluster(3, R"([{"at_ms": 0, "hop": {"client": "bob", "node": 3}}])");
  ASSERT_TRUE(has_error_at(result, "$.timeline[0].hop.node", "3"));
  EXPECT_NE(error_at(result, "$.timeline[0].hop.node").expected.find("from 0 to 2"), std::string::npos);
  EXPECT_NE(error_at(result, "$.timeline[0].hop.node").expected.find("count from 0"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_cluster(3, R"([{"at_ms": 0, "kill_node": {"node": -1}}])"), "$.timeline[0].kill_node.node"));
  EXPECT_TRUE(has_error_at(load_cluster(3, R"([{"at_ms": 0, "kill_node": {"node": "1"}}])"), "$.timeline[0].kill_node.node"));
  EXPECT_TRUE(has_error_at(load_cluster(3, R"([{"at_ms": 0, "kill_node": {}}])"), "$.timeline[0].kill_node.node", "missing"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "partition_node": {"node": 2, "duration_ms": 5}}])"),
                           "$.timeline[0].partition_node.node"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "partition_node": {"node": "all", "duration_ms": 5}}])"),
                           "$.timeline[0].partition_node.node", "all"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "hop": {"client": "bob", "node": "all"}}])"),
                           "$.timeline[0].hop.node", "all"));
}

TEST(ScenarioCluster, AHopNamesOneKnownClient) {
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "hop": {"client": "carol", "node": 1}}])"),
                           "$.timeline[0].hop.client", "carol"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "hop": {"node": 1}}])"), "$.timeline[0].hop.client", "missing"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "hop": {"client": "bob", "node": 1, "after_ms": 5}}])"),
                           "$.timeline[0].hop.after_ms"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "hop": "bob"}])"), "$.timeline[0].hop"));
}

TEST(ScenarioCluster, ClusterStepsWithoutAClusterNameTheSingleServerStepOrTheKeyToSet) {
  const LoadResult kill = load_single(R"([{"at_ms": 0, "kill_node": {"node": 0}}])");
  ASSERT_TRUE(has_error_at(kill, "$.timeline[0].kill_node", "without a cluster"));
  EXPECT_NE(error_at(kill, "$.timeline[0].kill_node").fix.find("kill_server"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_single(R"([{"at_ms": 0, "stop_node": {"node": 0}}])"), "$.timeline[0].stop_node"));
  EXPECT_TRUE(has_error_at(load_single(R"([{"at_ms": 0, "restart_node": {"node": 0}}])"), "$.timeline[0].restart_node"));
  EXPECT_TRUE(has_error_at(load_single(R"([{"at_ms": 0, "hop": {"client": "bob", "node": 0}}])"), "$.timeline[0].hop"));
  for (const char* redis_step : {R"([{"at_ms": 0, "restart_redis": {}}])", R"([{"at_ms": 0, "trim_stream": {"keep_last": 1}}])",
                                 R"([{"at_ms": 0, "partition_node": {"node": 0, "duration_ms": 5}}])"}) {
    const LoadResult result = load_single(redis_step);
    ASSERT_EQ(result.errors.size(), 1u) << redis_step;
    EXPECT_NE(result.errors[0].found.find("without Redis"), std::string::npos) << result.error_text();
    EXPECT_NE(result.errors[0].fix.find("\"redis\": true"), std::string::npos) << result.error_text();
  }
}

TEST(ScenarioCluster, AOneNodeClusterTakesNodeAndRedisStepsButNoHop) {
  nlohmann::json document = testing::valid_scenario_json();
  document["server"]["redis"] = true;
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 0, "kill_node": {"node": 0}}, {"at_ms": 10, "restart_redis": {"down_ms": 0}},
    {"at_ms": 20, "trim_stream": {"keep_last": 0}}, {"at_ms": 30, "partition_node": {"node": 0, "duration_ms": 5}}])");
  const LoadResult result = load_json(document);
  EXPECT_TRUE(result.ok()) << result.error_text();
  document["timeline"] = nlohmann::json::parse(R"([{"at_ms": 0, "hop": {"client": "bob", "node": 0}}])");
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[0].hop", "one node"));
}

TEST(ScenarioCluster, SingleServerStepsInAClusterNameTheNodeStep) {
  const LoadResult kill = load_cluster(2, R"([{"at_ms": 0, "kill_server": {}}])");
  ASSERT_TRUE(has_error_at(kill, "$.timeline[0].kill_server", "in a cluster"));
  EXPECT_NE(error_at(kill, "$.timeline[0].kill_server").expected.find("kill_node"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "stop_server": {}}])"), "$.timeline[0].stop_server"));
  EXPECT_NE(error_at(load_cluster(2, R"([{"at_ms": 0, "restart_server": {}}])"), "$.timeline[0].restart_server")
                .expected.find("restart_node"),
            std::string::npos);
}

TEST(ScenarioCluster, StorageFaultsAndAPreloadAreForSingleServers) {
  const LoadResult lock = load_cluster(2, R"([{"at_ms": 0, "lock_database": {"duration_ms": 5}}])");
  ASSERT_TRUE(has_error_at(lock, "$.timeline[0].lock_database", "in a cluster"));
  EXPECT_NE(error_at(lock, "$.timeline[0].lock_database").fix.find("partition_node"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "storage_full": {"duration_ms": 5}}])"), "$.timeline[0].storage_full"));
  nlohmann::json preload = cluster_json(2, "[]");
  preload["server"]["preload_messages"] = 10;
  EXPECT_TRUE(has_error_at(load_json(preload), "$.server.preload_messages", "10 in a cluster"));
}

TEST(ScenarioCluster, NodeFaultFieldsAreCheckedAtTheirPaths) {
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 0, "signal": "SIGINT"}}])"),
                           "$.timeline[0].kill_node.signal", "SIGINT"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "stop_node": {"node": 0, "signal": "SIGKILL"}}])"),
                           "$.timeline[0].stop_node.signal"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 0, "restart": false, "restart_after_ms": 5}}])"),
                           "$.timeline[0].kill_node.restart_after_ms", "\"restart\": false"));
  const LoadResult one_node_rolling = load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 1, "rolling_gap_ms": 500}}])");
  ASSERT_TRUE(has_error_at(one_node_rolling, "$.timeline[0].kill_node.rolling_gap_ms", "one node 1"));
  EXPECT_NE(error_at(one_node_rolling, "$.timeline[0].kill_node.rolling_gap_ms").fix.find("\"all\""), std::string::npos);
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": "all", "rolling_gap_ms": 0}}])"),
                           "$.timeline[0].kill_node.rolling_gap_ms", "0"));
  EXPECT_TRUE(has_error_at(load_cluster(8, R"([{"at_ms": 500000, "kill_node": {"node": "all", "rolling_gap_ms": 20000}}])"),
                           "$.timeline[0].kill_node.rolling_gap_ms", "640000"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 0, "on": {"after_acks": 1}}}])"),
                           "$.timeline[0].kill_node.on"));
}

TEST(ScenarioCluster, RedisAndPartitionFieldsAreCheckedAtTheirPaths) {
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "restart_redis": {"down_ms": -1}}])"),
                           "$.timeline[0].restart_redis.down_ms"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 599000, "restart_redis": {"down_ms": 2000}}])"),
                           "$.timeline[0].restart_redis.down_ms", "601000"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "restart_redis": {"signal": "SIGSTOP"}}])"),
                           "$.timeline[0].restart_redis.signal"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "trim_stream": {}}])"), "$.timeline[0].trim_stream.keep_last",
                           "missing"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "trim_stream": {"keep_last": 1000001}}])"),
                           "$.timeline[0].trim_stream.keep_last"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "partition_node": {"node": 0}}])"),
                           "$.timeline[0].partition_node.duration_ms", "missing"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "partition_node": {"node": 0, "duration_ms": 0}}])"),
                           "$.timeline[0].partition_node.duration_ms", "0"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 599000, "partition_node": {"node": 0, "duration_ms": 2000}}])"),
                           "$.timeline[0].partition_node.duration_ms", "601000"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "partition_node": {"node": 0, "duration_ms": 5, "mode": "cut"}}])"),
                           "$.timeline[0].partition_node.mode", "cut"));
}

TEST(ScenarioCluster, ARestartNodeNeedsANodeHeldDown) {
  EXPECT_TRUE(load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 1, "restart": false}},
                                  {"at_ms": 100, "restart_node": {"node": 1}}])").ok());
  const LoadResult other_node = load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 1, "restart": false}},
                                                    {"at_ms": 100, "restart_node": {"node": 0}}])");
  ASSERT_TRUE(has_error_at(other_node, "$.timeline[1].restart_node.node", "node 0"));
  EXPECT_NE(error_at(other_node, "$.timeline[1].restart_node.node").found.find("held down: 1"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 100, "restart_node": {"node": "all"}}])"),
                           "$.timeline[0].restart_node.node", "all"));
  EXPECT_TRUE(has_error_at(load_cluster(2, R"([{"at_ms": 0, "kill_node": {"node": 1, "restart": false}},
                                               {"at_ms": 50, "kill_node": {"node": 1}},
                                               {"at_ms": 100, "restart_node": {"node": 1}}])"),
                           "$.timeline[2].restart_node.node")) << "a kill with restart brought it back";
}

TEST(ScenarioCluster, RedisRestartsAndPartitionsOfOneNodeMayNotOverlap) {
  const LoadResult redis = load_cluster(2, R"([{"at_ms": 100, "restart_redis": {"down_ms": 1000}},
                                               {"at_ms": 600, "restart_redis": {}}])");
  ASSERT_TRUE(has_error_at(redis, "$.timeline[1].restart_redis", "until 1100 ms"));
  EXPECT_TRUE(load_cluster(2, R"([{"at_ms": 100, "restart_redis": {"down_ms": 1000}},
                                  {"at_ms": 1100, "restart_redis": {}}])").ok());
  const LoadResult partitions = load_cluster(2, R"([{"at_ms": 100, "partition_node": {"node": 1, "duration_ms": 1000}},
                                                    {"at_ms": 200, "partition_node": {"node": 0, "duration_ms": 1000}},
                                                    {"at_ms": 600, "partition_node": {"node": 1, "duration_ms": 5}}])");
  ASSERT_EQ(partitions.errors.size(), 1u) << partitions.error_text();
  EXPECT_TRUE(has_error_at(partitions, "$.timeline[2].partition_node", "lasts until 1100 ms"));
}

TEST(ScenarioCluster, TheWriterWritesWhatTheLoaderReadsBack) {
  nlohmann::json document = cluster_json(3, R"([
    {"at_ms": 10, "hop": {"client": "bob", "node": 2}},
    {"at_ms": 20, "kill_node": {"node": 1, "restart_after_ms": 300}},
    {"at_ms": 30, "stop_node": {"node": "all", "rolling_gap_ms": 1000, "restart": false}},
    {"at_ms": 5000, "restart_node": {"node": "all"}},
    {"at_ms": 6000, "restart_redis": {"down_ms": 700}},
    {"at_ms": 7000, "trim_stream": {"keep_last": 5}},
    {"at_ms": 8000, "partition_node": {"node": 0, "duration_ms": 2000, "mode": "drop"}}])");
  document["server"]["routing"] = "round_robin";
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  const nlohmann::json written = scenario_to_json(*result.scenario);
  EXPECT_EQ(written["server"]["nodes"], 3);
  EXPECT_EQ(written["server"]["routing"], "round_robin");
  const LoadResult again = load_json(written);
  ASSERT_TRUE(again.ok()) << again.error_text() << written.dump(2);
  EXPECT_EQ(scenario_to_json(*again.scenario), written);
  EXPECT_EQ(again.scenario->timeline.size(), 7u);
  EXPECT_EQ(only_step<NodeFaultStep>(again).restart_after_ms, 300);

  const LoadResult single = load_json(testing::valid_scenario_json());
  EXPECT_FALSE(scenario_to_json(*single.scenario)["server"].contains("nodes")) << "single servers are written as before";
}

}  // namespace
}  // namespace resync::sim

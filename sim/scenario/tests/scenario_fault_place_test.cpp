// Where a fault step's toxic acts: "link" (the clients' connections, or a cluster node's
// connections to Redis) and "node" (one node, or every node). What loads into FaultPlace,
// each refusal at its JSON path with its what/where/fix, how the place meets the timeline's
// rules (a name unique while active whatever the link, a heal by name or "all"), and the
// writer's round trip.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_writer.hpp"
#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_json;

nlohmann::json with_timeline(int nodes, const char* timeline) {
  nlohmann::json document = testing::valid_scenario_json();
  if (nodes > 1) document["server"]["nodes"] = nodes;
  document["timeline"] = nlohmann::json::parse(timeline);
  return document;
}

LoadResult load(int nodes, const char* timeline) { return load_json(with_timeline(nodes, timeline)); }

const FaultStep& first_fault(const LoadResult& result) {
  for (const Step& step : result.scenario->timeline) {
    if (const auto* fault = std::get_if<FaultStep>(&step.action)) return *fault;
  }
  static const FaultStep none{};
  ADD_FAILURE() << "no fault step";
  return none;
}

TEST(ScenarioFaultPlace, AFaultWithoutLinkOrNodeIsOnEveryClientLink) {
  const LoadResult result = load_json(testing::valid_scenario_json());
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_TRUE(first_fault(result).place.is_default());
  EXPECT_EQ(first_fault(result).place, (FaultPlace{FaultLink::clients, std::nullopt}));
}

TEST(ScenarioFaultPlace, LinkAndNodeLoadIntoThePlace) {
  const LoadResult redis_one = load(3, R"([{"at_ms": 0, "fault": {"name": "slow", "link": "redis", "node": 1,
      "toxic": {"type": "latency", "attributes": {"latency": 300}}}}])");
  ASSERT_TRUE(redis_one.ok()) << redis_one.error_text();
  EXPECT_EQ(first_fault(redis_one).place, (FaultPlace{FaultLink::redis, 1}));

  const LoadResult redis_all = load(3, R"([{"at_ms": 0, "fault": {"name": "slow", "link": "redis", "node": "all",
      "toxic": {"type": "latency", "attributes": {"latency": 300}}}}])");
  ASSERT_TRUE(redis_all.ok()) << redis_all.error_text();
  EXPECT_EQ(first_fault(redis_all).place, (FaultPlace{FaultLink::redis, std::nullopt}));

  const LoadResult clients_two = load(3, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "clients", "node": 2,
      "toxic": {"type": "reset_peer", "target": {"tag": "alice"}}}}])");
  ASSERT_TRUE(clients_two.ok()) << clients_two.error_text();
  EXPECT_EQ(first_fault(clients_two).place, (FaultPlace{FaultLink::clients, 2}));
  EXPECT_FALSE(first_fault(clients_two).place.is_default());
}

TEST(ScenarioFaultPlace, AOneNodeClusterHasARedisLinkAndNodeZero) {
  nlohmann::json document = with_timeline(1, R"([{"at_ms": 0, "fault": {"name": "slow", "link": "redis", "node": 0,
      "toxic": {"type": "latency", "attributes": {"latency": 30}}}}])");
  document["server"]["redis"] = true;
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(first_fault(result).place, (FaultPlace{FaultLink::redis, 0}));
}

TEST(ScenarioFaultPlace, ARedisLinkNeedsRedis) {
  const LoadResult result = load(1, R"([{"at_ms": 0, "fault": {"name": "slow", "link": "redis",
      "toxic": {"type": "latency", "attributes": {"latency": 30}}}}])");
  ASSERT_TRUE(has_error_at(result, "$.timeline[0].fault.link", "without Redis"));
  const ScenarioError error = error_at(result, "$.timeline[0].fault.link");
  EXPECT_NE(error.expected.find("server.nodes of 2 or more, or server.redis true"), std::string::npos) << error.message();
  EXPECT_NE(error.fix.find("\"redis\": true"), std::string::npos) << error.message();
}

TEST(ScenarioFaultPlace, ALinkIsClientsOrRedis) {
  const LoadResult result = load(2, R"([{"at_ms": 0, "fault": {"name": "slow", "link": "database",
      "toxic": {"type": "latency", "attributes": {"latency": 30}}}}])");
  EXPECT_TRUE(has_error_at(result, "$.timeline[0].fault.link", "database"));
}

TEST(ScenarioFaultPlace, ANodeNeedsAClusterAndAnIndexBelowNodes) {
  const LoadResult single = load(1, R"([{"at_ms": 0, "fault": {"name": "cut", "node": 0,
      "toxic": {"type": "reset_peer"}}}])");
  ASSERT_TRUE(has_error_at(single, "$.timeline[0].fault.node", "without a cluster"));
  EXPECT_NE(error_at(single, "$.timeline[0].fault.node").fix.find("remove \"node\""), std::string::npos);

  const LoadResult too_high = load(3, R"([{"at_ms": 0, "fault": {"name": "cut", "node": 3,
      "toxic": {"type": "reset_peer"}}}])");
  ASSERT_TRUE(has_error_at(too_high, "$.timeline[0].fault.node", "3"));
  EXPECT_NE(error_at(too_high, "$.timeline[0].fault.node").expected.find("from 0 to 2"), std::string::npos);

  const LoadResult quoted = load(3, R"([{"at_ms": 0, "fault": {"name": "cut", "node": "1",
      "toxic": {"type": "reset_peer"}}}])");
  ASSERT_TRUE(has_error_at(quoted, "$.timeline[0].fault.node", "\"1\""));
  EXPECT_NE(error_at(quoted, "$.timeline[0].fault.node").fix.find("without quotes"), std::string::npos);

  EXPECT_TRUE(has_error_at(load(3, R"([{"at_ms": 0, "fault": {"name": "cut", "node": -1,
      "toxic": {"type": "reset_peer"}}}])"), "$.timeline[0].fault.node", "-1"));
}

TEST(ScenarioFaultPlace, ATargetTagOnARedisLinkIsRefusedEvenForAKnownClient) {
  const LoadResult result = load(2, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "redis", "node": 0,
      "toxic": {"type": "reset_peer", "target": {"tag": "alice"}}}}])");
  ASSERT_TRUE(has_error_at(result, "$.timeline[0].fault.toxic.target.tag", "node 0's link to Redis"));
  const ScenarioError error = error_at(result, "$.timeline[0].fault.toxic.target.tag");
  EXPECT_NE(error.expected.find("nth_connection"), std::string::npos) << error.message();
  EXPECT_NE(error.fix.find("\"link\": \"clients\""), std::string::npos) << error.message();
  EXPECT_EQ(result.errors.size(), 1u) << "no second complaint that the tag names no client:\n" << result.error_text();

  const LoadResult every_node = load(2, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "redis",
      "toxic": {"type": "reset_peer", "target": {"tag": "nobody"}}}}])");
  ASSERT_TRUE(has_error_at(every_node, "$.timeline[0].fault.toxic.target.tag", "every node's link to Redis"));
  EXPECT_EQ(every_node.errors.size(), 1u) << every_node.error_text();
}

TEST(ScenarioFaultPlace, ConnectionNumbersOnARedisLinkLoad) {
  const LoadResult nth = load(2, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "redis", "node": 1,
      "toxic": {"type": "reset_peer", "target": {"nth_connection": 2}}}}])");
  EXPECT_TRUE(nth.ok()) << nth.error_text();
  const LoadResult id = load(2, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "redis",
      "toxic": {"type": "reset_peer", "target": {"connection_id": 1}}}}])");
  EXPECT_TRUE(id.ok()) << id.error_text();
}

TEST(ScenarioFaultPlace, SocketIoTriggersOnARedisLinkAreRefused) {
  for (const char* kind : {"after_events", "after_acks"}) {
    nlohmann::json document = with_timeline(2, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "redis",
        "toxic": {"type": "timeout", "attributes": {"timeout": 0}}}}])");
    document["timeline"][0]["fault"]["toxic"]["trigger"] = {{kind, 3}};
    const LoadResult result = load_json(document);
    const std::string path = std::string("$.timeline[0].fault.toxic.trigger.") + kind;
    ASSERT_TRUE(has_error_at(result, path, "on every node's link to Redis")) << kind;
    const ScenarioError error = error_at(result, path);
    EXPECT_NE(error.found.find(std::string(kind) == "after_acks" ? "ACKs" : "EVENTs"), std::string::npos) << error.message();
    EXPECT_NE(error.expected.find("after_bytes"), std::string::npos) << error.message();
    EXPECT_NE(error.fix.find("\"link\": \"clients\""), std::string::npos) << error.message();
  }
}

TEST(ScenarioFaultPlace, TimeBytesFramesAndTextTriggersOnARedisLinkLoad) {
  for (const char* trigger : {R"({"after_ms": 200})", R"({"after_bytes": 1, "direction": "upstream"})",
                              R"({"after_frames": 3})", R"({"frame_contains": "EVAL"})"}) {
    nlohmann::json document = with_timeline(2, R"([{"at_ms": 0, "fault": {"name": "cut", "link": "redis", "node": 0,
        "toxic": {"type": "timeout", "attributes": {"timeout": 0}}}}])");
    document["timeline"][0]["fault"]["toxic"]["trigger"] = nlohmann::json::parse(trigger);
    const LoadResult result = load_json(document);
    EXPECT_TRUE(result.ok()) << trigger << "\n" << result.error_text();
  }
}

TEST(ScenarioFaultPlace, TheClientsLinkOfOneNodeKeepsTheClientRules) {
  const LoadResult result = load(2, R"([{"at_ms": 0, "fault": {"name": "cut", "node": 1,
      "toxic": {"type": "reset_peer", "target": {"tag": "carol"}}}}])");
  EXPECT_TRUE(has_error_at(result, "$.timeline[0].fault.toxic.target.tag", "carol"));
  const LoadResult acks = load(2, R"([{"at_ms": 0, "fault": {"name": "cut", "node": 1,
      "toxic": {"type": "reset_peer", "trigger": {"after_acks": 2}}}}])");
  EXPECT_TRUE(acks.ok()) << acks.error_text();
}

TEST(ScenarioFaultPlace, AFaultNameIsUniqueWhileActiveWhateverItsLink) {
  const LoadResult result = load(2, R"([
    {"at_ms": 0, "fault": {"name": "slow", "link": "redis", "toxic": {"type": "latency", "attributes": {"latency": 30}}}},
    {"at_ms": 10, "fault": {"name": "slow", "toxic": {"type": "latency", "attributes": {"latency": 30}}}}])");
  EXPECT_TRUE(has_error_at(result, "$.timeline[1].fault.name", "already active"));
}

TEST(ScenarioFaultPlace, AHealByNameOrAllEndsAFaultOnAnyLink) {
  const LoadResult by_name = load(2, R"([
    {"at_ms": 0, "fault": {"name": "slow", "link": "redis", "node": 1, "toxic": {"type": "latency", "attributes": {"latency": 30}}}},
    {"at_ms": 10, "heal": "slow"},
    {"at_ms": 20, "fault": {"name": "slow", "node": 0, "toxic": {"type": "latency", "attributes": {"latency": 30}}}},
    {"at_ms": 30, "fault": {"name": "cut", "link": "redis", "toxic": {"type": "reset_peer"}}},
    {"at_ms": 40, "heal": "all"},
    {"at_ms": 50, "fault": {"name": "cut", "toxic": {"type": "reset_peer"}}},
    {"at_ms": 60, "heal": "cut"}])");
  EXPECT_TRUE(by_name.ok()) << by_name.error_text();
}

TEST(ScenarioFaultPlace, ARedisLinkFaultAndAPartitionOfTheSameNodeMayOverlap) {
  const LoadResult result = load(2, R"([
    {"at_ms": 0, "fault": {"name": "slow", "link": "redis", "node": 1, "toxic": {"type": "latency", "attributes": {"latency": 30}}}},
    {"at_ms": 10, "partition_node": {"node": 1, "duration_ms": 500}},
    {"at_ms": 100, "heal": "slow"}])");
  EXPECT_TRUE(result.ok()) << result.error_text();
}

TEST(ScenarioFaultPlace, TheWriterWritesThePlaceOnlyWhenItIsNotTheDefault) {
  const LoadResult result = load(3, R"([
    {"at_ms": 0, "fault": {"name": "slow", "link": "redis", "node": 2, "toxic": {"type": "latency", "attributes": {"latency": 30}}}},
    {"at_ms": 0, "fault": {"name": "cut", "node": 1, "toxic": {"type": "reset_peer"}}},
    {"at_ms": 0, "fault": {"name": "everywhere", "link": "redis", "toxic": {"type": "reset_peer"}}},
    {"at_ms": 0, "fault": {"name": "plain", "toxic": {"type": "reset_peer"}}}])");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const nlohmann::json written = scenario_to_json(*result.scenario);
  const nlohmann::json& timeline = written["timeline"];
  EXPECT_EQ(timeline[0]["fault"]["link"], "redis");
  EXPECT_EQ(timeline[0]["fault"]["node"], 2);
  EXPECT_FALSE(timeline[1]["fault"].contains("link"));
  EXPECT_EQ(timeline[1]["fault"]["node"], 1);
  EXPECT_EQ(timeline[2]["fault"]["link"], "redis");
  EXPECT_FALSE(timeline[2]["fault"].contains("node"));
  EXPECT_FALSE(timeline[3]["fault"].contains("link"));
  EXPECT_FALSE(timeline[3]["fault"].contains("node"));
  const LoadResult again = load_json(written);
  ASSERT_TRUE(again.ok()) << again.error_text();
  EXPECT_EQ(scenario_to_json(*again.scenario), written);
}

}  // namespace
}  // namespace resync::sim

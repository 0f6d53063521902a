// Clusters: a send reaches the node its connection went to, so only that node's stops and
// starts, a partition of that node's link to Redis, or Redis itself going down can eat it. A
// stop of another node excuses nothing: counting it would turn a real loss into sent_unknown
// and a broken run into a valid one.
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/send_exposure.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

history::ClientConnecting connecting_to(const std::string& client, std::int64_t node) {
  history::ClientConnecting line{client, 1};
  line.node = node;
  return line;
}

history::ClientConnected connected_on(const std::string& client, std::int64_t node) {
  history::ClientConnected line{client, "s-" + client, nullptr, false};
  line.node = node;
  return line;
}

history::ServerStopped node_stopped(std::int64_t node) {
  history::ServerStopped stopped;
  stopped.signal = "SIGTERM";
  stopped.exit_status = 0;
  stopped.node = node;
  return stopped;
}

history::ServerStarted node_started(std::int64_t node, std::int64_t incarnation) {
  history::ServerStarted started{1000 + node, std::nullopt, incarnation};
  started.node = node;
  return started;
}

// alice on node 0 sends a plain message that is never stored, while `what` happens.
CheckResult alice_sends_on_node_zero_during(const std::vector<history::EventPayload>& during) {
  HistoryBuilder builder({"alice", "bob"});
  builder.event(node_started(0, 1)).event(node_started(1, 1));
  builder.event(connecting_to("alice", 0)).event(connected_on("alice", 0));
  builder.event(connecting_to("bob", 1)).event(connected_on("bob", 1));
  for (const history::EventPayload& line : during) builder.event(line);
  builder.sent("alice", "alice-1", std::nullopt);
  return check_history(builder.wait_ms(2 * send_settle_ms).committed({}).finished().build());
}

TEST(ClusterNodeWindow, AnotherNodesStopDoesNotExcuseALostSend) {
  const CheckResult result = alice_sends_on_node_zero_during({node_stopped(1)});
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost) << result.anomalies[0].detail;
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(ClusterNodeWindow, ItsOwnNodesStopDoes) {
  const CheckResult result = alice_sends_on_node_zero_during({node_stopped(0)});
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown) << result.anomalies[0].detail;
}

TEST(ClusterNodeWindow, APartitionOfAnotherNodeDoesNotExcuseItButRedisDownDoes) {
  history::ClusterFault partition{"partition_node", "start", 1, "timeout on node-1's Redis listener"};
  const CheckResult other = alice_sends_on_node_zero_during({partition});
  ASSERT_EQ(other.anomalies.size(), 1u);
  EXPECT_EQ(other.anomalies[0].kind, AnomalyKind::lost) << other.anomalies[0].detail;

  partition.node = 0;
  const CheckResult own = alice_sends_on_node_zero_during({partition});
  ASSERT_EQ(own.anomalies.size(), 1u);
  EXPECT_EQ(own.anomalies[0].kind, AnomalyKind::sent_unknown) << own.anomalies[0].detail;

  const CheckResult redis_down =
      alice_sends_on_node_zero_during({history::ClusterFault{"restart_redis", "start", std::nullopt, "SIGKILL"}});
  ASSERT_EQ(redis_down.anomalies.size(), 1u);
  EXPECT_EQ(redis_down.anomalies[0].kind, AnomalyKind::sent_unknown) << redis_down.anomalies[0].detail;
}

history::FaultChanged fault_on(sim::FaultLink link, std::optional<std::int64_t> node, const std::string& type,
                               nlohmann::json toxic) {
  toxic["type"] = type;
  toxic["name"] = "on-a-link";
  history::FaultChanged fault{"on-a-link", "start", type, std::move(toxic)};
  fault.link = link;
  fault.node = node;
  return fault;
}

// A fault on a node's link to Redis excuses what a partition of that node excuses, and no
// more: the sends of the clients on that node, whatever their tag, and nothing on the others.
TEST(ClusterNodeWindow, ARedisLinkFaultExcusesOnlyItsNodesSendsAsAPartitionDoes) {
  const nlohmann::json blackhole = {{"attributes", {{"timeout", 0}}}, {"stream", "downstream"}};
  const CheckResult other = alice_sends_on_node_zero_during({fault_on(sim::FaultLink::redis, 1, "timeout", blackhole)});
  ASSERT_EQ(other.anomalies.size(), 1u);
  EXPECT_EQ(other.anomalies[0].kind, AnomalyKind::lost) << other.anomalies[0].detail;

  const CheckResult own = alice_sends_on_node_zero_during({fault_on(sim::FaultLink::redis, 0, "timeout", blackhole)});
  ASSERT_EQ(own.anomalies.size(), 1u);
  EXPECT_EQ(own.anomalies[0].kind, AnomalyKind::sent_unknown) << own.anomalies[0].detail;
  EXPECT_NE(own.anomalies[0].detail.find("node 0's link to Redis"), std::string::npos) << own.anomalies[0].detail;

  const CheckResult every_node =
      alice_sends_on_node_zero_during({fault_on(sim::FaultLink::redis, std::nullopt, "latency", {{"attributes", {{"latency", 300}}}})});
  ASSERT_EQ(every_node.anomalies.size(), 1u);
  EXPECT_EQ(every_node.anomalies[0].kind, AnomalyKind::sent_unknown)
      << "a downstream latency on a Redis link can hold a commit's reply past its timeout: "
      << every_node.anomalies[0].detail;
}

TEST(ClusterNodeWindow, ANoopOnARedisLinkExcusesNothing) {
  const CheckResult result =
      alice_sends_on_node_zero_during({fault_on(sim::FaultLink::redis, 0, "noop", {{"stream", "both"}})});
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost) << result.anomalies[0].detail;
}

TEST(ClusterNodeWindow, AClientLinkFaultOnOneNodeExcusesOnlyThatNodesConnections) {
  const nlohmann::json reset = {{"attributes", {{"timeout", 0}}}};
  const CheckResult other = alice_sends_on_node_zero_during({fault_on(sim::FaultLink::clients, 1, "reset_peer", reset)});
  ASSERT_EQ(other.anomalies.size(), 1u);
  EXPECT_EQ(other.anomalies[0].kind, AnomalyKind::lost) << other.anomalies[0].detail;

  const CheckResult own = alice_sends_on_node_zero_during({fault_on(sim::FaultLink::clients, 0, "reset_peer", reset)});
  ASSERT_EQ(own.anomalies.size(), 1u);
  EXPECT_EQ(own.anomalies[0].kind, AnomalyKind::sent_unknown) << own.anomalies[0].detail;
}

TEST(ClusterNodeWindow, ASingleServersLinesWithoutNodeAreAllNodeZero) {
  HistoryBuilder builder({"alice"});
  builder.connects("alice", "s1");
  history::ServerStopped stopped;
  stopped.signal = "SIGTERM";
  stopped.exit_status = 0;
  builder.event(stopped).sent("alice", "alice-1", std::nullopt);
  const CheckResult result = check_history(builder.wait_ms(2 * send_settle_ms).committed({}).finished().build());
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
}

}  // namespace
}  // namespace resync::checker

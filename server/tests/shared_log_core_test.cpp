// ChatServerCore as a cluster node (ServerConfig::shared_log): two cores share one log (an
// in-memory store standing for the Redis Stream: one id sequence, client_offset once), each
// reads its own copy of it, and the test decides when each node reads the log.
#include <gtest/gtest.h>

#include "server/core/chat_server_core.hpp"
#include "server/core/in_memory_message_store.hpp"
#include "server/core/log_replica.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

using testing::ids_between;

struct ClusterNode {
  InMemoryLogReplica replica;
  testing::CoreHarness harness;

  // The core starts before the node reads anything, as a node does (its copy starts empty).
  ClusterNode(DeliveryMode delivery, InMemoryMessageStore& log) : harness(config_for(delivery), replica, log) {
    harness.core();
  }

  static ServerConfig config_for(DeliveryMode delivery) {
    ServerConfig config;
    config.shared_log = true;
    config.delivery = delivery;
    config.recovery_enabled = true;
    return config;
  }
  // What socket.io-client sends back after losing the transport of `session`.
  nlohmann::json returning_auth(SessionId session) {
    const auto events = harness.chat_events(session);
    return {{"serverOffset", events.back()[2]},
            {"pid", harness.connect_replies(session).back().at("pid")},
            {"offset", events.back().back()}};
  }
  void connect_with(SessionId session, const nlohmann::json& auth) {
    harness.open_websocket(session);
    harness.frame(session, "40" + auth.dump());
  }
  void connect(SessionId session, std::int64_t server_offset = 0) {
    harness.open_websocket(session);
    harness.frame(session, "40{\"serverOffset\":" + std::to_string(server_offset) + "}");
  }
  void send(SessionId session, const std::string& message, const std::string& client_offset, std::uint64_t ack_id) {
    harness.frame(session, "4" + protocol::socketio::encode_event(
                                     nlohmann::json::array({"chat message", message, client_offset}), ack_id));
  }
  bool acked(SessionId session, std::uint64_t ack_id) {
    const std::string ack = "43" + std::to_string(ack_id) + "[]";
    for (const auto& packet : harness.packets(session)) {
      if (packet == ack) return true;
    }
    return false;
  }
  // The node reads every log entry it has not read yet.
  void read_log(InMemoryMessageStore& log) {
    auto entries = log.read_range(replica.last_committed_id(), log.last_committed_id(), 1'000'000);
    replica.append(entries);
    harness.log_entries(entries);
  }
};

class SharedLogCore : public ::testing::Test {
 protected:
  InMemoryMessageStore log;
  testing::LostSocketTable lost_sockets;  // the cluster's, as in Redis
};

TEST_F(SharedLogCore, StrictAcknowledgesAtTheCommitAndBroadcastsInLogOrderOnEveryNode) {
  ClusterNode a(DeliveryMode::strict, log);
  ClusterNode b(DeliveryMode::strict, log);
  a.connect(1);
  b.connect(1);
  b.send(1, "from b", "b-1", 7);
  b.harness.commit();  // id 1
  a.send(1, "from a", "a-1", 8);
  a.harness.commit();  // id 2
  EXPECT_TRUE(a.acked(1, 8));
  EXPECT_TRUE(b.acked(1, 7));
  // Durable and acknowledged, but no node has read the log yet: nothing is broadcast.
  EXPECT_TRUE(a.harness.received_ids(1).empty());
  EXPECT_TRUE(b.harness.received_ids(1).empty());
  a.read_log(log);
  b.read_log(log);
  EXPECT_EQ(a.harness.received_ids(1), ids_between(1, 2));
  EXPECT_EQ(b.harness.received_ids(1), ids_between(1, 2));
  EXPECT_EQ(a.harness.core().committed_head_id(), 2);
}

TEST_F(SharedLogCore, ARetriedClientOffsetFromAnotherNodeIsStoredOnceAndAcknowledgedOnBoth) {
  ClusterNode a(DeliveryMode::strict, log);
  ClusterNode b(DeliveryMode::strict, log);
  a.connect(1);
  b.connect(1);
  a.send(1, "hello", "alice-1", 1);
  a.harness.commit();
  b.send(1, "hello", "alice-1", 2);  // the same send, retried after a hop to node b
  b.harness.commit();
  EXPECT_TRUE(a.acked(1, 1));
  EXPECT_TRUE(b.acked(1, 2));
  a.read_log(log);
  b.read_log(log);
  EXPECT_EQ(log.last_committed_id(), 1);
  EXPECT_EQ(b.harness.received_ids(1), ids_between(1, 1));
}

TEST_F(SharedLogCore, StrictCatchUpOnAnotherNodeThenLiveEntriesWithoutGapsOrRepeats) {
  ClusterNode a(DeliveryMode::strict, log);
  ClusterNode b(DeliveryMode::strict, log);
  a.connect(1);
  for (int index = 0; index < 5; ++index) a.send(1, "m" + std::to_string(index), "a-" + std::to_string(index), 10 + index);
  a.harness.commit();
  a.read_log(log);
  b.read_log(log);
  // A client that saw ids up to 2 on node a reconnects to node b.
  b.connect(2, 2);
  EXPECT_EQ(b.harness.received_ids(2), ids_between(3, 5));
  a.send(1, "later", "a-later", 20);
  a.harness.commit();
  b.read_log(log);
  EXPECT_EQ(b.harness.received_ids(2), ids_between(3, 6));
}

TEST_F(SharedLogCore, AClientAheadOfANodeStillReadingTheLogGetsOnlyTheEntriesAfterItsOffset) {
  ClusterNode a(DeliveryMode::strict, log);
  a.connect(1);
  for (int index = 0; index < 6; ++index) a.send(1, "m" + std::to_string(index), "a-" + std::to_string(index), index);
  a.harness.commit();
  a.read_log(log);
  // A node that has just started: it has read nothing of the log when the client arrives.
  ClusterNode fresh(DeliveryMode::strict, log);
  fresh.connect(2, 4);
  EXPECT_TRUE(fresh.harness.received_ids(2).empty());
  fresh.read_log(log);
  EXPECT_EQ(fresh.harness.received_ids(2), ids_between(5, 6));
}

TEST_F(SharedLogCore, TutorialBroadcastsItsOwnCommitAtOnceSoNodesDisagreeOnTheOrder) {
  ClusterNode a(DeliveryMode::tutorial, log);
  ClusterNode b(DeliveryMode::tutorial, log);
  a.connect(1);
  b.connect(1);
  b.send(1, "from b", "b-1", 1);
  b.harness.commit();  // id 1, broadcast on node b only
  a.send(1, "from a", "a-1", 2);
  a.harness.commit();  // id 2, broadcast on node a at once
  EXPECT_EQ(a.harness.received_ids(1), std::vector<std::int64_t>{2});
  a.read_log(log);  // id 1 arrives after id 2; id 2 is not sent again
  b.read_log(log);
  EXPECT_EQ(a.harness.received_ids(1), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(b.harness.received_ids(1), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(SharedLogCore, AGapInTheLogIsLoggedAndTheEntriesAfterItStillFlow) {
  ClusterNode a(DeliveryMode::strict, log);
  a.connect(1);
  a.harness.core().on_log_gap(0, 4, 0);
  const std::vector<StoredMessage> after_gap{{4, "four", std::nullopt}, {5, "five", std::nullopt}};
  a.replica.append(after_gap);
  a.harness.log_entries(after_gap);
  EXPECT_EQ(a.harness.received_ids(1), ids_between(4, 5));
  ASSERT_FALSE(a.harness.logs().empty());
  EXPECT_NE(a.harness.logs().front().find("trimmed past ids 1..3"), std::string::npos) << a.harness.logs().front();
}

TEST_F(SharedLogCore, ASocketLostOnOneNodeIsRecoveredOnAnotherWithExactlyTheMissedEventsAndOnlyOnce) {
  ClusterNode a(DeliveryMode::strict, log);
  ClusterNode b(DeliveryMode::strict, log);
  a.harness.use_lost_socket_table(lost_sockets);
  b.harness.use_lost_socket_table(lost_sockets);
  a.connect(1);
  b.connect(1);
  for (int index = 0; index < 3; ++index) b.send(1, "before " + std::to_string(index), "b-" + std::to_string(index), index);
  b.harness.commit();
  a.read_log(log);
  b.read_log(log);
  const std::string socket_id = a.harness.connect_replies(1).back().at("sid");
  const nlohmann::json auth = a.returning_auth(1);
  a.harness.transport_closed(1);  // recoverable: its socket goes to the cluster's table
  ASSERT_EQ(lost_sockets.size(), 1u);
  for (int index = 0; index < 2; ++index) b.send(1, "away " + std::to_string(index), "b-away-" + std::to_string(index), 10 + index);
  b.harness.commit();
  a.read_log(log);
  b.read_log(log);

  b.connect_with(2, auth);  // back, on the other node
  EXPECT_TRUE(b.harness.connect_replies(2).empty()) << "the CONNECT waits for the cluster's table";
  b.harness.answer_lost_socket_lookups();
  ASSERT_EQ(b.harness.connect_replies(2).size(), 1u);
  EXPECT_EQ(b.harness.connect_replies(2).back().at("sid"), socket_id);
  EXPECT_EQ(b.harness.received_ids(2), ids_between(4, 5));

  // The same pid again (a second tab, a replayed CONNECT): already taken, a fresh socket
  // that catches up from its serverOffset instead.
  a.connect_with(3, auth);
  a.harness.answer_lost_socket_lookups();
  ASSERT_EQ(a.harness.connect_replies(3).size(), 1u);
  EXPECT_NE(a.harness.connect_replies(3).back().at("sid"), socket_id);
  EXPECT_EQ(a.harness.received_ids(3), ids_between(4, 5));
}

TEST_F(SharedLogCore, ANodeThatCannotAskTheTableConnectsTheClientFreshWithItsCatchUp) {
  ClusterNode a(DeliveryMode::strict, log);
  a.harness.use_lost_socket_table(lost_sockets);
  a.connect(1);
  a.send(1, "one", "a-1", 1);
  a.harness.commit();
  a.read_log(log);
  const nlohmann::json auth = a.returning_auth(1);
  a.harness.transport_closed(1);
  lost_sockets.clear();  // Redis lost it (restarted without the key), or the lookup failed
  a.connect_with(2, auth);
  a.harness.answer_lost_socket_lookups();
  ASSERT_EQ(a.harness.connect_replies(2).size(), 1u);
  EXPECT_TRUE(a.harness.received_ids(2).empty());  // its serverOffset was the last id: nothing to catch up
  a.send(2, "two", "a-2", 2);
  a.harness.commit();
  a.read_log(log);
  EXPECT_EQ(a.harness.received_ids(2), ids_between(2, 2));
}

TEST(SqliteLogReplica, KeepsEntriesWithTheLogsIdsAndGapsAndReadsRanges) {
  SqliteLogReplica replica;
  replica.append({{3, "three", std::string("c-3")}, {4, "four", std::nullopt}, {9, "nine", std::nullopt}});
  EXPECT_EQ(replica.last_committed_id(), 9);
  const auto rows = replica.read_range(3, 9, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, 4);
  EXPECT_EQ(rows[1].id, 9);
  EXPECT_EQ(replica.read_range(0, 3, 10).at(0).client_offset, std::optional<std::string>("c-3"));
}

TEST(InMemoryLogReplica, ReadsTheSameRangesAsTheSqliteReplica) {
  InMemoryLogReplica memory;
  SqliteLogReplica sqlite;
  const std::vector<StoredMessage> entries{{2, "b", std::nullopt}, {3, "c", std::string("o")}, {7, "g", std::nullopt}};
  memory.append(entries);
  sqlite.append(entries);
  for (std::int64_t after = 0; after <= 8; ++after) {
    for (std::int64_t up_to = after; up_to <= 8; ++up_to) {
      for (std::size_t limit = 0; limit <= 3; ++limit) {
        EXPECT_EQ(memory.read_range(after, up_to, limit), sqlite.read_range(after, up_to, limit))
            << after << " " << up_to << " " << limit;
      }
    }
  }
}

}  // namespace
}  // namespace resync::server

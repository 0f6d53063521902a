// Engine.IO long-polling and the polling -> WebSocket upgrade in the pure core.
#include <gtest/gtest.h>

#include "server/core/sqlite_message_store.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

using protocol::engineio::ErrorCode;
using testing::CoreHarness;

constexpr char separator = '\x1e';

class PollingCore : public ::testing::Test {
 protected:
  explicit PollingCore(ServerConfig config = {}) : store_({":memory:", Durability::full}), harness_(config, store_) {}

  // A polling session with a connected socket and a GET held, as a polling client keeps one.
  std::string connected_polling(SessionId session, std::int64_t server_offset = 0) {
    const std::string sid = harness_.open_polling(session);
    EXPECT_FALSE(harness_.post(sid, "40{\"serverOffset\":" + std::to_string(server_offset) + "}").error);
    EXPECT_TRUE(harness_.get(sid).session);  // answered with the CONNECT reply
    EXPECT_TRUE(harness_.get(sid).session);  // held
    return sid;
  }
  void store_messages(int count) {
    for (int index = 0; index < count; ++index) store_.insert("stored " + std::to_string(index + 1), std::nullopt);
    store_.commit();
  }

  SqliteMessageStore store_;
  CoreHarness harness_;
};

TEST_F(PollingCore, HandshakeGetIsAnsweredWithAnOpenPacketOfferingTheWebSocketUpgrade) {
  const std::string sid = harness_.open_polling(1);
  ASSERT_FALSE(sid.empty());
  const auto open = protocol::engineio::parse_open_packet_data(harness_.answers(1).at(0).substr(1));
  ASSERT_TRUE(open);
  EXPECT_EQ(open->upgrades, std::vector<std::string>{"websocket"});
  EXPECT_EQ(open->payload_bytes_max, 1000000);
  EXPECT_TRUE(harness_.websocket_packets(1).empty());
}

TEST_F(PollingCore, GetIsHeldUntilAPacketIsQueuedThenCarriesAllOfThem) {
  store_messages(3);
  const std::string sid = harness_.open_polling(1);
  ASSERT_TRUE(harness_.get(sid).session);
  EXPECT_EQ(harness_.answers(1).size(), 1u) << "an empty outbox holds the GET";
  EXPECT_FALSE(harness_.post(sid, "40{\"serverOffset\":1}").error);
  ASSERT_EQ(harness_.answers(1).size(), 2u);
  const std::string& payload = harness_.answers(1)[1];
  EXPECT_EQ(std::count(payload.begin(), payload.end(), separator), 2) << payload;  // CONNECT + ids 2, 3
  EXPECT_EQ(payload.rfind("40{\"sid\":", 0), 0u);
  EXPECT_EQ(harness_.received_ids(1), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(PollingCore, PostCarriesSeveralPacketsJoinedWithTheRecordSeparator) {
  const std::string sid = harness_.open_polling(1);
  const auto result = harness_.post(sid, std::string("40{}") + separator + R"(42["chat message","one"])" + separator +
                                             R"(421["chat message","two","c-2"])");
  EXPECT_TRUE(result.session);
  EXPECT_FALSE(result.error);
  harness_.commit();
  ASSERT_TRUE(harness_.get(sid).session);
  EXPECT_EQ(harness_.received_ids(1), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(harness_.packets(1).back(), "431[]");
}

TEST_F(PollingCore, BroadcastsReachPollingAndWebSocketClientsAlike) {
  const std::string sid = connected_polling(1);
  harness_.open_websocket(2);
  harness_.frame(2, "40{}");
  harness_.frame(2, R"(42["chat message","hello"])");
  harness_.commit();
  EXPECT_EQ(harness_.received_ids(1), std::vector<std::int64_t>{1});
  EXPECT_EQ(harness_.received_ids(2), std::vector<std::int64_t>{1});
}

// A broadcast is encoded once: one action names every WebSocket receiver, in session order;
// a polling receiver gets its copy in its outbox, answered with its held GET instead.
TEST_F(PollingCore, ABroadcastIsOneActionForItsWebSocketReceiversAndThePollingOnesQueueIt) {
  harness_.open_websocket(1);
  harness_.frame(1, "40{}");
  const std::string polling_sid = connected_polling(2);
  harness_.open_websocket(3);
  harness_.frame(3, "40{}");
  harness_.frame(1, R"(42["chat message","hello"])");
  harness_.frame(3, R"(42["chat message","again"])");
  harness_.commit();
  EXPECT_EQ(harness_.broadcast_receivers(), (std::vector<std::vector<SessionId>>{{1, 3}, {1, 3}}));
  // The held GET took the first; the second waits in the outbox for the next GET.
  EXPECT_EQ(harness_.received_ids(2), (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(harness_.get(polling_sid).session);
  EXPECT_EQ(harness_.received_ids(2), (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(harness_.websocket_packets(2).empty());
  for (const SessionId session : {SessionId{1}, SessionId{3}}) {
    EXPECT_EQ(harness_.received_ids(session), (std::vector<std::int64_t>{1, 2})) << "session " << session;
  }
}

TEST_F(PollingCore, UnknownSidIsSessionIdUnknown) {
  for (const auto& result : {harness_.get("no-such-sid"), harness_.post("no-such-sid", "40")}) {
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->code, 1);
    EXPECT_EQ(result.error->http_status, 400);
  }
  const auto upgrade = harness_.core().check_upgrade("no-such-sid");
  ASSERT_TRUE(upgrade.error);
  EXPECT_EQ(upgrade.error->code, 1);
}

TEST_F(PollingCore, SecondConcurrentGetIsBadRequestAndClosesTheSession) {
  harness_.open_websocket(9);  // a bystander
  harness_.frame(9, "40{}");
  const std::string sid = connected_polling(1);
  const auto second = harness_.get(sid);
  ASSERT_TRUE(second.error);
  EXPECT_EQ(second.error->code, 3);
  EXPECT_TRUE(harness_.closed(1));
  EXPECT_EQ(harness_.get(sid).error->code, 1) << "the session is gone";
  EXPECT_FALSE(harness_.closed(9));
  harness_.frame(9, R"(42["chat message","still served"])");
  harness_.commit();
  EXPECT_EQ(harness_.received_ids(9), std::vector<std::int64_t>{1});
}

// socket.io 4.8 (engine.io's Polling.onClose): the client's close packet ends the GET it
// holds with a noop, not with a close packet, and the session is gone.
TEST_F(PollingCore, ClientClosePacketEndsTheHeldGetWithANoop) {
  const std::string sid = connected_polling(1);
  const std::size_t answered = harness_.answers(1).size();
  EXPECT_FALSE(harness_.post(sid, "1").error) << "the POST itself is answered ok";
  ASSERT_EQ(harness_.answers(1).size(), answered + 1) << "the held GET is answered";
  EXPECT_EQ(harness_.answers(1).back(), "6");
  EXPECT_TRUE(harness_.closed(1));
  EXPECT_EQ(harness_.get(sid).error->code, 1) << "the session is gone";
}

// Without a GET held there is nothing to answer; the session still closes.
TEST_F(PollingCore, ClientClosePacketWithoutAHeldGetJustCloses) {
  const std::string sid = harness_.open_polling(1);
  const std::size_t answered = harness_.answers(1).size();
  EXPECT_FALSE(harness_.post(sid, "1").error);
  EXPECT_EQ(harness_.answers(1).size(), answered);
  EXPECT_TRUE(harness_.closed(1));
}

TEST_F(PollingCore, BrokenPayloadsCloseOnlyThatSession) {
  const std::vector<std::string> payloads = {
      "", "x", std::string("40{}") + separator, "bAAAA", "4\xff\xfe", std::string(1000001, '4'), "0{}",
  };
  SessionId session = 1;
  for (const std::string& payload : payloads) {
    const std::string sid = harness_.open_polling(session);
    const auto result = harness_.post(sid, payload);
    EXPECT_FALSE(result.error) << "engine.io answers ok and closes the session";
    EXPECT_TRUE(harness_.closed(session)) << "payload " << session;
    ++session;
  }
  EXPECT_EQ(harness_.core().session_count(), 0u);
}

TEST_F(PollingCore, HeartbeatRunsOverPolling) {
  ServerConfig config;
  config.ping_interval_ms = 100;
  config.ping_timeout_ms = 50;
  SqliteMessageStore store({":memory:", Durability::full});
  CoreHarness harness(config, store);
  const std::string sid = harness.open_polling(1);
  harness.post(sid, "40{}");
  harness.get(sid);
  harness.get(sid);  // held
  harness.advance_to(100);
  ASSERT_EQ(harness.last_answer(1), "2") << "the ping answers the held GET";
  harness.post(sid, "3");
  harness.get(sid);
  harness.advance_to(199);
  EXPECT_FALSE(harness.closed(1));
  harness.advance_to(200);
  EXPECT_EQ(harness.last_answer(1), "2");
  harness.advance_to(250);
  EXPECT_TRUE(harness.closed(1));
  EXPECT_EQ(harness.close_reason(1), "ping timeout");
}

TEST_F(PollingCore, UpgradeProbesThenMovesTheSessionToWebSocket) {
  const std::string sid = connected_polling(1);
  ASSERT_TRUE(harness_.core().on_upgrade_started(sid, harness_.now_ms).session);
  harness_.frame(1, "2probe");
  EXPECT_EQ(harness_.websocket_packets(1), std::vector<std::string>{"3probe"}) << "the probe answer goes on the WebSocket";
  EXPECT_EQ(harness_.last_answer(1), "6") << "the held GET ends with a noop so the client can pause polling";
  harness_.frame(1, "5");
  EXPECT_FALSE(harness_.core().is_polling(1));

  // Afterwards every HTTP request of that sid is a bad request, and packets go on the WebSocket.
  EXPECT_EQ(harness_.get(sid).error->code, 3);
  EXPECT_EQ(harness_.post(sid, "3").error->code, 3);
  EXPECT_EQ(harness_.core().check_upgrade(sid).error->code, 3);
  harness_.frame(1, R"(42["chat message","over websocket"])");
  harness_.commit();
  EXPECT_EQ(harness_.websocket_packets(1).back(), R"(42["chat message","over websocket",1])");
}

TEST_F(PollingCore, PacketsQueuedDuringTheUpgradeGoOutOnTheWebSocketInOrder) {
  const std::string sid = connected_polling(1);
  harness_.core().on_upgrade_started(sid, harness_.now_ms);
  harness_.frame(1, "2probe");
  EXPECT_EQ(harness_.last_answer(1), "6");
  harness_.post(sid, R"(42["chat message","during the upgrade"])");
  harness_.commit();
  harness_.frame(1, "5");
  EXPECT_EQ(harness_.websocket_packets(1),
            (std::vector<std::string>{"3probe", R"(42["chat message","during the upgrade",1])"}));
}

TEST_F(PollingCore, AFailedProbeLeavesTheSessionOnPolling) {
  const std::string sid = connected_polling(1);
  harness_.core().on_upgrade_started(sid, harness_.now_ms);
  harness_.frame(1, "2probe");
  harness_.transport_closed(1);  // the probing WebSocket went away
  EXPECT_TRUE(harness_.core().is_polling(1));
  EXPECT_FALSE(harness_.closed(1));
  EXPECT_TRUE(harness_.get(sid).session);  // the client resumes polling
  harness_.post(sid, R"(42["chat message","still polling"])");
  harness_.commit();
  EXPECT_EQ(harness_.received_ids(1), std::vector<std::int64_t>{1});
  EXPECT_TRUE(harness_.core().on_upgrade_started(sid, harness_.now_ms).session) << "a new probe may start";
}

TEST_F(PollingCore, SecondUpgradeWhileProbingIsBadRequest) {
  const std::string sid = connected_polling(1);
  ASSERT_TRUE(harness_.core().on_upgrade_started(sid, harness_.now_ms).session);
  EXPECT_EQ(harness_.core().on_upgrade_started(sid, harness_.now_ms).error->code, 3);
}

TEST_F(PollingCore, UpgradeThatDoesNotFinishInTimeIsAbandoned) {
  const std::string sid = connected_polling(1);
  harness_.core().on_upgrade_started(sid, harness_.now_ms);
  harness_.advance_to(ServerConfig{}.upgrade_timeout_ms);
  EXPECT_TRUE(harness_.upgrade_abandoned(1));
  EXPECT_FALSE(harness_.closed(1));
  harness_.transport_closed(1);
  EXPECT_TRUE(harness_.core().is_polling(1));
}

TEST_F(PollingCore, GarbageOnTheProbingWebSocketClosesTheSession) {
  const std::string sid = connected_polling(1);
  harness_.core().on_upgrade_started(sid, harness_.now_ms);
  harness_.frame(1, R"(42["chat message","too early"])");
  EXPECT_TRUE(harness_.closed(1));
}

TEST_F(PollingCore, CatchUpIsPacedByTheClientsGets) {
  ServerConfig config;
  config.catch_up_batch_rows_max = 10;
  SqliteMessageStore store({":memory:", Durability::full});
  for (int index = 0; index < 25; ++index) store.insert("row", std::nullopt);
  store.commit();
  CoreHarness harness(config, store);
  const std::string sid = harness.open_polling(1);
  harness.post(sid, "40{}");
  EXPECT_EQ(harness.received_ids(1).size(), 0u);
  harness.get(sid);
  EXPECT_EQ(harness.received_ids(1).size(), 10u) << "one batch per GET";
  harness.get(sid);
  EXPECT_EQ(harness.received_ids(1).size(), 20u);
  harness.get(sid);
  std::vector<std::int64_t> expected;
  for (std::int64_t id = 1; id <= 25; ++id) expected.push_back(id);
  EXPECT_EQ(harness.received_ids(1), expected);
}

TEST_F(PollingCore, AClientThatStopsPollingIsDisconnectedAtTheQueueLimit) {
  ServerConfig config;
  config.polling_queue_bytes_max = 4096;
  SqliteMessageStore store({":memory:", Durability::full});
  CoreHarness harness(config, store);
  const std::string sid = harness.open_polling(1);
  harness.post(sid, "40{}");
  harness.open_websocket(2);
  harness.frame(2, "40{}");
  for (int index = 0; index < 100; ++index) harness.frame(2, R"(42["chat message","filling the queue of a client that never polls"])");
  harness.commit();
  EXPECT_TRUE(harness.closed(1));
  EXPECT_FALSE(harness.closed(2));
  EXPECT_EQ(harness.received_ids(2).size(), 100u);
}

}  // namespace
}  // namespace resync::server

// Connection state recovery in the pure core: pid, offsets, replay of missed events, and
// the known field failures, all with strict delivery's exactly-once, in-order promise.
#include <algorithm>

#include <gtest/gtest.h>

#include "server/core/sqlite_message_store.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

using testing::ids_between;

using testing::CoreHarness;

ServerConfig recovery_config() {
  ServerConfig config;
  config.recovery_enabled = true;
  config.recovery.window_ms = 120000;
  return config;
}

class RecoveryCore : public ::testing::Test {
 protected:
  explicit RecoveryCore(ServerConfig config = recovery_config())
      : store_({":memory:", Durability::full}), harness_(std::make_unique<CoreHarness>(config, store_)) {}

  CoreHarness& harness() { return *harness_; }

  void connect(SessionId session, const nlohmann::json& auth = nlohmann::json::object()) {
    harness().open_websocket(session);
    harness().frame(session, "40" + auth.dump());
  }
  void send(SessionId session, const std::string& text) {
    harness().frame(session, "4" + protocol::socketio::encode_event(nlohmann::json::array({"chat message", text})));
  }
  // What socket.io-client sends when it reconnects: its auth plus {pid, offset}.
  nlohmann::json returning_auth(SessionId old_session, std::int64_t server_offset) {
    const auto replies = harness().connect_replies(old_session);
    const auto events = harness().chat_events(old_session);
    nlohmann::json auth = {{"serverOffset", server_offset}, {"pid", replies.back().at("pid")}};
    if (!events.empty()) auth["offset"] = events.back().back();
    return auth;
  }
  // Sessions 1 and 2 connect; session 2 sends `before` messages, session 1's transport
  // closes, and session 2 sends `while_away` more. Returns what session 1 would send back.
  nlohmann::json session_1_leaves_and_misses(int before, int while_away) {
    connect(1);
    connect(2);
    for (int index = 0; index < before; ++index) send(2, "before " + std::to_string(index));
    harness().commit();
    const nlohmann::json auth = returning_auth(1, before);
    harness().transport_closed(1);
    for (int index = 0; index < while_away; ++index) send(2, "while away " + std::to_string(index));
    harness().commit();
    return auth;
  }
  bool recovered(SessionId session, SessionId old_session) {
    const auto replies = harness().connect_replies(session);
    return !replies.empty() && replies.back().at("sid") == harness().connect_replies(old_session).back().at("sid");
  }

  SqliteMessageStore store_;
  std::unique_ptr<CoreHarness> harness_;
};

TEST_F(RecoveryCore, ConnectReplyCarriesAPidAndEventsCarryAnOffsetAsTheirLastArgument) {
  connect(1);
  const auto reply = harness().connect_replies(1).at(0);
  EXPECT_TRUE(reply.at("sid").is_string());
  EXPECT_TRUE(reply.at("pid").is_string());
  EXPECT_NE(reply.at("sid"), reply.at("pid"));
  send(1, "hello");
  harness().commit();
  const auto event = harness().chat_events(1).at(0);
  ASSERT_EQ(event.size(), 4u) << event.dump();
  EXPECT_EQ(event[1], "hello");
  EXPECT_EQ(event[2], 1);
  EXPECT_TRUE(event[3].is_string()) << "the tutorial's (msg, serverOffset) handler still reads the id second";
}

TEST_F(RecoveryCore, WithoutRecoveryThereIsNoPidAndNoOffset) {
  SqliteMessageStore store({":memory:", Durability::full});
  CoreHarness plain(ServerConfig{}, store);
  plain.open_websocket(1);
  plain.frame(1, "40{}");
  EXPECT_FALSE(plain.connect_replies(1).at(0).contains("pid"));
  plain.frame(1, R"(42["chat message","x"])");
  plain.commit();
  EXPECT_EQ(plain.packets(1).back(), R"(42["chat message","x",1])");
}

// Drops session 1 after ids 1-3, stores 4-7 while it is away, and returns as session 3
// with {pid, offset}: the setup of the two tests below.
class RecoveryReplayOrder : public RecoveryCore {
 protected:
  explicit RecoveryReplayOrder(DeliveryMode delivery) : RecoveryCore(config_for(delivery)) {}
  static ServerConfig config_for(DeliveryMode delivery) {
    ServerConfig config = recovery_config();
    config.delivery = delivery;
    return config;
  }
  void return_after_missing_four() { connect(3, session_1_leaves_and_misses(3, 4)); }
  // Where the CONNECT reply and the first chat event are among session 3's packets.
  std::ptrdiff_t position_of(std::string_view prefix) {
    const auto& packets = harness().packets(3);
    const auto found = std::find_if(packets.begin(), packets.end(),
                                    [&](const std::string& packet) { return packet.starts_with(prefix); });
    return found - packets.begin();
  }
  std::ptrdiff_t connect_reply_position() { return position_of("40{"); }
  std::ptrdiff_t first_event_position() { return position_of("42["); }
};

struct StrictReplayOrder : RecoveryReplayOrder {
  StrictReplayOrder() : RecoveryReplayOrder(DeliveryMode::strict) {}
};
struct TutorialReplayOrder : RecoveryReplayOrder {
  TutorialReplayOrder() : RecoveryReplayOrder(DeliveryMode::tutorial) {}
};

TEST_F(StrictReplayOrder, TheConnectReplyComesFirstSoACutReplayIsNotShownTwice) {
  // socket.io-client keeps events that arrive before the CONNECT reply in a buffer that a
  // dropped connection does not clear, and moves its offset only when it emits them; a
  // replay cut before the reply would be replayed, and shown, again.
  return_after_missing_four();
  ASSERT_TRUE(recovered(3, 1));
  EXPECT_LT(connect_reply_position(), first_event_position()) << "strict answers CONNECT before replaying";
  EXPECT_EQ(harness().received_ids(3), ids_between(4, 7));
}

TEST_F(TutorialReplayOrder, ReplaysBeforeTheConnectReplyAsSocketIoDoes) {
  return_after_missing_four();
  ASSERT_TRUE(recovered(3, 1));
  EXPECT_GT(connect_reply_position(), first_event_position()) << "socket.io replays before the CONNECT reply";
  EXPECT_EQ(harness().received_ids(3), ids_between(4, 7));
}

TEST_F(RecoveryCore, ATransportCloseIsRecoveredWithExactlyTheMissedEvents) {
  const nlohmann::json auth = session_1_leaves_and_misses(3, 4);
  ASSERT_EQ(harness().received_ids(1), ids_between(1, 3));

  connect(3, auth);
  EXPECT_TRUE(recovered(3, 1));
  EXPECT_EQ(harness().connect_replies(3).at(0).at("pid"), auth.at("pid"));
  EXPECT_EQ(harness().received_ids(3), ids_between(4, 7)) << "the missed events, no database catch-up on top";

  send(2, "live");
  harness().commit();
  EXPECT_EQ(harness().received_ids(3), ids_between(4, 8));
}

TEST_F(RecoveryCore, AMessageInsertedButNotYetCommittedArrivesOnceAfterTheRecovery) {
  const nlohmann::json auth = session_1_leaves_and_misses(1, 1);
  send(2, "three (in the open transaction while the client returns)");
  connect(3, auth);
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2});
  harness().commit();
  EXPECT_EQ(harness().received_ids(3), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(RecoveryCore, PingTimeoutAndEngineCloseAreRecoverable) {
  ServerConfig config = recovery_config();
  config.ping_interval_ms = 100;
  config.ping_timeout_ms = 50;
  SqliteMessageStore store({":memory:", Durability::full});
  CoreHarness harness(config, store);
  harness.open_websocket(1);
  harness.frame(1, "40{}");
  harness.open_websocket(2);
  harness.frame(2, "40{}");
  harness.frame(2, R"(42["chat message","m"])");
  harness.commit();
  const auto pid1 = harness.connect_replies(1).at(0).at("pid");
  const auto offset1 = harness.chat_events(1).back().back();
  const auto pid2 = harness.connect_replies(2).at(0).at("pid");
  const auto offset2 = harness.chat_events(2).back().back();
  harness.frame(2, "1");  // the Engine.IO close packet, as a polling client's engine.close() sends
  harness.advance_to(100);
  harness.frame(1, "3");  // session 1 answers; 2 is gone
  harness.advance_to(200);
  harness.advance_to(250);  // session 1 misses the second ping
  ASSERT_TRUE(harness.closed(1));
  EXPECT_EQ(harness.close_reason(1), "ping timeout");
  harness.open_websocket(3);
  harness.frame(3, "40" + nlohmann::json{{"pid", pid1}, {"offset", offset1}}.dump());
  harness.open_websocket(4);
  harness.frame(4, "40" + nlohmann::json{{"pid", pid2}, {"offset", offset2}}.dump());
  EXPECT_EQ(harness.connect_replies(3).at(0).at("pid"), pid1);
  EXPECT_EQ(harness.connect_replies(4).at(0).at("pid"), pid2);
}

TEST_F(RecoveryCore, AnExplicitDisconnectIsNotRecoverable) {
  connect(1);
  connect(2);
  send(2, "m");
  harness().commit();
  const nlohmann::json auth = returning_auth(1, 1);
  harness().frame(1, "41");  // socket.disconnect()
  harness().transport_closed(1);
  connect(3, auth);
  EXPECT_FALSE(recovered(3, 1));
  EXPECT_TRUE(harness().received_ids(3).empty()) << "the database catch-up from serverOffset 1: nothing newer";
}

TEST_F(RecoveryCore, AClientThatReceivedNothingYetGetsAFreshSocketAndTheCatchUp) {
  store_.insert("old", std::nullopt);
  store_.commit();
  connect(1, {{"serverOffset", 1}});
  const nlohmann::json auth = returning_auth(1, 1);
  ASSERT_FALSE(auth.contains("offset")) << "socket.io-client sends no offset before its first event";
  harness().transport_closed(1);
  connect(2);
  send(2, "while away");
  harness().commit();
  connect(3, auth);
  EXPECT_FALSE(recovered(3, 1));
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2});
}

TEST_F(RecoveryCore, AClientBackBeforeTheServerNoticedTheDropGetsAFreshSocketAndTheCatchUp) {
  connect(1);
  connect(2);
  send(2, "one");
  harness().commit();
  const nlohmann::json auth = returning_auth(1, 1);
  // Session 1 is still open on the server (its TCP connection died silently).
  send(2, "two");
  harness().commit();
  connect(3, auth);
  EXPECT_FALSE(recovered(3, 1));
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2});
  // When the server finally notices, nothing is sent twice to the new socket.
  harness().transport_closed(1);
  send(2, "three");
  harness().commit();
  EXPECT_EQ(harness().received_ids(3), (std::vector<std::int64_t>{2, 3}));
}

TEST_F(RecoveryCore, AfterARestartRecoveryFailsCleanlyAndTheCatchUpFillsTheGap) {
  connect(1);
  send(1, "one");
  harness().commit();
  const nlohmann::json auth = returning_auth(1, 1);
  harness_.reset();  // the server process ends; the database stays
  harness_ = std::make_unique<CoreHarness>(recovery_config(), store_);
  connect(2);
  send(2, "two");
  harness().commit();
  connect(3, auth);
  EXPECT_NE(harness().connect_replies(3).at(0).at("pid"), auth.at("pid"));
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2});
}

TEST_F(RecoveryCore, AForgedPidGetsAFreshSocketAndNoDataOfAnotherSession) {
  connect(1);
  connect(2);
  send(2, "one");
  harness().commit();
  const nlohmann::json real = returning_auth(1, 1);
  harness().transport_closed(1);
  connect(3, {{"serverOffset", 1}, {"pid", "forged-pid-000000000"}, {"offset", real.at("offset")}});
  EXPECT_FALSE(recovered(3, 1));
  EXPECT_NE(harness().connect_replies(3).at(0).at("pid"), real.at("pid"));
  EXPECT_TRUE(harness().received_ids(3).empty());
}

TEST_F(RecoveryCore, AForgedOffsetGetsAFreshSocket) {
  for (const std::string& forged : {std::string("not-an-offset"), std::string(""), std::string("x.1")}) {
    SqliteMessageStore store({":memory:", Durability::full});
    CoreHarness harness(recovery_config(), store);
    harness.open_websocket(1);
    harness.frame(1, "40{}");
    harness.frame(1, R"(42["chat message","m"])");
    harness.commit();
    const auto pid = harness.connect_replies(1).at(0).at("pid");
    harness.transport_closed(1);
    harness.open_websocket(2);
    harness.frame(2, "40" + nlohmann::json{{"serverOffset", 1}, {"pid", pid}, {"offset", forged}}.dump());
    EXPECT_NE(harness.connect_replies(2).at(0).at("sid"), harness.connect_replies(1).at(0).at("sid")) << forged;
    EXPECT_TRUE(harness.received_ids(2).empty()) << forged;
  }
}

TEST_F(RecoveryCore, AnOffsetBeyondWhatWasSentToThatSocketIsRefused) {
  nlohmann::json auth = session_1_leaves_and_misses(1, 1);
  // The real offset of id 2, which session 1 never received.
  auth["offset"] = harness().chat_events(2).back().back();
  connect(3, auth);
  EXPECT_FALSE(recovered(3, 1));
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2}) << "the catch-up from serverOffset 1";
}

TEST_F(RecoveryCore, APidRecoversOnlyOnce) {
  connect(1);
  send(1, "one");
  harness().commit();
  const nlohmann::json auth = returning_auth(1, 1);
  harness().transport_closed(1);
  connect(2, auth);
  EXPECT_TRUE(recovered(2, 1));
  connect(3, auth);
  EXPECT_FALSE(recovered(3, 1));
}

TEST_F(RecoveryCore, AfterTheWindowTheClientGetsAFreshSocketAndTheCatchUp) {
  const nlohmann::json auth = session_1_leaves_and_misses(1, 1);
  harness().advance_to(120001);
  harness().frame(2, "3");
  connect(3, auth);
  EXPECT_FALSE(recovered(3, 1));
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2});
}

TEST_F(RecoveryCore, AnOffsetOlderThanTheBufferFallsBackToTheCatchUpWithoutGapsOrRepeats) {
  ServerConfig config = recovery_config();
  config.recovery.buffered_events_max = 3;
  SqliteMessageStore store({":memory:", Durability::full});
  CoreHarness harness(config, store);
  harness.open_websocket(1);
  harness.frame(1, "40{}");
  harness.open_websocket(2);
  harness.frame(2, "40{}");
  harness.frame(2, R"(42["chat message","one"])");
  harness.commit();
  const nlohmann::json auth = {{"serverOffset", 1},
                               {"pid", harness.connect_replies(1).at(0).at("pid")},
                               {"offset", harness.chat_events(1).back().back()}};
  harness.transport_closed(1);
  for (int index = 0; index < 5; ++index) harness.frame(2, R"(42["chat message","more"])");
  harness.commit();
  harness.open_websocket(3);
  harness.frame(3, "40" + auth.dump());
  EXPECT_NE(harness.connect_replies(3).at(0).at("pid"), auth.at("pid"));
  EXPECT_EQ(harness.received_ids(3), ids_between(2, 6));
}

TEST_F(RecoveryCore, RecoveryDuringAStrictCatchUpIsExactlyOnceAndInOrder) {
  ServerConfig config = recovery_config();
  config.catch_up_batch_rows_max = 2;
  SqliteMessageStore store({":memory:", Durability::full});
  CoreHarness harness(config, store);
  harness.open_websocket(1);
  harness.frame(1, "40{}");
  for (int index = 0; index < 3; ++index) harness.frame(1, R"(42["chat message","m"])");
  harness.commit();  // ids 1..3, buffered
  harness.open_websocket(2);
  harness.frame(2, "40{}");  // catch-up: first batch 1, 2; waits for a drain
  ASSERT_EQ(harness.received_ids(2), (std::vector<std::int64_t>{1, 2}));
  harness.frame(1, R"(42["chat message","live while 2 catches up"])");
  harness.commit();  // id 4: not yet sent to 2 (strict)
  const nlohmann::json auth = {{"serverOffset", 2},
                               {"pid", harness.connect_replies(2).at(0).at("pid")},
                               {"offset", harness.chat_events(2).back().back()}};
  harness.transport_closed(2);
  harness.open_websocket(3);
  harness.frame(3, "40" + auth.dump());
  EXPECT_EQ(harness.connect_replies(3).at(0).at("pid"), auth.at("pid"));
  EXPECT_EQ(harness.received_ids(3), (std::vector<std::int64_t>{3, 4}));
  harness.frame(1, R"(42["chat message","after"])");
  harness.commit();
  EXPECT_EQ(harness.received_ids(3), (std::vector<std::int64_t>{3, 4, 5}));
}

TEST_F(RecoveryCore, RecoveryWorksForAPollingClient) {
  connect(2);
  const std::string sid = harness().open_polling(1);
  harness().post(sid, "40{}");
  harness().get(sid);
  harness().get(sid);  // held
  send(2, "one");
  harness().commit();
  const nlohmann::json auth = returning_auth(1, 1);
  harness().post(sid, "1");  // engine.close() over polling sends the close packet
  EXPECT_TRUE(harness().closed(1));
  send(2, "two");
  harness().commit();
  const std::string sid2 = harness().open_polling(3);
  harness().post(sid2, "40" + auth.dump());
  harness().get(sid2);
  EXPECT_TRUE(recovered(3, 1));
  EXPECT_EQ(harness().received_ids(3), std::vector<std::int64_t>{2});
}

}  // namespace
}  // namespace resync::server

#include "server/core/chat_server_core.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "protocol/socketio_packet.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

using testing::ids_between;

// The test harness (core_harness.hpp) over an in-memory store, plus the chat-level steps
// these tests repeat: connect with an offset, send a chat message, store rows directly.
// A base listed first is built first and destroyed last: the store outlives the core.
struct InMemoryStore {
  SqliteMessageStore store{{":memory:", Durability::full}};
};

class CoreDriver : private InMemoryStore, public testing::CoreHarness {
 public:
  explicit CoreDriver(ServerConfig config = {}) : CoreHarness(config, InMemoryStore::store) {}

  void open(SessionId session) { open_websocket(session); }
  void text(SessionId session, std::string_view text_frame) { frame(session, text_frame); }
  void connect(SessionId session, std::int64_t server_offset = 0) {
    open(session);
    text(session, "40{\"serverOffset\":" + std::to_string(server_offset) + "}");
  }
  void send(SessionId session, const std::string& message, std::optional<std::string> client_offset = std::nullopt,
            std::optional<std::uint64_t> ack_id = std::nullopt) {
    nlohmann::json arguments = nlohmann::json::array({"chat message", message});
    if (client_offset) arguments.push_back(*client_offset);
    text(session, "4" + protocol::socketio::encode_event(arguments, ack_id));
  }
  void store_messages(int count) {
    for (int index = 0; index < count; ++index) store.insert("stored " + std::to_string(index), std::nullopt);
    store.commit();
  }
  std::vector<std::string> sent(SessionId session) { return packets(session); }
  std::int64_t stored_count() { return static_cast<std::int64_t>(store.read_range(0, 1'000'000, 1'000'000).size()); }
};

TEST(ChatServerCore, OpenPacketCarriesTheConfiguredHeartbeat) {
  ServerConfig config;
  config.ping_interval_ms = 300;
  config.ping_timeout_ms = 200;
  CoreDriver driver(config);
  driver.open(1);
  const auto open = protocol::engineio::parse_open_packet_data(driver.sent(1).at(0).substr(1));
  ASSERT_TRUE(open);
  EXPECT_EQ(open->ping_interval_ms, 300);
  EXPECT_EQ(open->ping_timeout_ms, 200);
  EXPECT_TRUE(open->upgrades.empty());
}

TEST(ChatServerCore, ConnectRepliesWithSidThenCatchesUpFromTheOffset) {
  CoreDriver driver;
  driver.store_messages(10);
  driver.connect(1, 4);
  ASSERT_GE(driver.sent(1).size(), 2u);
  EXPECT_EQ(driver.sent(1)[1].rfind("40{\"sid\":", 0), 0u);
  EXPECT_EQ(driver.received_ids(1), ids_between(5, 10));
  EXPECT_EQ(driver.sent(1)[2], R"(42["chat message","stored 4",5])");
}

TEST(ChatServerCore, OffsetBeyondTheStoredIdsStillReceivesNewMessages) {
  CoreDriver driver;
  driver.store_messages(3);
  driver.connect(1, 1000);
  EXPECT_TRUE(driver.received_ids(1).empty());
  driver.send(1, "after a database reset");
  driver.commit();
  EXPECT_EQ(driver.received_ids(1), std::vector<std::int64_t>{4});
}

TEST(ChatServerCore, BroadcastGoesToEveryClientOnlyAfterCommit) {
  CoreDriver driver;
  driver.connect(1);
  driver.connect(2);
  driver.send(1, "hello");
  EXPECT_TRUE(driver.received_ids(1).empty()) << "nothing may go out before the row is durable";
  driver.commit();
  EXPECT_EQ(driver.received_ids(1), std::vector<std::int64_t>{1});
  EXPECT_EQ(driver.received_ids(2), std::vector<std::int64_t>{1});
  EXPECT_EQ(driver.sent(2).back(), R"(42["chat message","hello",1])");
}

TEST(ChatServerCore, MessagesArrivingWhileAGroupCommitsGatherIntoTheNextGroup) {
  CoreDriver driver;
  driver.connect(1);
  driver.send(1, "alone", "a-1", 1);
  ASSERT_TRUE(driver.commit_in_flight());
  EXPECT_EQ(driver.commit_in_flight()->writes.size(), 1u) << "with nothing in flight a message goes at once";
  for (int index = 2; index <= 6; ++index) driver.send(1, "m", "a-" + std::to_string(index), index);
  EXPECT_EQ(driver.commit_requests(), 1) << "one group in flight at a time";
  driver.complete_commit();
  ASSERT_TRUE(driver.commit_in_flight());
  EXPECT_EQ(driver.commit_in_flight()->writes.size(), 5u) << "everything that arrived meanwhile is the next group";
  EXPECT_EQ(driver.received_ids(1), std::vector<std::int64_t>{1});
  EXPECT_EQ(driver.core().committed_head_id(), 1);
  driver.complete_commit();
  EXPECT_FALSE(driver.commit_in_flight());
  EXPECT_EQ(driver.received_ids(1), ids_between(1, 6));
  EXPECT_EQ(driver.commit_requests(), 2);
}

TEST(ChatServerCore, RepeatedClientOffsetIsAcknowledgedAgainButStoredAndBroadcastOnce) {
  CoreDriver driver;
  driver.connect(1);
  driver.connect(2);
  driver.send(1, "once", "client-1-0", 7);
  driver.send(1, "once", "client-1-0", 8);  // a retry in the same group commit
  driver.commit();
  driver.send(1, "once", "client-1-0", 9);  // a retry after the commit
  driver.commit();
  const auto packets = driver.sent(1);
  EXPECT_NE(std::find(packets.begin(), packets.end(), "437[]"), packets.end());
  EXPECT_NE(std::find(packets.begin(), packets.end(), "438[]"), packets.end());
  EXPECT_NE(std::find(packets.begin(), packets.end(), "439[]"), packets.end());
  EXPECT_EQ(driver.received_ids(2), std::vector<std::int64_t>{1});
  EXPECT_EQ(driver.stored_count(), 1);
}

TEST(ChatServerCore, StrictCatchUpInterleavedWithLiveTrafficSendsEachIdOnceInOrder) {
  ServerConfig config;
  config.catch_up_batch_rows_max = 10;
  CoreDriver driver(config);
  driver.store_messages(95);
  driver.connect(1);  // the sender, already caught up after its own catch-up
  while (driver.core().has_pending_commit()) driver.commit();
  for (int batch = 0; batch < 20; ++batch) driver.drained(1);
  driver.connect(2);  // catching up in batches of 10
  for (int round = 0; round < 30; ++round) {
    driver.send(1, "live " + std::to_string(round));
    driver.commit();
    driver.drained(2);
  }
  EXPECT_EQ(driver.received_ids(2), ids_between(1, 125));
}

// tutorial delivery, its catch-up paced at 10 rows per millisecond.
ServerConfig paced_tutorial_config() {
  ServerConfig config;
  config.delivery = DeliveryMode::tutorial;
  config.tutorial_catch_up_rows_per_ms = 10;
  return config;
}

TEST(ChatServerCore, TutorialCatchUpRacesLiveTrafficAndShowsTheBug) {
  CoreDriver driver(paced_tutorial_config());
  driver.store_messages(95);
  driver.connect(1);
  for (int batch = 0; batch < 20; ++batch) driver.advance_to(driver.now_ms + 1);
  driver.connect(2);
  for (int round = 0; round < 30; ++round) {
    driver.send(1, "live " + std::to_string(round));
    driver.commit();
    driver.advance_to(driver.now_ms + 1);
  }
  const auto ids = driver.received_ids(2);
  EXPECT_FALSE(std::is_sorted(ids.begin(), ids.end())) << "a live id must overtake the catch-up";
  std::set<std::int64_t> unique(ids.begin(), ids.end());
  EXPECT_LT(unique.size(), ids.size()) << "the catch-up must resend a live id";
}

TEST(ChatServerCore, TutorialCatchUpGoesAtItsPaceWhateverTheDrains) {
  CoreDriver driver(paced_tutorial_config());
  driver.store_messages(95);
  driver.connect(1);
  EXPECT_EQ(driver.received_ids(1).size(), 10u) << "the first batch goes at once";
  for (int drain = 0; drain < 5; ++drain) driver.drained(1);
  EXPECT_EQ(driver.received_ids(1).size(), 10u) << "a drain does not hurry a paced catch-up";
  ASSERT_TRUE(driver.core().next_deadline_ms().has_value());
  EXPECT_EQ(*driver.core().next_deadline_ms(), driver.now_ms + 1) << "the next batch is due a millisecond later";
  for (int tick = 1; tick <= 9; ++tick) driver.advance_to(driver.now_ms + 1);
  EXPECT_EQ(driver.received_ids(1).size(), 95u);
}

TEST(ChatServerCore, BadServerOffsetGetsConnectErrorAndTheSessionStaysOpen) {
  for (const std::string auth : {R"({"serverOffset":-1})", R"({"serverOffset":"abc"})",
                                 R"({"serverOffset":9007199254740992})",
                                 R"({"serverOffset":99999999999999999999999})", R"({"serverOffset":[1]})",
                                 R"({"serverOffset":1.5})"}) {
    CoreDriver driver;
    driver.open(1);
    driver.text(1, "40" + auth);
    ASSERT_FALSE(driver.closed(1)) << auth;
    EXPECT_EQ(driver.sent(1).back().rfind("44{\"message\":\"auth.serverOffset must be", 0), 0u)
        << auth << " -> " << driver.sent(1).back();
    driver.text(1, R"(40{"serverOffset":"0"})");
    EXPECT_EQ(driver.sent(1).back().rfind("40{\"sid\":", 0), 0u) << "a good CONNECT still works after " << auth;
  }
}

TEST(ChatServerCore, UnknownNamespaceGetsInvalidNamespace) {
  CoreDriver driver;
  driver.open(1);
  driver.text(1, "40/admin,{}");
  EXPECT_EQ(driver.sent(1).back(), R"(44/admin,{"message":"Invalid namespace"})");
  EXPECT_FALSE(driver.closed(1));
}

TEST(ChatServerCore, ProtocolErrorsCloseOnlyTheOffendingSession) {
  const std::vector<std::string> bad_frames = {
      "",  "9", "4", "4x", R"(42{"a":1})", R"(42[1,"x"])", R"(42[])", R"(42["chat message")", "0",
      "451-[\"chat message\",{\"_placeholder\":true,\"num\":0}]", "4\xC3", "44{\"message\":\"x\"}"};
  for (const auto& frame : bad_frames) {
    CoreDriver driver;
    driver.connect(1);
    driver.connect(2);
    driver.text(1, frame);
    EXPECT_TRUE(driver.closed(1)) << "frame: " << frame;
    driver.send(2, "still serving");
    driver.commit();
    EXPECT_EQ(driver.received_ids(2), std::vector<std::int64_t>{1}) << "frame: " << frame;
  }
}

TEST(ChatServerCore, OversizeAndBinaryFramesClose) {
  ServerConfig config;
  config.payload_bytes_max = 100;
  CoreDriver driver(config);
  driver.connect(1);
  driver.connect(2);
  driver.text(1, "42[\"chat message\",\"" + std::string(200, 'x') + "\"]");
  EXPECT_TRUE(driver.closed(1));
  driver.core().on_binary_frame(2, 10, 0);
  EXPECT_EQ(driver.core().session_count(), 0u);
}

TEST(ChatServerCore, MessagesThatAreNotTextAreIgnoredAndNotStored) {
  CoreDriver driver;
  driver.connect(1);
  driver.text(1, R"(425["chat message",{"html":true}])");
  driver.text(1, R"(42["chat message"])");
  driver.text(1, R"(42["other event","x"])");
  driver.commit();
  EXPECT_FALSE(driver.closed(1));
  EXPECT_EQ(driver.stored_count(), 0);
}

TEST(ChatServerCore, NoConnectWithinTheTimeoutCloses) {
  ServerConfig config;
  config.connect_timeout_ms = 300;
  CoreDriver driver(config);
  driver.open(1);
  driver.connect(2);
  EXPECT_EQ(driver.core().next_deadline_ms(), 300);
  driver.advance_to(299);
  EXPECT_FALSE(driver.closed(1));
  driver.advance_to(300);
  EXPECT_TRUE(driver.closed(1));
  EXPECT_FALSE(driver.closed(2));
}

TEST(ChatServerCore, HeartbeatPingsAndClosesWithoutPong) {
  ServerConfig config;
  config.ping_interval_ms = 1000;
  config.ping_timeout_ms = 500;
  CoreDriver driver(config);
  driver.connect(1);
  driver.connect(2);
  driver.advance_to(1000);
  EXPECT_EQ(driver.sent(1).back(), "2");
  EXPECT_EQ(driver.sent(2).back(), "2");
  driver.text(1, "3");
  EXPECT_EQ(driver.core().next_deadline_ms(), 1500);  // session 2's pong deadline
  driver.advance_to(1500);
  EXPECT_TRUE(driver.closed(2));
  EXPECT_FALSE(driver.closed(1));
  driver.advance_to(2000);
  EXPECT_EQ(driver.sent(1).back(), "2") << "the next ping comes one interval after the pong";
}

// The next deadline comes from an index of each session's earliest deadline (not a walk over
// every session): it must follow sessions that leave, answer a ping and are pinged.
TEST(ChatServerCore, NextDeadlineFollowsSessionsThatLeaveAnswerAndArePinged) {
  ServerConfig config;
  config.ping_interval_ms = 1000;
  config.ping_timeout_ms = 500;
  config.connect_timeout_ms = 10000;
  CoreDriver driver(config);
  driver.connect(1);
  driver.now_ms = 100;
  driver.connect(2);
  driver.now_ms = 200;
  driver.connect(3);
  EXPECT_EQ(driver.core().next_deadline_ms(), 1000);  // session 1's first ping
  driver.transport_closed(1);
  EXPECT_EQ(driver.core().next_deadline_ms(), 1100) << "a session that left keeps no deadline";
  driver.advance_to(1100);
  EXPECT_EQ(driver.sent(2).back(), "2");
  EXPECT_EQ(driver.core().next_deadline_ms(), 1200);  // session 3's first ping
  driver.text(2, "3");
  driver.advance_to(1200);
  EXPECT_EQ(driver.sent(3).back(), "2");
  EXPECT_EQ(driver.core().next_deadline_ms(), 1700);  // session 3's pong deadline, before 2's next ping at 2100
  driver.advance_to(1700);
  EXPECT_TRUE(driver.closed(3));
  EXPECT_FALSE(driver.closed(2));
  EXPECT_EQ(driver.core().next_deadline_ms(), 2100);
}

// The strict guarantee as a property: whatever the interleaving of sends, commits, drains
// and new clients, every client receives each committed id once, in increasing order, and
// ends with all of them.
RC_GTEST_PROP(ChatServerCore, StrictDeliveryGivesEveryClientEachIdOnceInOrder, ()) {
  ServerConfig config;
  config.catch_up_batch_rows_max = *rc::gen::inRange<std::size_t>(1, 8);
  CoreDriver driver(config);
  driver.store_messages(*rc::gen::inRange(0, 30));
  std::vector<SessionId> sessions{1};
  driver.connect(1);
  const int steps = *rc::gen::inRange(1, 120);
  for (int step = 0; step < steps; ++step) {
    const int choice = *rc::gen::inRange(0, 10);
    const SessionId session = *rc::gen::elementOf(sessions);
    if (choice < 4) {
      driver.send(session, "m" + std::to_string(step));
    } else if (choice < 6) {
      driver.commit();
    } else if (choice < 9) {
      driver.drained(session);
    } else {
      const SessionId fresh = sessions.size() + 1;
      sessions.push_back(fresh);
      driver.connect(fresh, *rc::gen::inRange<std::int64_t>(0, 10));
    }
  }
  driver.commit();
  for (int round = 0; round < 200; ++round) {
    for (SessionId session : sessions) driver.drained(session);
  }
  const std::int64_t total = driver.stored_count();
  for (SessionId session : sessions) {
    const auto ids = driver.received_ids(session);
    RC_ASSERT(std::adjacent_find(ids.begin(), ids.end(), [](auto a, auto b) { return a >= b; }) == ids.end());
    // Computed first: RC_ASSERT captures its expression with overloaded operators, so an
    // `||` inside it would not short-circuit and back() would run on an empty list.
    const bool ends_with_the_last_id = ids.empty() || ids.back() == total;
    RC_ASSERT(ends_with_the_last_id);
  }
  RC_ASSERT(driver.received_ids(1) == ids_between(1, total));
}

}  // namespace
}  // namespace resync::server

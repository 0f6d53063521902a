// The bugs planted in the core for testing Resync itself: each one breaks exactly the
// promise it names, so a checker that misses it has a blind spot. Without a planted bug the
// same inputs keep every promise (recovery_core_test and chat_server_core_test).
#include <gtest/gtest.h>

#include "server/core/planted_bug.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

using testing::ids_between;

using testing::CoreHarness;

ServerConfig config_with(PlantedBug bug) {
  ServerConfig config;
  config.recovery_enabled = true;
  config.planted_bug = bug;
  return config;
}

class PlantedBugCore : public ::testing::Test {
 protected:
  void start(PlantedBug bug) { harness_ = std::make_unique<CoreHarness>(config_with(bug), store_); }
  CoreHarness& harness() { return *harness_; }

  void connect(SessionId session, const nlohmann::json& auth = nlohmann::json::object()) {
    harness().open_websocket(session);
    harness().frame(session, "40" + auth.dump());
  }
  void send_plain(SessionId session, const std::string& text) {
    harness().frame(session, "4" + protocol::socketio::encode_event(nlohmann::json::array({"chat message", text})));
  }
  void send_with_offset(SessionId session, const std::string& text, const std::string& client_offset, std::uint64_t ack) {
    harness().frame(session, "4" + protocol::socketio::encode_event(
                                       nlohmann::json::array({"chat message", text, client_offset}), ack));
  }
  // Session 1 receives ids 1-3, its transport drops, ids 4-7 are stored while it is away,
  // and it returns as session 3 with its pid and the offset of id 3.
  void session_1_misses_four_and_returns() {
    connect(1);
    connect(2);
    for (int index = 0; index < 3; ++index) send_plain(2, "before " + std::to_string(index));
    harness().commit();
    const auto reply = harness().connect_replies(1).back();
    const nlohmann::json auth = {{"serverOffset", 3}, {"pid", reply.at("pid")}, {"offset", harness().chat_events(1).back().back()}};
    harness().transport_closed(1);
    for (int index = 0; index < 4; ++index) send_plain(2, "while away " + std::to_string(index));
    harness().commit();
    connect(3, auth);
    ASSERT_EQ(harness().connect_replies(3).back().at("sid"), reply.at("sid")) << "the planted bugs need a recovery";
  }

  SqliteMessageStore store_{{":memory:", Durability::full}};
  std::unique_ptr<CoreHarness> harness_;
};

TEST_F(PlantedBugCore, DropEvery10thPlainStoresAndBroadcastsNineOfEveryTenPlainMessages) {
  start(PlantedBug::drop_every_10th_plain);
  connect(1);
  for (int index = 1; index <= 25; ++index) send_plain(1, "plain " + std::to_string(index));
  harness().commit();
  const auto rows = store_.read_range(0, store_.last_committed_id(), 100);
  ASSERT_EQ(rows.size(), 23u) << "messages 10 and 20 of 25 are gone";
  for (const auto& row : rows) {
    EXPECT_NE(row.content, "plain 10");
    EXPECT_NE(row.content, "plain 20");
  }
  EXPECT_EQ(harness().received_ids(1), ids_between(1, 23)) << "what is stored is still broadcast";
}

TEST_F(PlantedBugCore, DropEvery10thPlainKeepsMessagesWithAClientOffset) {
  start(PlantedBug::drop_every_10th_plain);
  connect(1);
  for (int index = 1; index <= 20; ++index) {
    send_with_offset(1, "acked " + std::to_string(index), "alice-" + std::to_string(index), static_cast<std::uint64_t>(index));
  }
  harness().commit();
  EXPECT_EQ(store_.last_committed_id(), 20) << "only plain messages are dropped";
}

TEST_F(PlantedBugCore, RecoverySkipsFirstMissedReplaysAllMissedEventsButTheFirst) {
  start(PlantedBug::recovery_skips_first_missed);
  session_1_misses_four_and_returns();
  EXPECT_EQ(harness().received_ids(3), ids_between(5, 7)) << "id 4 is never replayed";
}

TEST_F(PlantedBugCore, RecoveryRepeatsLastSeenReplaysTheOffsetsOwnEventFirst) {
  start(PlantedBug::recovery_repeats_last_seen);
  session_1_misses_four_and_returns();
  EXPECT_EQ(harness().received_ids(3), (std::vector<std::int64_t>{3, 4, 5, 6, 7})) << "id 3 was already received";
}

TEST_F(PlantedBugCore, LiveOnlyBugsChangeNothingInTheCore) {
  start(PlantedBug::crash_after_20_messages);
  connect(1);
  for (int index = 1; index <= 30; ++index) send_plain(1, "plain " + std::to_string(index));
  harness().commit();
  EXPECT_EQ(store_.last_committed_id(), 30) << "the shell raises the signal, not the core";
}

TEST(PlantedBugNames, EveryNameParsesBackToItsBugAndUnknownNamesDoNot) {
  for (const auto name : planted_bug_names()) {
    const auto bug = parse_planted_bug(name);
    ASSERT_TRUE(bug.has_value()) << name;
    EXPECT_EQ(planted_bug_name(*bug), name);
  }
  EXPECT_EQ(parse_planted_bug(""), PlantedBug::none);
  EXPECT_FALSE(parse_planted_bug("crash-after-20-message").has_value());
  EXPECT_TRUE(planted_bug_is_live_only(PlantedBug::crash_after_20_messages));
  EXPECT_TRUE(planted_bug_is_live_only(PlantedBug::use_after_free_after_20_messages));
  EXPECT_FALSE(planted_bug_is_live_only(PlantedBug::drop_every_10th_plain));
}

}  // namespace
}  // namespace resync::server

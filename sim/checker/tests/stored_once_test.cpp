// One send, one id: a client_offset stored under two ids is stored_twice, found by offset in a
// database's log and by content in a log without offsets (a catch-up audit), never for two
// sends that merely share a content.
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::contains;
using testing::HistoryBuilder;

// alice sends "hello" with offset a-1, retries it after a lost ack, and both clients render
// what the log holds (so only the log itself is wrong).
history::History retried_send(std::vector<history::CommittedMessage> log, bool audited) {
  HistoryBuilder builder({"alice", "bob"});
  builder.connects("alice", "s1").connects("bob", "s2");
  builder.sent("alice", "hello", std::string("a-1")).wait_ms(1000).sent("alice", "hello", std::string("a-1"), 2);
  builder.acked("alice", "hello", std::string("a-1"));
  for (const history::CommittedMessage& message : log) {
    builder.received("alice", message.id, message.content).received("bob", message.id, message.content);
  }
  if (audited) {
    for (history::CommittedMessage& message : log) message.client_offset.reset();
    builder.audited(std::move(log));
  } else {
    builder.committed(std::move(log));
  }
  return builder.wait_ms(2000).finished().build();
}

TEST(StoredOnce, ARetryStoredUnderASecondIdIsStoredTwice) {
  const CheckResult result = check_history(retried_send({{1, "hello", "a-1"}, {2, "hello", "a-1"}}, false));
  ASSERT_EQ(result.anomalies.size(), 1u) << result.anomalies.front().detail;
  const Anomaly& twice = result.anomalies[0];
  EXPECT_EQ(twice.kind, AnomalyKind::stored_twice);
  EXPECT_EQ(twice.client, "alice");
  EXPECT_EQ(twice.id, 2);
  EXPECT_TRUE(contains(twice.detail, "client_offset \"a-1\" (alice's \"hello\") is stored under ids 1 and 2")) << twice.detail;
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(StoredOnce, ARetryAnsweredAsADuplicateIsStoredOnce) {
  const CheckResult result = check_history(retried_send({{1, "hello", "a-1"}}, false));
  EXPECT_TRUE(result.anomalies.empty()) << result.anomalies.front().detail;
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
}

TEST(StoredOnce, ALogWithoutOffsetsIsMatchedByContent) {
  const CheckResult result = check_history(retried_send({{1, "hello", "a-1"}, {2, "hello", "a-1"}}, true));
  ASSERT_EQ(result.count(AnomalyKind::stored_twice), 1u);
  const auto twice = std::find_if(result.anomalies.begin(), result.anomalies.end(),
                                  [](const Anomaly& anomaly) { return anomaly.kind == AnomalyKind::stored_twice; });
  EXPECT_TRUE(contains(twice->detail, "matched by content")) << twice->detail;
}

TEST(StoredOnce, TwoSendsWithOneContentAreNotTakenForOne) {
  // Two clients each send "hi" with offsets of their own; a log without offsets holds "hi"
  // twice, which is right, so content alone must not call it stored twice.
  HistoryBuilder builder({"alice", "bob"});
  builder.connects("alice", "s1").connects("bob", "s2");
  builder.sent("alice", "hi", std::string("a-1")).sent("bob", "hi", std::string("b-1"));
  builder.acked("alice", "hi", std::string("a-1")).acked("bob", "hi", std::string("b-1"));
  for (const char* client : {"alice", "bob"}) builder.received(client, 1, "hi").received(client, 2, "hi");
  builder.audited({{1, "hi", std::nullopt}, {2, "hi", std::nullopt}});
  const CheckResult result = check_history(builder.wait_ms(2000).finished().build());
  EXPECT_EQ(result.count(AnomalyKind::stored_twice), 0u);
}

}  // namespace
}  // namespace resync::checker

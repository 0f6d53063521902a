// After a recovered connect, the client must receive exactly the committed ids that follow
// the last one it had: a skip is recovery_gap, a repeat recovery_repeat (docs/HISTORY.md).
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

std::vector<Anomaly> recovery_anomalies(const CheckResult& result) {
  std::vector<Anomaly> found;
  for (const Anomaly& anomaly : result.anomalies) {
    if (anomaly.kind == AnomalyKind::recovery_gap || anomaly.kind == AnomalyKind::recovery_repeat) {
      found.push_back(anomaly);
    }
  }
  return found;
}

// alice has ids `before`, drops, recovers (connected at `recovered_t_ms` = builder time),
// then receives `after`; the log holds 1..5.
CheckResult alice_recovers(const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after) {
  return check_history(HistoryBuilder({"alice"})
                           .connects("alice", "s1")
                           .renders("alice", before)
                           .disconnected("alice")
                           .connects("alice", "s2", /*recovered=*/true)
                           .renders("alice", after)
                           .committed_ids({1, 2, 3, 4, 5})
                           .finished()
                           .build());
}

TEST(RecoveryContinuity, AContiguousRecoveryAndTheLiveTrafficAfterItAreFine) {
  const CheckResult result = alice_recovers({1, 2}, {3, 4, 5});
  EXPECT_TRUE(result.anomalies.empty());
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
}

TEST(RecoveryContinuity, SkippingTheFirstMissedIdIsAGapEvenIfItArrivesLater) {
  const CheckResult result = alice_recovers({1, 2}, {4, 5, 3});
  const std::vector<Anomaly> found = recovery_anomalies(result);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, AnomalyKind::recovery_gap);
  EXPECT_EQ(found[0].client, "alice");
  EXPECT_EQ(found[0].id, 4);
  EXPECT_EQ(found[0].detail,
            "recovered at 70 ms (socket id \"s2\"): expected id 3 after id 2, got id 4 (1 committed id skipped)");
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(RecoveryContinuity, ReplayingAnIdTheClientHadIsARepeat) {
  const CheckResult result = alice_recovers({1, 2}, {2, 3, 4, 5});
  const std::vector<Anomaly> found = recovery_anomalies(result);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, AnomalyKind::recovery_repeat);
  EXPECT_EQ(found[0].id, 2);
  EXPECT_EQ(found[0].detail,
            "recovered at 70 ms (socket id \"s2\"): expected id 3 after id 2, got id 2 again (the client already had it)");
}

TEST(RecoveryContinuity, ADeviationLaterInTheReplayIsCaughtToo) {
  const std::vector<Anomaly> found = recovery_anomalies(alice_recovers({1}, {2, 3, 5}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, AnomalyKind::recovery_gap);
  EXPECT_EQ(found[0].id, 5);
}

TEST(RecoveryContinuity, OnlyTheFirstDeviationOfAConnectionIsReported) {
  const std::vector<Anomaly> found = recovery_anomalies(alice_recovers({1}, {3, 5}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, 3);
}

TEST(RecoveryContinuity, ARecoveryWithNoEarlierEventMustStartAtTheFirstCommittedId) {
  EXPECT_TRUE(recovery_anomalies(alice_recovers({}, {1, 2, 3, 4, 5})).empty());

  const std::vector<Anomaly> found = recovery_anomalies(alice_recovers({}, {2, 3, 4, 5}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, AnomalyKind::recovery_gap);
  EXPECT_EQ(found[0].detail,
            "recovered at 50 ms (socket id \"s2\"): expected id 1 as the first id (no earlier event), got id 2 "
            "(1 committed id skipped)");
}

TEST(RecoveryContinuity, AConnectionThatDidNotRecoverIsNotHeldToIt) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .renders("alice", {1, 2})
                                               .disconnected("alice")
                                               .connects("alice", "s2", /*recovered=*/false)
                                               .renders("alice", {4, 3, 5})
                                               .committed_ids({1, 2, 3, 4, 5})
                                               .finished()
                                               .build());
  EXPECT_TRUE(recovery_anomalies(result).empty());
  EXPECT_EQ(result.count(AnomalyKind::reordered), 1u);  // the rendering check still sees it
}

TEST(RecoveryContinuity, EachRecoveredConnectionIsCheckedFromWhereTheClientStood) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .renders("alice", {1})
                                               .disconnected("alice")
                                               .connects("alice", "s2", true)
                                               .renders("alice", {2})
                                               .disconnected("alice")
                                               .connects("alice", "s3", true)
                                               .renders("alice", {2, 3})
                                               .committed_ids({1, 2, 3})
                                               .finished()
                                               .build());
  const std::vector<Anomaly> found = recovery_anomalies(result);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, AnomalyKind::recovery_repeat);
  EXPECT_TRUE(found[0].detail.find("socket id \"s3\"") != std::string::npos) << found[0].detail;
}

TEST(RecoveryContinuity, AfterAReloadTheKeptOffsetIsWhereTheClientStands) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .renders("alice", {1, 2, 3})
                                               .event(history::ClientReloaded{"alice", 2})
                                               .connects("alice", "s2", true)
                                               .renders("alice", {2, 3})
                                               .committed_ids({1, 2, 3})
                                               .finished()
                                               .build());
  const std::vector<Anomaly> found = recovery_anomalies(result);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, AnomalyKind::recovery_repeat);
  EXPECT_EQ(found[0].id, 2);
}

}  // namespace
}  // namespace resync::checker

// Which committed log the checker uses for an external target (docs/HISTORY.md, "Which
// committed log"): the catch-up audit instead of a guess from what clients received, the
// database over the audit where both exist, the two compared, and a failed audit never valid.
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;
using testing::kinds_of;

// alice sends "hello" (acked, stored as id 1, delivered to both) and "nobody saw it" (acked,
// stored as id 2 and delivered to nobody): the classic case the reconstruction gets wrong.
HistoryBuilder stored_but_delivered_to_nobody() {
  HistoryBuilder history({"alice", "bob"});
  history.expect(sim::Verdict::invalid, {"lost"})
      .connects("alice", "sid-a")
      .connects("bob", "sid-b")
      .sent("alice", "hello", "alice-1")
      .acked("alice", "hello", "alice-1")
      .received("alice", 1, "hello")
      .received("bob", 1, "hello")
      .sent("alice", "nobody saw it", "alice-2")
      .acked("alice", "nobody saw it", "alice-2");
  return history;
}

TEST(CommittedLogSource, AMessageStoredButDeliveredToNobodyIsLostByEveryClientNotAcknowledgedNotStored) {
  const CheckResult audited = check_history(
      stored_but_delivered_to_nobody().audited({{1, "hello", std::nullopt}, {2, "nobody saw it", std::nullopt}}).finished().build());
  EXPECT_EQ(audited.committed_log_origin, CommittedLogOrigin::catch_up_audit);
  EXPECT_EQ(kinds_of(audited), (std::vector<AnomalyKind>{AnomalyKind::lost, AnomalyKind::lost}));
  EXPECT_EQ(audited.anomalies[0].client, "alice");
  EXPECT_EQ(audited.anomalies[0].id, 2);
  EXPECT_EQ(audited.anomalies[1].client, "bob");
  EXPECT_EQ(audited.verdict, sim::Verdict::invalid);
  EXPECT_TRUE(audited.passes());

  // The same run judged from what clients received (an older history, no audit line): the
  // guess blames the wrong promise.
  const CheckResult guessed = check_history(stored_but_delivered_to_nobody().finished().build());
  EXPECT_EQ(guessed.committed_log_origin, CommittedLogOrigin::rebuilt_by_checker);
  EXPECT_EQ(kinds_of(guessed), std::vector<AnomalyKind>{AnomalyKind::acknowledged_not_stored});
}

TEST(CommittedLogSource, AMessageLostForEverybodyIsVisibleOnlyThroughTheAudit) {
  // A plain send, never acknowledged: the server stored id 2 but broadcast it to nobody.
  const auto history = [](bool with_audit) {
    HistoryBuilder builder({"alice", "bob"});
    builder.expect(sim::Verdict::valid)
        .connects("alice", "sid-a")
        .connects("bob", "sid-b")
        .sent("alice", "one", std::nullopt)
        .received("alice", 1, "one")
        .received("bob", 1, "one")
        .sent("alice", "two", std::nullopt)
        .wait_ms(2000);
    if (with_audit) builder.audited({{1, "one", std::nullopt}, {2, "two", std::nullopt}});
    return builder.finished().build();
  };
  const CheckResult audited = check_history(history(true));
  EXPECT_EQ(kinds_of(audited), (std::vector<AnomalyKind>{AnomalyKind::lost, AnomalyKind::lost}));
  EXPECT_EQ(audited.verdict, sim::Verdict::invalid);
  // Without the audit the stored id 2 is unknown to the checker: only the send is judged.
  const CheckResult guessed = check_history(history(false));
  EXPECT_EQ(kinds_of(guessed), std::vector<AnomalyKind>{AnomalyKind::lost});
  EXPECT_EQ(guessed.anomalies[0].id, std::nullopt);  // the send, not a stored id
}

TEST(CommittedLogSource, TheTextSaysTheLogIsACatchUpAuditAndFromWhichOffset) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .start_offset(40)
                                               .connects("alice", "sid-a")
                                               .received("alice", 41, "mine")
                                               .audited({{41, "mine", std::nullopt}, {42, "unseen", std::nullopt}}, 40)
                                               .finished()
                                               .build());
  EXPECT_EQ(result.committed_log.size(), 2u);
  EXPECT_NE(summary_line(result).find("2 messages (catch-up audit from offset 40)"), std::string::npos)
      << summary_line(result);
  EXPECT_NE(failure_text(result).find("committed log: 2 messages, catch-up audit from offset 40"), std::string::npos)
      << failure_text(result);
}

TEST(CommittedLogSource, OnlyRowsAfterTheStartOffsetAreThisRunsEvenWhenTheAuditSendsOlderOnes) {
  // A server that ignores serverOffset sends its whole history to the audit client.
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::valid)
                                               .start_offset(2)
                                               .connects("alice", "sid-a")
                                               .received("alice", 3, "mine")
                                               .audited({{1, "old", std::nullopt}, {2, "old", std::nullopt},
                                                         {3, "mine", std::nullopt}},
                                                        2)
                                               .finished()
                                               .build());
  EXPECT_EQ(result.committed_log, (std::vector<history::CommittedMessage>{{3, "mine", std::nullopt}}));
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
}

TEST(CommittedLogSource, TheDatabaseIsTheCommittedLogWhenBothWereReadWhicheverLineComesFirst) {
  for (bool database_first : {true, false}) {
    HistoryBuilder builder({"alice"});
    builder.expect(sim::Verdict::valid).connects("alice", "sid-a").renders("alice", {1, 2});
    const std::vector<history::CommittedMessage> rows{{1, HistoryBuilder::content_for(1), "o1"},
                                                      {2, HistoryBuilder::content_for(2), "o2"}};
    const std::vector<history::CommittedMessage> served{{1, HistoryBuilder::content_for(1), std::nullopt},
                                                        {2, HistoryBuilder::content_for(2), std::nullopt}};
    if (database_first) builder.committed(rows).audited(served);
    if (!database_first) builder.audited(served).committed(rows);
    const CheckResult result = check_history(builder.finished().build());
    EXPECT_EQ(result.committed_log_origin, CommittedLogOrigin::database);
    EXPECT_EQ(result.committed_log, rows);  // with the client offsets only the database knows
    EXPECT_TRUE(result.anomalies.empty()) << result.anomalies.front().detail;
    EXPECT_EQ(result.verdict, sim::Verdict::valid);
    EXPECT_EQ(result.committed_log_description,
              "read from the server's database (compared with a catch-up audit from offset 0)");
  }
}

TEST(CommittedLogSource, CatchUpAndDatabaseThatDisagreeAreReportedWithTheFirstDifference) {
  const auto check = [](std::vector<history::CommittedMessage> served) {
    return check_history(HistoryBuilder({"alice"})
                             .connects("alice", "sid-a")
                             .renders("alice", {1, 2, 3})
                             .committed_ids({1, 2, 3})
                             .audited(std::move(served))
                             .finished()
                             .build());
  };
  const std::string one = HistoryBuilder::content_for(1);
  const std::string three = HistoryBuilder::content_for(3);

  const CheckResult altered = check({{1, one, std::nullopt}, {2, "forged", std::nullopt}, {3, three, std::nullopt}});
  ASSERT_EQ(kinds_of(altered), std::vector<AnomalyKind>{AnomalyKind::catch_up_disagrees_with_database});
  EXPECT_EQ(altered.anomalies[0].id, 2);
  EXPECT_EQ(altered.anomalies[0].client, "");
  EXPECT_EQ(altered.anomalies[0].detail,
            "the catch-up audit from offset 0 (3 rows) and the database (3 rows) differ at 1 id; first: id 2 is "
            "\"message-2\" in the database but \"forged\" in the catch-up");
  EXPECT_EQ(altered.verdict, sim::Verdict::invalid);

  const CheckResult missing = check({{1, one, std::nullopt}, {3, three, std::nullopt}, {4, "extra", std::nullopt}});
  ASSERT_EQ(kinds_of(missing), std::vector<AnomalyKind>{AnomalyKind::catch_up_disagrees_with_database});
  EXPECT_EQ(missing.anomalies[0].id, 2);
  EXPECT_EQ(missing.anomalies[0].detail,
            "the catch-up audit from offset 0 (3 rows) and the database (3 rows) differ at 2 ids; first: id 2 is in "
            "the database (\"message-2\") but not in the catch-up");

  const CheckResult extra = check({{1, one, std::nullopt}, {2, HistoryBuilder::content_for(2), std::nullopt},
                                   {3, three, std::nullopt}, {4, "extra", std::nullopt}});
  ASSERT_EQ(kinds_of(extra), std::vector<AnomalyKind>{AnomalyKind::catch_up_disagrees_with_database});
  EXPECT_EQ(extra.anomalies[0].detail,
            "the catch-up audit from offset 0 (4 rows) and the database (3 rows) differ at 1 id; first: id 4 came in "
            "the catch-up (\"extra\") but is not in the database");
}

TEST(CommittedLogSource, RowsBelowWhereTheAuditStartedAreNotCompared) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::valid)
                                               .start_offset(2)
                                               .connects("alice", "sid-a")
                                               .renders("alice", {3})
                                               .committed_ids({1, 2, 3})
                                               .audited({{3, HistoryBuilder::content_for(3), std::nullopt}}, 2)
                                               .finished()
                                               .build());
  EXPECT_TRUE(result.anomalies.empty()) << result.anomalies.front().detail;
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
}

TEST(CommittedLogSource, AFailedAuditFallsBackToTheReconstructionSaysSoAndIsNeverValid) {
  HistoryBuilder builder({"alice"});
  builder.expect(sim::Verdict::valid)
      .connects("alice", "sid-a")
      .sent("alice", "hello", "alice-1")
      .acked("alice", "hello", "alice-1")
      .received("alice", 1, "hello")
      .log_unavailable(history::CommittedLogSource::catch_up_audit,
                       "the catch-up of 127.0.0.1:4000 did not go quiet for 500 ms within 30000 ms (12 messages read)")
      .finished();
  const CheckResult result = check_history(builder.build());
  EXPECT_EQ(result.committed_log_origin, CommittedLogOrigin::rebuilt_by_checker);
  EXPECT_TRUE(result.anomalies.empty());
  EXPECT_EQ(result.verdict, sim::Verdict::unknown);
  EXPECT_EQ(result.status(), CheckStatus::unknown);
  EXPECT_EQ(result.unknown_reason,
            "the catch-up audit from offset 0 failed: the catch-up of 127.0.0.1:4000 did not go quiet for 500 ms "
            "within 30000 ms (12 messages read) (the committed log: rebuilt from what clients received)");
  EXPECT_NE(result.committed_log_description.find("because the catch-up audit from offset 0 failed"), std::string::npos)
      << result.committed_log_description;
  EXPECT_NE(failure_text(result).find("committed log: 1 messages, rebuilt by the checker from what clients received"),
            std::string::npos)
      << failure_text(result);
  EXPECT_NE(summary_line(result).find("(rebuilt from what clients received)"), std::string::npos);
}

TEST(CommittedLogSource, AFailedAuditStillReportsWhatTheReconstructionFinds) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "sid-a")
                                               .received("alice", 1, "hello")
                                               .received("alice", 1, "hello")
                                               .log_unavailable(history::CommittedLogSource::catch_up_audit, "cut off")
                                               .finished()
                                               .build());
  EXPECT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::duplicated});
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(CommittedLogSource, AnUnreadableDatabaseLeavesTheAuditAsTheLogAndTheRunUnknown) {
  const CheckResult result =
      check_history(HistoryBuilder({"alice"})
                        .expect(sim::Verdict::valid)
                        .connects("alice", "sid-a")
                        .renders("alice", {1})
                        .audited({{1, HistoryBuilder::content_for(1), std::nullopt}})
                        .log_unavailable(history::CommittedLogSource::database,
                                         "cannot open /tmp/x/chat.db: unable to open database file", std::nullopt)
                        .finished()
                        .build());
  EXPECT_EQ(result.committed_log_origin, CommittedLogOrigin::catch_up_audit);
  EXPECT_EQ(result.verdict, sim::Verdict::unknown);
  EXPECT_NE(result.unknown_reason.find("the target's database could not be read: cannot open /tmp/x/chat.db"),
            std::string::npos)
      << result.unknown_reason;
}

}  // namespace
}  // namespace resync::checker

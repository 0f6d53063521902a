#include "sim/checker/check_history.hpp"

#include <gtest/gtest.h>

#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;
using testing::kinds_of;

TEST(CheckHistory, ValidWhenEveryClientRendersTheWholeLogInOrder) {
  const CheckResult result = check_history(HistoryBuilder({"alice", "bob"})
                                               .renders("alice", {1, 2, 3})
                                               .renders("bob", {1, 2, 3})
                                               .committed_ids({1, 2, 3})
                                               .finished()
                                               .build());
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
  EXPECT_TRUE(result.anomalies.empty());
  EXPECT_TRUE(result.passes());
  EXPECT_EQ(result.committed_log.size(), 3u);
  EXPECT_EQ(result.committed_log_origin, CommittedLogOrigin::database);
  ASSERT_EQ(result.clients.size(), 2u);
  EXPECT_EQ(result.clients[1].client, "bob");
  EXPECT_EQ(result.clients[1].rendered.size(), 3u);
}

TEST(CheckHistory, LostIdIsOneAnomalyWithoutPositions) {
  const CheckResult result =
      check_history(HistoryBuilder({"alice"}).renders("alice", {1, 3}).committed_ids({1, 2, 3}).finished().build());
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
  ASSERT_EQ(result.anomalies.size(), 1u);
  const Anomaly& lost = result.anomalies[0];
  EXPECT_EQ(lost.kind, AnomalyKind::lost);
  EXPECT_EQ(lost.client, "alice");
  EXPECT_EQ(lost.id, 2);
  EXPECT_TRUE(lost.positions.empty());
  EXPECT_EQ(lost.detail, "never rendered; stored \"message-2\" (log index 1)");
}

TEST(CheckHistory, DuplicatedIdListsEveryPositionAndIsNotAlsoReordered) {
  const CheckResult result = check_history(
      HistoryBuilder({"alice"}).renders("alice", {1, 2, 3, 2, 4}).committed_ids({1, 2, 3, 4}).finished().build());
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::duplicated});
  EXPECT_EQ(result.anomalies[0].id, 2);
  EXPECT_EQ(result.anomalies[0].positions, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(result.anomalies[0].detail, "rendered 2 times, at positions 1, 3");
}

TEST(CheckHistory, ReorderedIdNamesTheHigherIdItFollowed) {
  const CheckResult result =
      check_history(HistoryBuilder({"alice"}).renders("alice", {1, 3, 2}).committed_ids({1, 2, 3}).finished().build());
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::reordered});
  EXPECT_EQ(result.anomalies[0].id, 2);
  EXPECT_EQ(result.anomalies[0].positions, std::vector<std::size_t>{2});
  EXPECT_EQ(result.anomalies[0].detail, "rendered at position 2 after id 3 (position 1)");
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(CheckHistory, UnexpectedIdIsReportedAndDoesNotDisturbTheOrderCheck) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .renders("alice", {1})
                                               .received("alice", 99, "ghost")
                                               .renders("alice", {2})
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::unexpected});
  EXPECT_EQ(result.anomalies[0].id, 99);
  EXPECT_EQ(result.anomalies[0].positions, std::vector<std::size_t>{1});
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(CheckHistory, AlteredContentShowsBothVersions) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .renders("alice", {1})
                                               .received("alice", 2, "tampered")
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::altered});
  EXPECT_EQ(result.anomalies[0].id, 2);
  EXPECT_EQ(result.anomalies[0].positions, std::vector<std::size_t>{1});
  EXPECT_EQ(result.anomalies[0].detail, "rendered \"tampered\" but stored \"message-2\", at position(s) 1");
}

TEST(CheckHistory, AcknowledgedButNotStoredIsAGlobalAnomalyOfTheAckingClient) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .sent("alice", "message-1", "o1")
                                               .acked("alice", "message-1", "o1")
                                               .sent("alice", "gone", "o9")
                                               .acked("alice", "gone", "o9")
                                               .acked("alice", "gone", "o9")  // a retry's late ack: still one
                                               .renders("alice", {1})
                                               .committed_ids({1})
                                               .finished()
                                               .build());
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::acknowledged_not_stored});
  const Anomaly& anomaly = result.anomalies[0];
  EXPECT_EQ(anomaly.client, "alice");
  EXPECT_FALSE(anomaly.id);
  EXPECT_EQ(anomaly.t_ms, 40);
  EXPECT_EQ(anomaly.detail, "acknowledged at 40 ms: \"gone\" (client_offset \"o9\"), not in the committed log");
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(CheckHistory, SentButUnknownIsInformationalAndCountsRetriesAsOneSend) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .sent("alice", "lost in transit", std::nullopt)
                                               .sent("alice", "retried", "o7", 1)
                                               .sent("alice", "retried", "o7", 2)
                                               .event(history::SendAbandoned{"alice", "retried", "o7", "retries exhausted"})
                                               .sent("alice", "message-1", std::nullopt)  // stored: fine
                                               .renders("alice", {1})
                                               .committed_ids({1})
                                               .finished()
                                               .build());
  ASSERT_EQ(kinds_of(result), (std::vector<AnomalyKind>{AnomalyKind::sent_unknown, AnomalyKind::sent_unknown}));
  EXPECT_EQ(result.anomalies[0].detail,
            "sent \"lost in transit\" (no client_offset) 1 time from 10 ms, never acknowledged, not in the committed "
            "log; could have been eaten: it was written while alice had no open connection");
  EXPECT_EQ(result.anomalies[1].detail,
            "sent \"retried\" (client_offset \"o7\") 2 times from 20 ms, never acknowledged, not in the committed log; "
            "abandoned: retries exhausted; could have been eaten: it was written while alice had no open connection");
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
  EXPECT_FALSE(result.passes());  // sent_unknown was not allowed
  EXPECT_TRUE(result.passes({sim::Verdict::valid, {}, {"sent_unknown"}}));
}

TEST(CheckHistory, NoConvergenceInTheSimulatorIsAnInvalidatingAnomaly) {
  const CheckResult result = check_history(HistoryBuilder({"alice"}, "sim")
                                               .renders("alice", {1})
                                               .committed_ids({1})
                                               .finished(false, "alice still reconnecting")
                                               .build());
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::no_convergence});
  EXPECT_EQ(result.anomalies[0].client, "");
  EXPECT_EQ(result.anomalies[0].detail, "alice still reconnecting");
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(CheckHistory, NoConvergenceInLiveModeIsUnknown) {
  const CheckResult result = check_history(HistoryBuilder({"alice"}, "live")
                                               .renders("alice", {1})
                                               .committed_ids({1})
                                               .finished(false, "quiet period never reached")
                                               .build());
  EXPECT_EQ(result.verdict, sim::Verdict::unknown);
  EXPECT_EQ(result.unknown_reason, "the run did not converge (live mode): quiet period never reached");
  EXPECT_EQ(result.count(AnomalyKind::no_convergence), 1u);
  EXPECT_EQ(result.status(), CheckStatus::unknown);
}

TEST(CheckHistory, MissingRunFinishedIsUnknownEvenWithoutAnomalies) {
  const CheckResult result =
      check_history(HistoryBuilder({"alice"}).renders("alice", {1}).committed_ids({1}).build());
  EXPECT_EQ(result.verdict, sim::Verdict::unknown);
  EXPECT_EQ(result.unknown_reason, "the history has no run_finished line: the run did not finish (killed or crashed)");
}

TEST(CheckHistory, ServerFailedIsUnknownAndKeepsTheServersOutput) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .event(history::ServerFailed{"error: bind: address in use\nexiting"})
                                               .committed({})
                                               .finished(false, "server never started")
                                               .build());
  EXPECT_EQ(result.verdict, sim::Verdict::unknown);
  EXPECT_EQ(result.unknown_reason, "the server could not start: error: bind: address in use ...");
  EXPECT_EQ(result.server_error_output, "error: bind: address in use\nexiting");
}

TEST(CheckHistory, AReloadStartsANewRenderedList) {
  const CheckResult complete = check_history(HistoryBuilder({"alice"})
                                                 .renders("alice", {1, 2})
                                                 .reloaded("alice")
                                                 .renders("alice", {1, 2, 3})
                                                 .committed_ids({1, 2, 3})
                                                 .finished()
                                                 .build());
  EXPECT_EQ(complete.verdict, sim::Verdict::valid);
  EXPECT_EQ(complete.clients[0].reload_count, 1u);

  // What was rendered before the reload no longer counts: 1 and 2 are gone from the page.
  const CheckResult partial = check_history(HistoryBuilder({"alice"})
                                                .renders("alice", {1, 2})
                                                .reloaded("alice")
                                                .renders("alice", {3})
                                                .committed_ids({1, 2, 3})
                                                .finished()
                                                .build());
  ASSERT_EQ(kinds_of(partial), (std::vector<AnomalyKind>{AnomalyKind::lost, AnomalyKind::lost}));
  EXPECT_EQ(partial.anomalies[0].id, 1);
  EXPECT_EQ(partial.anomalies[1].id, 2);
}

TEST(CheckHistory, LinesTheDedupePolicyDidNotRenderAreIgnored) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .renders("alice", {1, 2})
                                               .received("alice", 2, "message-2", /*rendered=*/false)
                                               .received("alice", 1, "message-1", /*rendered=*/false)
                                               .renders("alice", {3})
                                               .committed_ids({1, 2, 3})
                                               .finished()
                                               .build());
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
  EXPECT_EQ(result.clients[0].ignored_since_reload, 2u);
}

TEST(CheckHistory, CombinedAnomaliesAreSortedByKindThenClientThenId) {
  const auto build = [] {
    return HistoryBuilder({"zed", "alice"})
        .renders("alice", {1, 3, 2, 3})
        .renders("zed", {2, 1})
        .received("zed", 77, "ghost")
        .received("alice", 50, "ghost")
        .committed_ids({1, 2, 3, 4})
        .finished(false, "still busy")
        .build();
  };
  const CheckResult result = check_history(build());
  std::vector<std::tuple<AnomalyKind, std::string, std::optional<std::int64_t>>> keys;
  for (const Anomaly& anomaly : result.anomalies) keys.emplace_back(anomaly.kind, anomaly.client, anomaly.id);
  using Kind = AnomalyKind;
  const std::vector<std::tuple<AnomalyKind, std::string, std::optional<std::int64_t>>> expected{
      {Kind::lost, "zed", 3},          {Kind::lost, "zed", 4},           {Kind::lost, "alice", 4},
      {Kind::duplicated, "alice", 3},  {Kind::reordered, "zed", 1},      {Kind::reordered, "alice", 2},
      {Kind::unexpected, "zed", 77},   {Kind::unexpected, "alice", 50},  {Kind::no_convergence, "", std::nullopt},
  };
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(check_history(build()).anomalies, result.anomalies);  // deterministic
}

TEST(CheckHistory, PassesNeedsTheVerdictAndEveryExpectedKind) {
  const history::History history =
      HistoryBuilder({"alice"}).renders("alice", {1, 1}).committed_ids({1, 2}).finished().build();
  const CheckResult result = check_history(history);
  ASSERT_EQ(result.verdict, sim::Verdict::invalid);

  EXPECT_TRUE(result.passes({sim::Verdict::invalid, {"lost", "duplicated"}, {}}));
  EXPECT_TRUE(result.passes({sim::Verdict::invalid, {"duplicated"}, {"lost"}}));
  EXPECT_FALSE(result.passes({sim::Verdict::invalid, {"lost", "duplicated", "reordered"}, {}}));
  EXPECT_FALSE(result.passes({sim::Verdict::valid, {}, {}}));
  EXPECT_EQ(result.expected_kinds_not_reported({sim::Verdict::invalid, {"reordered", "lost", "losst"}, {}}),
            (std::vector<std::string>{"reordered", "losst"}));
  EXPECT_EQ(result.status({sim::Verdict::invalid, {"reordered", "lost", "duplicated"}, {}}), CheckStatus::failed);
  EXPECT_EQ(result.status({sim::Verdict::invalid, {"duplicated", "lost"}, {}}), CheckStatus::passed);
}

TEST(CheckHistory, ExpectedKindsAreTheExactSetAndAnExtraKindIsNamed) {
  const CheckResult result = check_history(
      HistoryBuilder({"alice"}).renders("alice", {1, 1}).committed_ids({1, 2}).finished().build());
  ASSERT_EQ(result.verdict, sim::Verdict::invalid);
  const sim::Expectation only_duplicated{sim::Verdict::invalid, {"duplicated"}, {}};
  EXPECT_FALSE(result.passes(only_duplicated));
  EXPECT_EQ(result.status(only_duplicated), CheckStatus::failed);
  EXPECT_EQ(result.unexpected_kinds_reported(only_duplicated), std::vector<std::string>{"lost"});
  EXPECT_EQ(result.unexpected_kinds_reported({sim::Verdict::invalid, {}, {}}),
            (std::vector<std::string>{"lost", "duplicated"}));  // in kind order
  EXPECT_TRUE(result.unexpected_kinds_reported({sim::Verdict::invalid, {"duplicated"}, {"lost"}}).empty());
  EXPECT_FALSE(result.passes({sim::Verdict::invalid, {}, {}}));
}

TEST(CheckHistory, AnInformationalKindMustBeAllowedByAValidExpectation) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .sent("alice", "never connected", std::nullopt)
                                               .committed({})
                                               .finished()
                                               .build());
  ASSERT_EQ(result.verdict, sim::Verdict::valid);
  ASSERT_EQ(result.count(AnomalyKind::sent_unknown), 1u);
  EXPECT_FALSE(result.passes({sim::Verdict::valid, {}, {}}));
  EXPECT_EQ(result.status({sim::Verdict::valid, {}, {}}), CheckStatus::failed);
  EXPECT_TRUE(result.passes({sim::Verdict::valid, {}, {"sent_unknown"}}));
  EXPECT_TRUE(result.passes({sim::Verdict::valid, {"sent_unknown"}, {}}));
}

TEST(CheckHistory, EveryKindHasTheNameScenariosUse) {
  const std::vector<std::pair<AnomalyKind, std::string_view>> names{
      {AnomalyKind::lost, "lost"},
      {AnomalyKind::duplicated, "duplicated"},
      {AnomalyKind::reordered, "reordered"},
      {AnomalyKind::unexpected, "unexpected"},
      {AnomalyKind::altered, "altered"},
      {AnomalyKind::acknowledged_not_stored, "acknowledged_not_stored"},
      {AnomalyKind::sent_unknown, "sent_unknown"},
      {AnomalyKind::recovery_gap, "recovery_gap"},
      {AnomalyKind::recovery_repeat, "recovery_repeat"},
      {AnomalyKind::server_crashed, "server_crashed"},
      {AnomalyKind::no_convergence, "no_convergence"},
      {AnomalyKind::catch_up_disagrees_with_database, "catch_up_disagrees_with_database"},
      {AnomalyKind::stored_twice, "stored_twice"},
  };
  ASSERT_EQ(names.size(), all_anomaly_kinds.size());
  for (const auto& [kind, name] : names) {
    EXPECT_EQ(anomaly_kind_name(kind), name);
    EXPECT_EQ(anomaly_kind_from_name(name), kind);
  }
  EXPECT_EQ(anomaly_kind_from_name("losst"), std::nullopt);
}

TEST(CheckHistory, PassesUsesTheExpectationTheRunRecorded) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::invalid, {"lost"})
                                               .renders("alice", {1})
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  EXPECT_TRUE(result.passes());
  EXPECT_EQ(result.status(), CheckStatus::passed);
}

TEST(CheckHistory, AnUnknownVerdictCanBeExpected) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::unknown)
                                               .event(history::ServerFailed{"no such binary"})
                                               .build());
  EXPECT_EQ(result.status(), CheckStatus::passed);
}

TEST(CheckHistory, WithoutACommittedLogLineTheLogIsRebuiltFromObservations) {
  const CheckResult result = check_history(HistoryBuilder({"alice", "bob"})
                                               .sent("alice", "hello", "a-1")
                                               .acked("alice", "hello", "a-1")
                                               .sent("alice", "vanished", "a-2")
                                               .acked("alice", "vanished", "a-2")
                                               .received("alice", 2, "hello")
                                               .received("bob", 2, "hello")
                                               .received("bob", 1, "earlier")
                                               .received("alice", 3, "changed", /*rendered=*/false)
                                               .received("bob", 3, "original")
                                               .finished()
                                               .build());
  EXPECT_EQ(result.committed_log_origin, CommittedLogOrigin::rebuilt_by_checker);
  EXPECT_EQ(result.committed_log, (std::vector<history::CommittedMessage>{
                                      {1, "earlier", std::nullopt}, {2, "hello", std::nullopt},
                                      {3, "changed", std::nullopt}}));  // first observation wins
  std::vector<std::tuple<AnomalyKind, std::string, std::optional<std::int64_t>>> keys;
  for (const Anomaly& anomaly : result.anomalies) keys.emplace_back(anomaly.kind, anomaly.client, anomaly.id);
  using Kind = AnomalyKind;
  const std::vector<std::tuple<AnomalyKind, std::string, std::optional<std::int64_t>>> expected{
      {Kind::lost, "alice", 1},    {Kind::lost, "alice", 3},
      {Kind::reordered, "bob", 1}, {Kind::altered, "bob", 3},
      {Kind::acknowledged_not_stored, "alice", std::nullopt},
  };
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(result.anomalies.back().detail,
            "acknowledged at 40 ms: \"vanished\" (client_offset \"a-2\"), never received by any client");
}

TEST(CheckHistory, AnObservedLogWrittenByTheRunnerIsUsedAsWritten) {
  const CheckResult result = check_history(
      HistoryBuilder({"alice"})
          .sent("alice", "hi", "a-1")
          .acked("alice", "hi", "a-1")
          .received("alice", 5, "hi")
          .committed({{5, "hi", std::nullopt}, {6, "from elsewhere", std::nullopt}}, history::CommittedLogSource::observed)
          .finished()
          .build());
  EXPECT_EQ(result.committed_log_origin, CommittedLogOrigin::observed_by_runner);
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::lost});
  EXPECT_EQ(result.anomalies[0].id, 6);
}

TEST(CheckHistory, ClientsMissingFromRunStartedAreCheckedToo) {
  const CheckResult result = check_history(
      HistoryBuilder({"alice"}).renders("alice", {1}).renders("stranger", {1, 1}).committed_ids({1}).finished().build());
  ASSERT_EQ(result.clients.size(), 2u);
  EXPECT_EQ(result.clients[1].client, "stranger");
  ASSERT_EQ(kinds_of(result), std::vector<AnomalyKind>{AnomalyKind::duplicated});
  EXPECT_EQ(result.anomalies[0].client, "stranger");
}

TEST(CheckHistory, AClientThatNeverRenderedAnythingLostEverything) {
  const CheckResult result =
      check_history(HistoryBuilder({"alice", "late"}).renders("alice", {1, 2}).committed_ids({1, 2}).finished().build());
  EXPECT_EQ(result.count(AnomalyKind::lost), 2u);
  EXPECT_EQ(result.anomalies[0].client, "late");
}

TEST(CheckHistory, CountsFaultsAndTakesTheDurationFromTheLastLine) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .fault_started("cut")
                                               .event(history::FaultChanged{"cut", "heal", "", nullptr})
                                               .fault_started("slow")
                                               .committed({})
                                               .finished()
                                               .build());
  EXPECT_EQ(result.fault_count, 2u);
  EXPECT_EQ(result.duration_ms, 50);
}

}  // namespace
}  // namespace resync::checker

#include "sim/checker/check_text.hpp"

#include <gtest/gtest.h>

#include "sim/checker/quoted_text.hpp"
#include "sim/checker/scenario_outcome.hpp"
#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::contains;
using testing::HistoryBuilder;

TEST(CheckText, SummaryLineListsVerdictExpectationStatusAndOnlyTheKindsThatOccurred) {
  const CheckResult result = check_history(HistoryBuilder({"alice", "bob", "carol"})
                                               .scenario("burst")
                                               .fault_started("cut")
                                               .renders("alice", {1, 2})
                                               .renders("bob", {1, 2})
                                               .renders("carol", {1})
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  EXPECT_EQ(summary_line(result),
            "scenario burst: invalid (expected valid) FAIL \u2014 3 clients, 2 messages, 1 faults, lost 1");
}

TEST(CheckText, SummaryLineOfACleanRunSaysSo) {
  const CheckResult result = check_history(
      HistoryBuilder({"alice"}).scenario("calm").renders("alice", {1}).committed_ids({1}).finished().build());
  EXPECT_EQ(summary_line(result),
            "scenario calm: valid (expected valid) PASS \u2014 1 clients, 1 messages, 0 faults, no anomalies");
}

TEST(CheckText, SummaryLineCountsSeveralKindsInKindOrder) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .scenario("messy")
                                               .expect(sim::Verdict::invalid, {"lost", "duplicated"})
                                               .renders("alice", {2, 2})
                                               .committed_ids({1, 2, 3, 4})
                                               .finished()
                                               .build());
  EXPECT_EQ(summary_line(result), "scenario messy: invalid (expected invalid with lost, duplicated) PASS \u2014 "
                                  "1 clients, 4 messages, 0 faults, lost 3, duplicated 1");
}

TEST(CheckText, SummaryLineOfAnExpectedCatch) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .scenario("tutorial-loses")
                                               .expect(sim::Verdict::invalid, {"lost"})
                                               .renders("alice", {1})
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  EXPECT_EQ(summary_line(result).rfind("scenario tutorial-loses: invalid (expected invalid with lost) PASS \u2014 ", 0),
            0u)
      << summary_line(result);
  EXPECT_EQ(failure_text(result), "");
}

TEST(CheckText, FailureTextListsAnomaliesCappedPerKindAndTheReplayCommands) {
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 1; id <= 30; ++id) ids.push_back(id);
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::valid)
                                               .renders("alice", {1, 1})
                                               .committed_ids(ids)
                                               .finished()
                                               .build());
  const std::string text = failure_text(result, 5);
  EXPECT_TRUE(contains(text, "scenario hand-written (scenarios/hand-written.json) FAIL: verdict invalid, expected valid\n"))
      << text;
  EXPECT_TRUE(contains(text, "  lost: 29\n    alice: id 2: never rendered; stored \"message-2\" (log index 1)\n")) << text;
  EXPECT_TRUE(contains(text, "    ... and 24 more lost\n")) << text;
  EXPECT_TRUE(contains(text, "  duplicated: 1\n    alice: id 1: rendered 2 times, at positions 0, 1\n")) << text;
  EXPECT_TRUE(contains(text, "(positions count from 0")) << text;
  EXPECT_TRUE(contains(text, "  replay (sim): resync sim scenarios/hand-written.json --seed 7\n")) << text;
  EXPECT_TRUE(contains(text, "  replay (live): resync run scenarios/hand-written.json --seed 7\n")) << text;
  EXPECT_TRUE(contains(text, "  committed log: 30 messages, read from the server's database\n")) << text;
  EXPECT_EQ(failure_headline(result),
            "root cause (first of 2): alice rendered id 1 twice: the same messages were delivered twice with no "
            "reconnect between the two at 20 ms \u2014 "
            "invalid (expected valid): lost 29, duplicated 1; reported but not expected: lost, duplicated");
  // The cause leads the text, before the symptoms; the loss has no time, so it comes second.
  EXPECT_LT(text.find("  root cause (first of 2): alice rendered id 1 twice"), text.find("  lost: 29\n")) << text;
  EXPECT_EQ(root_cause_lines(result).size(), 1U);  // one line per client: alice's earliest
}

TEST(CheckText, TheDuplicateCascadeIsOneRootCauseLineAndEveryAnomalyStaysBelow) {
  std::vector<std::int64_t> ids;
  for (std::int64_t id = 1; id <= 1075; ++id) ids.push_back(id);
  HistoryBuilder builder({"bob"});
  builder.expect(sim::Verdict::valid).connects("bob", "s1");
  for (std::int64_t id = 1; id <= 100; ++id) builder.renders("bob", {id});
  builder.disconnected("bob").connects("bob", "s2").renders("bob", {1075});
  for (std::int64_t id = 101; id <= 1075; ++id) builder.renders("bob", {id});
  builder.fault("cut", {{"type", "latency"}, {"stream", "downstream"}});
  const CheckResult result = check_history(builder.committed_ids(ids).finished().build());
  const std::string text = failure_text(result, 2);
  const std::vector<std::string> lines = root_cause_lines(result);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].rfind("root cause (first of 1): bob received ids 101..1074 after 1075 (position 100): the "
                           "catch-up after its reconnect at ",
                           0),
            0U)
      << lines[0];
  EXPECT_TRUE(contains(text, "  " + lines[0] + "\n")) << text;
  EXPECT_TRUE(contains(text, "  reordered: 974\n    bob: id 101: rendered at position 101 after id 1075 (position 100)\n"))
      << text;
  EXPECT_TRUE(contains(text, "    ... and 972 more reordered\n")) << text;
  EXPECT_TRUE(contains(failure_headline(result), lines[0] + " \u2014 ")) << failure_headline(result);
}

TEST(CheckText, TheRootCauseLineNamesTheActiveFault) {
  CheckResult result;
  RootCause cause;
  cause.explanation = "bob never rendered ids 3..5: they never arrived, and it did not reconnect";
  cause.t_ms = 480;
  cause.active_fault = "reset_peer \"cut\" (started at 400 ms, never healed)";
  result.root_causes = {cause, cause};
  EXPECT_EQ(root_cause_line(result, cause),
            "root cause (first of 2): bob never rendered ids 3..5: they never arrived, and it did not reconnect at "
            "480 ms, during reset_peer \"cut\" (started at 400 ms, never healed)");
}

TEST(CheckText, FailureTextNamesExpectedKindsThatWereNotReported) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::invalid, {"duplicated"})
                                               .renders("alice", {2})
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  EXPECT_TRUE(contains(failure_text(result),
                       "  expected but not reported: duplicated\n  reported but not expected: lost\n"))
      << failure_text(result);
  EXPECT_EQ(failure_headline(result),
            "root cause (first of 1): alice never rendered id 1: they never arrived, and it did not reconnect at "
            "10 ms \u2014 invalid (expected invalid with duplicated): lost 1; expected but not reported: duplicated; "
            "reported but not expected: lost");
}

TEST(CheckText, AnExtraKindFailsARightVerdictAndIsNamed) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .expect(sim::Verdict::invalid, {"duplicated"})
                                               .renders("alice", {1, 1})
                                               .committed_ids({1, 2})
                                               .finished()
                                               .build());
  ASSERT_EQ(result.verdict, sim::Verdict::invalid);
  EXPECT_EQ(result.status(), CheckStatus::failed);
  EXPECT_EQ(failure_headline(result),
            "root cause (first of 2): alice rendered id 1 twice: the same messages were delivered twice with no "
            "reconnect between the two at 20 ms \u2014 "
            "invalid (expected invalid with duplicated): lost 1, duplicated 1; reported but not expected: lost");
  EXPECT_TRUE(contains(failure_text(result), "FAIL: verdict invalid, expected invalid with duplicated\n"))
      << failure_text(result);
  EXPECT_TRUE(contains(failure_text(result), "  reported but not expected: lost\n")) << failure_text(result);
}

TEST(CheckText, TheExpectationShowsWhatItAllows) {
  EXPECT_EQ(expectation_text({sim::Verdict::invalid, {"lost"}, {"sent_unknown", "duplicated"}}),
            "invalid with lost (allowing sent_unknown, duplicated)");
  EXPECT_EQ(expectation_text({sim::Verdict::valid, {}, {"sent_unknown"}}), "valid (allowing sent_unknown)");
}

TEST(CheckText, ALostSendWithoutAnIdIsListedByClient) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .event(history::ClientConnecting{"alice", 1})
                                               .event(history::ClientConnected{"alice", "s1", nullptr, false})
                                               .sent("alice", "dropped", std::nullopt)
                                               .wait_ms(2000)
                                               .committed({})
                                               .finished()
                                               .build());
  ASSERT_EQ(result.count(AnomalyKind::lost), 1u);
  const std::string text = failure_text(result);
  EXPECT_TRUE(contains(text, "  lost: 1\n    alice: sent \"dropped\" (no client_offset) 1 time from 30 ms")) << text;
}

TEST(CheckText, FailureTextOfAnUnknownRunShowsWhyAndTheServersOutput) {
  const CheckResult result =
      check_history(HistoryBuilder({"alice"})
                        .event(history::ServerFailed{"listen: address in use\n\x1b[31mfatal\x1b[0m"})
                        .build());
  const std::string text = failure_text(result);
  EXPECT_TRUE(contains(text, " UNKNOWN: verdict unknown, expected valid\n")) << text;
  EXPECT_TRUE(contains(text, "  unknown: the server could not start: listen: address in use ...\n")) << text;
  // Terminal escapes from the server are shown, not obeyed.
  EXPECT_TRUE(contains(text, "  server output:\n    listen: address in use\n    \\u001b[31mfatal\\u001b[0m\n")) << text;
}

TEST(CheckText, QuotedTextIsSafeToPrint) {
  EXPECT_EQ(quote_text("plain"), "\"plain\"");
  EXPECT_EQ(quote_text("tab\there \"q\""), "\"tab\\there \\\"q\\\"\"");
  EXPECT_EQ(quote_text("bad \xFF byte"), "\"bad \xEF\xBF\xBD byte\"");
  EXPECT_EQ(quote_text("abcdefgh", 4), "\"abcd...\"");
  EXPECT_EQ(quote_text("a\xC4\x9F\xC4\x9F", 2), "\"a...\"");  // never half a character
  EXPECT_EQ(first_line_of("one\r\ntwo"), "one ...");
}

ScenarioOutcome outcome_with(sim::Verdict expected, HistoryBuilder builder, std::vector<std::string> kinds = {}) {
  return outcome_from_result(check_history(builder.expect(expected, std::move(kinds)).build()), "h.jsonl");
}

TEST(RunExitCode, ZeroOnlyWhenEveryScenarioPasses) {
  const auto valid_run = [] { return HistoryBuilder({"a"}).renders("a", {1}).committed_ids({1}).finished(); };
  const auto lossy_run = [] { return HistoryBuilder({"a"}).committed_ids({1}).finished(); };
  const auto killed_run = [] { return HistoryBuilder({"a"}).committed_ids({1}); };

  const ScenarioOutcome passed = outcome_with(sim::Verdict::valid, valid_run());
  const ScenarioOutcome caught = outcome_with(sim::Verdict::invalid, lossy_run(), {"lost"});
  const ScenarioOutcome failed = outcome_with(sim::Verdict::valid, lossy_run());
  const ScenarioOutcome missed_bug = outcome_with(sim::Verdict::invalid, valid_run());
  const ScenarioOutcome unknown = outcome_with(sim::Verdict::valid, killed_run());
  const ScenarioOutcome unreadable = outcome_from_error("x", "x.jsonl", "x.jsonl:1: not valid JSON");

  EXPECT_EQ(run_exit_code({}), 0);
  EXPECT_EQ(run_exit_code({passed, caught}), 0);
  EXPECT_EQ(run_exit_code({passed, failed}), 1);
  EXPECT_EQ(run_exit_code({missed_bug}), 1);
  EXPECT_EQ(run_exit_code({passed, unknown}), 2);
  EXPECT_EQ(run_exit_code({unreadable}), 2);
  EXPECT_EQ(run_exit_code({unknown, failed}), 1);  // a found bug outranks an undecided run
  EXPECT_EQ(outcome_status(unreadable), CheckStatus::unknown);
  EXPECT_EQ(passed.scenario_name, "hand-written");
  EXPECT_EQ(passed.duration_seconds, 0.03);
}

}  // namespace
}  // namespace resync::checker

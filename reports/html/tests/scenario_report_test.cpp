// The report's data for one scenario: golden structure (keys, lanes, counts), not bytes.
#include "reports/html/scenario_report.hpp"

#include <gtest/gtest.h>

#include "reports/html/scenario_analysis.hpp"
#include "reports/html/tests/report_test_histories.hpp"
#include "reports/html/timeline_model.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

ScenarioReport report_of(const testing::TimedHistory& timed) {
  const history::History history = timed.build();
  return build_scenario_report(history, checker::check_history(history), "runs/race/history.jsonl");
}

TEST(ScenarioSummary, SaysWhatHappenedAndWhetherItWasExpected) {
  const ScenarioReport report = report_of(testing::race_after_reconnect());
  const ScenarioSummary& summary = report.summary;
  EXPECT_EQ(summary.name, "race-after-reconnect");
  EXPECT_EQ(summary.verdict, "invalid");
  EXPECT_EQ(summary.expected, "valid");
  EXPECT_EQ(summary.status, checker::CheckStatus::failed);
  // The row shows verdict and expectation in their own columns: the headline adds only why.
  EXPECT_EQ(summary.headline, "reported but not expected: duplicated, reordered");
  EXPECT_EQ(summary.anomaly_counts[static_cast<std::size_t>(checker::AnomalyKind::duplicated)], 1u);
  EXPECT_EQ(summary.anomaly_counts[static_cast<std::size_t>(checker::AnomalyKind::reordered)], 1u);
  EXPECT_EQ(summary.clients, 2u);
  EXPECT_EQ(summary.messages, 5u);
  EXPECT_EQ(summary.faults, 1u);
  EXPECT_EQ(summary.duration_ms, 600);
  EXPECT_EQ(summary.seed, "18446744073709551615");
  EXPECT_EQ(summary.mode, "sim");
}

TEST(ScenarioTriage, WithoutRootCausesTheEarliestAnomalyIsTheRootAndTheWorstClientHasTheMost) {
  const ScenarioReport report = report_of(testing::race_after_reconnect());
  ASSERT_TRUE(report.triage.root);
  const RootLine& root = *report.triage.root;
  EXPECT_EQ(root.client, "bob");
  EXPECT_EQ(root.t_ms, 511) << "id 4 after 5 (the reordering) is the earliest anomaly; the copy of 5 comes at 512";
  EXPECT_EQ(report.triage.worst_client, "bob");
  EXPECT_EQ(report.triage.worst_client_anomalies, 2u);
  EXPECT_EQ(report.details["triage"]["root"]["link"], "#race-after-reconnect/bob/511");
  EXPECT_NE(root_line_text(root).find("bob \u00B7 "), std::string::npos) << root_line_text(root);
}

TEST(ScenarioTriage, TheCheckersRootCauseWinsOverTheEarliestAnomaly) {
  const history::History history = testing::race_after_reconnect().build();
  checker::CheckResult result = checker::check_history(history);
  checker::RootCause cause;
  cause.kind = checker::AnomalyKind::reordered;
  cause.client = "alice";
  cause.t_ms = 42;
  cause.span_first_id = 101;
  cause.span_last_id = 1074;
  cause.active_fault = "reset_peer \"bob-link\"";
  cause.explanation = "alice received ids 101..1074 after 1075";
  result.root_causes = {cause, cause};
  const ScenarioTriage triage = build_scenario_report(history, result, "h.jsonl").triage;
  ASSERT_TRUE(triage.root);
  EXPECT_EQ(root_line_text(*triage.root),
            "alice \u00B7 reordered \u00B7 ids 101..1074 \u00B7 at 42 ms \u00B7 during reset_peer \"bob-link\" \u00B7 "
            "alice received ids 101..1074 after 1075");
  EXPECT_EQ(triage.root->other_causes, 1u);
}

TEST(ScenarioTriage, DeepLinksEncodeEveryPart) {
  EXPECT_EQ(deep_link("reconnect-storm", "bob", 4800), "#reconnect-storm/bob/4800");
  EXPECT_EQ(deep_link("a/b c", "", 0), "#a%2Fb%20c//0");
}

TEST(ScenarioDetails, CarryReplayCommandsAndTheAnomalyTable) {
  const json details = report_of(testing::race_after_reconnect()).details;
  EXPECT_EQ(details["replay"]["sim"], "resync run scenarios/race-after-reconnect.json --mode sim --seed 7");
  EXPECT_EQ(details["replay"]["live"], "resync run scenarios/race-after-reconnect.json --seed 7");
  EXPECT_EQ(details["seed"], "18446744073709551615");
  EXPECT_EQ(details["anomalies"]["total"], 2);
  ASSERT_EQ(details["anomalies"]["rows"].size(), 2u);
  const json& duplicated = details["anomalies"]["rows"][0];
  EXPECT_EQ(details["kinds"][duplicated[0].get<std::size_t>()], "duplicated");
  EXPECT_EQ(duplicated[1], "bob");
  EXPECT_EQ(duplicated[2], 5);
  EXPECT_EQ(duplicated[3], 512) << "placed where the second rendering happened";
  EXPECT_EQ(details["recoveries"], json::parse(R"([[300, "heal bob-link"]])"));
}

TEST(ScenarioDetails, TimelineHasServerProxyAndOneLanePerClient) {
  const json timeline = report_of(testing::race_after_reconnect()).details["timeline"];
  EXPECT_EQ(timeline["end_ms"], 600);
  EXPECT_EQ(timeline["server"]["up"], json::parse("[[0, 600, 1]]"));
  ASSERT_EQ(timeline["lanes"].size(), 2u);
  ASSERT_EQ(timeline["faults"].size(), 1u);
  const json& fault = timeline["faults"][0];
  EXPECT_EQ(fault[0], 100);
  EXPECT_EQ(fault[1], 300);
  EXPECT_EQ(fault[2], "bob-link");
  EXPECT_EQ(fault[3], "reset_peer");
  EXPECT_EQ(fault[6], true) << "healed";
  EXPECT_EQ(fault[8], 1) << "targets bob's lane";
  EXPECT_EQ(timeline["phases"].size(), 3u);

  const json& bob = timeline["lanes"][1];
  EXPECT_EQ(bob["segments"], json::parse(R"([[0, 100, "connected"], [100, 400, "disconnected"], [400, 600, "connected"]])"))
      << bob["segments"].dump();
  EXPECT_EQ(bob["catch_ups"], json::parse("[[400, 420, 2]]"));
  EXPECT_EQ(bob["deliveries"]["exact"].size(), 6u);
  ASSERT_EQ(bob["anomalies"]["exact"].size(), 2u);
  std::size_t connect_errors = 0;
  for (const json& mark : bob["marks"]) connect_errors += mark[1] == "connect_error";
  EXPECT_EQ(connect_errors, 1u);
  EXPECT_EQ(timeline["lanes"][0]["sends"]["exact"].size(), 5u);
}

TEST(ScenarioDetails, AClustersServerLaneKeepsEachNodesUpTimeApart) {
  testing::TimedHistory history({"alice"}, "cluster-node-killed");
  history.expect(sim::Verdict::valid);
  const auto started = [](std::int64_t node, std::int64_t incarnation) {
    history::ServerStarted line{0, std::nullopt, incarnation};
    line.node = node;
    return line;
  };
  history::ServerStopped stopped;
  stopped.signal = "SIGKILL";
  stopped.node = 0;
  history.at(0, started(0, 1)).at(10, started(1, 1)).at(50, stopped).at(80, started(0, 2));
  history.finishes(500);
  const json timeline = report_of(history).details["timeline"];
  // Node 1's start does not end node 0's span, and node 0's stop does not end node 1's.
  EXPECT_EQ(timeline["server"]["up"], json::parse("[[0, 50, 1, 0], [10, 500, 1, 1], [80, 500, 2, 0]]"));
  EXPECT_EQ(timeline["nodes"], 2) << "nodes counted from the server lane, even with no client on node 1";
}

TEST(ScenarioDetails, AClustersTimelineSaysWhichNodeEachSessionWasOn) {
  testing::TimedHistory history({"alice", "bob"}, "cluster-hop");
  history.expect(sim::Verdict::valid);
  for (std::int64_t node = 0; node < 3; ++node) {
    history::ServerStarted started{0, std::nullopt, 1};
    started.node = node;
    history.at(0, started);
  }
  const auto connecting = [](const std::string& client, std::int64_t node) {
    history::ClientConnecting line{client, 1};
    line.node = node;
    return line;
  };
  history.at(0, connecting("alice", 0)).at(0, history::ClientConnected{"alice", "s-a", 0, false});
  history.at(0, connecting("bob", 1)).at(0, history::ClientConnected{"bob", "s-b", 0, false});
  history.at(200, history::ClientDisconnected{"bob", "transport close"});
  history.at(300, connecting("bob", 2)).at(300, history::ClientConnected{"bob", "s-b2", 0, false});
  history.finishes(500);
  const json timeline = report_of(history).details["timeline"];
  EXPECT_EQ(timeline["nodes"], 3) << "bob reached node 2: three legend entries";
  EXPECT_EQ(timeline["lanes"][1]["nodes"], json::parse("[[0, 300, 1], [300, 500, 2]]"));
  EXPECT_EQ(timeline["lanes"][0]["nodes"], json::parse("[[0, 500, 0]]"));
  bool node_named_on_the_server_lane = false;
  for (const json& mark : timeline["server"]["marks"]) {
    node_named_on_the_server_lane |= mark[2].get<std::string>().rfind("node 2: server started", 0) == 0;
  }
  EXPECT_TRUE(node_named_on_the_server_lane);

  const json single = report_of(testing::race_after_reconnect()).details["timeline"];
  EXPECT_FALSE(single.contains("nodes"));
  EXPECT_FALSE(single["lanes"][1].contains("nodes"));
}

TEST(ScenarioDetails, AKillOnATriggerIsMarkedOnTheServerLaneWithWhatMatched) {
  testing::TimedHistory timed = testing::race_after_reconnect();
  timed.at(600, history::ProcessFault{"$.timeline[4]", "fired", "SIGKILL",
                                      json{{"after_acks", 5}, {"direction", "downstream"}}, 0, 2, "alice",
                                      "the 5th Socket.IO ACK downstream on connection 2 (alice); SIGKILL at once"});
  const json timeline = report_of(timed).details["timeline"];
  std::vector<std::string> texts;
  for (const json& mark : timeline["server"]["marks"]) {
    if (mark[1] == "process_fault") texts.push_back(mark[2]);
  }
  ASSERT_EQ(texts.size(), 1u) << timeline["server"]["marks"].dump();
  EXPECT_NE(texts[0].find("SIGKILL on a trigger: the 5th Socket.IO ACK downstream"), std::string::npos) << texts[0];
}

TEST(ScenarioDetails, ClientDiffAlignsTheRenderedListWithTheLog) {
  const json clients = report_of(testing::race_after_reconnect()).details["clients"];
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_EQ(clients[0]["diff"]["first_difference"], nullptr);
  EXPECT_EQ(clients[0]["diff"]["runs"], json::parse(R"([["equal", 5, 0, 0, 1, 5, null, null, null]])"));
  const json& bob = clients[1];
  EXPECT_EQ(bob["name"], "bob");
  // bob rendered 1, 2, 3, 5, 4, 5: the early 5 is a copy; 4 and 5 are in place.
  EXPECT_EQ(bob["diff"]["first_difference"], 1);
  EXPECT_EQ(bob["diff"]["runs"], json::parse(R"([["equal", 3, 0, 0, 1, 3, null, null, null],
                                                  ["duplicate", 1, 3, 4, 5, 5, 5, "five", "five"],
                                                  ["equal", 2, 4, 3, 4, 5, null, null, null]])"));
  EXPECT_EQ(bob["lists"]["duplicated"]["total"], 1);
  EXPECT_EQ(bob["lists"]["reordered"]["items"][0][0], 4);
  EXPECT_EQ(bob["latency"]["p50"], 11);
  EXPECT_EQ(bob["resyncs"], json::parse("[[0, 2, 120]]"));
}

TEST(ScenarioDetails, OneLostMessageInALongListIsOneLostRunBetweenTwoEqualRuns) {
  testing::TimedHistory timed({"reader"});
  std::vector<history::CommittedMessage> log;
  timed.connects(0, "reader");
  for (std::int64_t id = 1; id <= 1000; ++id) {
    log.push_back({id, "m" + std::to_string(id), std::nullopt});
    if (id != 500) timed.renders(id, "reader", id, "m" + std::to_string(id));
  }
  timed.committed(log).finishes(2000);
  const json reader = report_of(timed).details["clients"][0];
  EXPECT_EQ(reader["diff"]["runs"], json::parse(R"([["equal", 499, 0, 0, 1, 499, null, null, null],
                                                     ["lost", 1, null, 499, 500, 500, null, null, "m500"],
                                                     ["equal", 500, 499, 500, 501, 1000, null, null, null]])"));
  EXPECT_EQ(reader["diff"]["rendered_total"], 999);
  EXPECT_EQ(reader["diff"]["log_total"], 1000);
  EXPECT_EQ(reader["diff"]["rows_per_kind"], json::parse(R"({"equal": 999, "lost": 1})"));
  EXPECT_EQ(reader["lists"]["lost"]["total"], 1);
}

TEST(TimelineModel, ManyPointsBecomeBinsSoTheReportStaysSmall) {
  testing::TimedHistory timed({"a", "b"});
  std::vector<history::CommittedMessage> log;
  timed.connects(0, "a").connects(0, "b");
  for (std::int64_t id = 1; id <= 400; ++id) {
    const std::string content = "m" + std::to_string(id);
    log.push_back({id, content, std::nullopt});
    timed.sends(id * 10, "a", content).renders(id * 10 + 1, "a", id, content).renders(id * 10 + 2, "b", id, content);
  }
  timed.committed(log).finishes(4010);
  const history::History history = timed.build();
  const checker::CheckResult result = checker::check_history(history);
  const ScenarioAnalysis analysis = analyze_scenario(history, result);
  TimelineLimits limits;
  limits.bins = 100;
  limits.exact_sends_max = 1000;
  limits.exact_deliveries_max = 500;
  const json timeline = build_timeline_model(history, result, analysis, limits);
  EXPECT_EQ(timeline["bin_ms"], 41);
  const json& a = timeline["lanes"][0];
  EXPECT_TRUE(a["sends"].contains("exact"));
  ASSERT_TRUE(a["deliveries"].contains("bins"));
  std::size_t delivered = 0;
  for (const json& count : a["deliveries"]["bins"]) delivered += count.get<std::size_t>();
  EXPECT_EQ(delivered, 400u);
  EXPECT_LE(a["deliveries"]["bins"].size(), 100u);
  EXPECT_TRUE(timeline["lanes"][1]["sends"]["exact"].empty());
}

TEST(ScenarioDetails, AFuzzFindingWithoutReplayCommandsReplaysItsReproducer) {
  testing::TimedHistory timed({"a"});
  timed.connects(0, "a").committed({}).finishes(10);
  // The fuzz runner's histories record no replay commands.
  history::History history = timed.build();
  history.run.replay_sim.clear();
  history.run.replay_live.clear();
  const json details = build_scenario_report(history, checker::check_history(history), "found/f.history.jsonl",
                                             ReproducerInfo{"found/it's.json", {}})
                           .details;
  EXPECT_EQ(details["replay"]["sim"], "resync run 'found/it'\\''s.json' --mode sim");
  EXPECT_EQ(details["replay"]["live"], "resync run 'found/it'\\''s.json'");
}

TEST(ScenarioReportFromError, IsUnknownWithTheReason) {
  const ScenarioReport report = scenario_report_from_error("", "runs/x.jsonl", "runs/x.jsonl:3: not JSON");
  EXPECT_EQ(report.summary.name, "runs/x.jsonl");
  EXPECT_EQ(report.summary.status, checker::CheckStatus::unknown);
  EXPECT_EQ(report.details["error"], "runs/x.jsonl:3: not JSON");
}

TEST(SortFailuresFirst, KeepsTheOrderWithinEachStatus) {
  std::vector<ScenarioReport> reports(4);
  const checker::CheckStatus statuses[] = {checker::CheckStatus::passed, checker::CheckStatus::unknown,
                                           checker::CheckStatus::failed, checker::CheckStatus::passed};
  for (std::size_t index = 0; index < reports.size(); ++index) {
    reports[index].summary.name = std::to_string(index);
    reports[index].summary.status = statuses[index];
  }
  sort_failures_first(reports);
  std::string order;
  for (const ScenarioReport& report : reports) order += report.summary.name;
  EXPECT_EQ(order, "2103");
}

}  // namespace
}  // namespace resync::reports

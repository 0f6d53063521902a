// The probe's decisions, without sockets: what the observations make of a target, and which
// scenarios that target can judge.
#include "sim/runner/target_findings.hpp"

#include <gtest/gtest.h>

namespace resync::sim {
namespace {

ProbeObservations everything_works() {
  ProbeObservations seen;
  seen.websocket_opened = seen.engineio_open_packet = seen.socketio_connected = true;
  seen.broadcast_with_id = seen.acknowledged = true;
  return seen;
}

Scenario scenario_with(SendMode send_mode) {
  Scenario scenario;
  ClientSpec plain;
  plain.name = "alice";
  ClientSpec second;
  second.name = "bob";
  second.send_mode = send_mode;
  scenario.clients = {plain, second};
  return scenario;
}

TEST(TargetFindings, AWorkingTargetRunsEveryScenarioAndSaysSoInOneLine) {
  const TargetFindings findings = decide_findings("http://127.0.0.1:3000", "chat message", everything_works());
  EXPECT_EQ(findings_line(findings),
            "target http://127.0.0.1:3000: Engine.IO 4, Socket.IO 5, broadcasts \"chat message\", acknowledges: yes");
  EXPECT_FALSE(why_not_applicable(scenario_with(SendMode::acked), findings));
  EXPECT_FALSE(why_not_applicable(scenario_with(SendMode::plain), findings));
}

TEST(TargetFindings, ATargetWithoutAcksMakesOnlyAckedScenariosNotApplicable) {
  ProbeObservations seen = everything_works();
  seen.acknowledged = false;
  const TargetFindings findings = decide_findings("http://h:1", "chat message", seen);
  EXPECT_EQ(findings_line(findings), "target http://h:1: Engine.IO 4, Socket.IO 5, broadcasts \"chat message\", acknowledges: no");
  EXPECT_EQ(why_not_applicable(scenario_with(SendMode::acked), findings), "target does not acknowledge \"chat message\"");
  EXPECT_FALSE(why_not_applicable(scenario_with(SendMode::plain), findings));
}

TEST(TargetFindings, ScenariosThatNeedTheEmbeddedServerAreNotApplicableToATarget) {
  const TargetFindings findings = decide_findings("http://127.0.0.1:3000", "chat message", everything_works());
  Scenario planted = scenario_with(SendMode::plain);
  planted.server.planted_bug = "drop-every-10th-plain";
  ASSERT_TRUE(why_not_applicable(planted, findings));
  EXPECT_NE(why_not_applicable(planted, findings)->find("plants a bug in the embedded server"), std::string::npos);
  Scenario preloaded = scenario_with(SendMode::plain);
  preloaded.server.preload_messages = 1500;
  ASSERT_TRUE(why_not_applicable(preloaded, findings));
  EXPECT_NE(why_not_applicable(preloaded, findings)->find("1500 rows stored before the run"), std::string::npos);
  Scenario tutorial = scenario_with(SendMode::plain);
  tutorial.server.delivery = "tutorial";
  ASSERT_TRUE(why_not_applicable(tutorial, findings));
  EXPECT_NE(why_not_applicable(tutorial, findings)->find("naive \"tutorial\" delivery"), std::string::npos);
  EXPECT_FALSE(why_not_applicable(scenario_with(SendMode::plain), findings));
}

TEST(TargetFindings, AClusterScenarioRunsOnlyOnATargetSaidToBeAClusterNode) {
  TargetFindings findings = decide_findings("http://127.0.0.1:3000", "chat message", everything_works());
  Scenario cluster = scenario_with(SendMode::plain);
  cluster.server.nodes = 3;
  cluster.server.redis = true;
  const auto reason = why_not_applicable(cluster, findings);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("cluster of 3 node(s)"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("--target-cluster"), std::string::npos) << *reason;
  findings.target_is_cluster = true;
  EXPECT_FALSE(why_not_applicable(cluster, findings));
  EXPECT_FALSE(why_not_applicable(scenario_with(SendMode::plain), findings)) << "a single-server scenario runs on a node too";
}

TEST(TargetFindings, ATargetThatDoesNotBroadcastCanJudgeNoScenario) {
  ProbeObservations seen = everything_works();
  seen.broadcast_with_id = false;
  const TargetFindings findings = decide_findings("http://h:1", "chat message", seen);
  EXPECT_FALSE(findings.unusable_reason.empty());
  EXPECT_EQ(why_not_applicable(scenario_with(SendMode::plain), findings), findings.unusable_reason);
}

TEST(TargetFindings, NoOpenPacketMeansNoEngineIoAndNothingAfterIt) {
  ProbeObservations seen = everything_works();
  seen.engineio_open_packet = false;
  seen.transport_problem = "first frame: hello";
  const TargetFindings findings = decide_findings("http://h:1", "chat message", seen);
  EXPECT_FALSE(findings.engineio_v4);
  EXPECT_FALSE(findings.socketio_v5);
  EXPECT_FALSE(findings.acknowledges);  // an ack means nothing without the protocol under it
  EXPECT_EQ(findings_line(findings),
            "target http://h:1: target does not speak Engine.IO v4 (no open packet as the first WebSocket frame) "
            "(first frame: hello)");
  EXPECT_TRUE(why_not_applicable(scenario_with(SendMode::plain), findings));
}

TEST(TargetFindings, NoWebSocketNamesTheTransportProblem) {
  ProbeObservations seen;
  seen.transport_problem = "transport error (handshake: declined)";
  const TargetFindings findings = decide_findings("http://h:1", "chat message", seen);
  EXPECT_NE(findings.unusable_reason.find("does not accept a WebSocket"), std::string::npos);
  EXPECT_NE(findings.unusable_reason.find("handshake: declined"), std::string::npos);
}

TEST(TargetFindings, ACustomChatEventIsNamedInTheReason) {
  ProbeObservations seen = everything_works();
  seen.acknowledged = false;
  const TargetFindings findings = decide_findings("http://h:1", "msg", seen);
  EXPECT_EQ(why_not_applicable(scenario_with(SendMode::acked), findings), "target does not acknowledge \"msg\"");
}

TEST(TargetFindings, AStorageFaultTheTargetCannotTakeMakesTheScenarioNotApplicable) {
  const TargetFindings url_only = decide_findings("http://h:1", "chat message", everything_works());
  Scenario locked = scenario_with(SendMode::acked);
  locked.timeline.push_back({100, StorageFaultStep{StorageFaultKind::lock_database, 6000}, "$.timeline[0]"});
  EXPECT_EQ(why_not_applicable(locked, url_only).value_or(""),
            "lock_database needs the target's SQLite file (--target-db PATH or server.external.database)");
  Scenario full = scenario_with(SendMode::acked);
  full.timeline.push_back({100, StorageFaultStep{StorageFaultKind::full, 2000}, "$.timeline[0]"});
  TargetFindings with_database = url_only;
  with_database.database_reachable = true;
  EXPECT_FALSE(why_not_applicable(locked, with_database)) << "a URL with --target-db can be locked";
  EXPECT_NE(why_not_applicable(full, with_database).value_or("").find("storage_full needs a target the harness starts"),
            std::string::npos);
  TargetFindings started = with_database;
  started.harness_starts_target = true;
  EXPECT_FALSE(why_not_applicable(full, started));
  TargetFindings started_without_database = started;
  started_without_database.database_reachable = false;
  EXPECT_EQ(why_not_applicable(full, started_without_database).value_or(""),
            "storage_full needs the target's SQLite file (--target-db PATH or server.external.database)")
      << "the limit is the database files' size";
  Scenario read_only = scenario_with(SendMode::acked);
  read_only.timeline.push_back({100, StorageFaultStep{StorageFaultKind::read_only, 2000}, "$.timeline[0]"});
  EXPECT_FALSE(why_not_applicable(read_only, started_without_database)) << "a read-only window needs no file";
}

}  // namespace
}  // namespace resync::sim

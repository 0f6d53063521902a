// What a valid scenario file turns into: defaults, every field, count expansion, client
// selectors, the toxic JSON handed on to the fault injector.
#include <gtest/gtest.h>

#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::load_json;
using testing::valid_scenario_json;

TEST(ScenarioLoaderFormat, MinimalScenarioGetsTheDefaults) {
  const LoadResult result = load_json(nlohmann::json::parse(R"({
    "name": "minimal", "description": "d", "clients": [{"name": "alice"}], "expect": {"verdict": "valid"}})"),
                                      "dir/minimal.json");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Scenario& scenario = *result.scenario;
  EXPECT_EQ(scenario.name, "minimal");
  EXPECT_EQ(scenario.file, "dir/minimal.json");
  EXPECT_EQ(scenario.server.kind, ServerKind::embedded);
  EXPECT_EQ(scenario.server.delivery, "strict");
  EXPECT_EQ(scenario.server.durability, "full");
  EXPECT_EQ(scenario.server.ping_interval_ms, 25000);
  EXPECT_EQ(scenario.server.ping_timeout_ms, 20000);
  EXPECT_EQ(scenario.server.preload_messages, 0);
  EXPECT_TRUE(scenario.server.recovery);
  EXPECT_EQ(scenario.server.recovery_window_ms, 120000);
  ASSERT_EQ(scenario.clients.size(), 1u);
  const ClientSpec& alice = scenario.clients[0];
  EXPECT_EQ(alice.policy, ClientPolicy::tutorial);
  EXPECT_EQ(alice.send_mode, SendMode::plain);
  EXPECT_EQ(alice.reconnection.delay_ms, 1000);
  EXPECT_EQ(alice.reconnection.delay_max_ms, 5000);
  EXPECT_DOUBLE_EQ(alice.reconnection.randomization_factor, 0.5);
  EXPECT_EQ(alice.reconnection.connect_timeout_ms, 20000);
  EXPECT_FALSE(alice.connection_state_recovery);
  EXPECT_FALSE(alice.keeps_offset_on_reload);
  EXPECT_TRUE(alice.connect_at_start);
  EXPECT_EQ(alice.transport, ClientTransport::websocket);
  EXPECT_TRUE(scenario.timeline.empty());
  EXPECT_EQ(scenario.converge_within_ms, 15000);
  EXPECT_EQ(scenario.quiet_ms, 300);
  EXPECT_EQ(scenario.expect.verdict, Verdict::valid);
  EXPECT_FALSE(scenario.seed.has_value());
}

TEST(ScenarioLoaderFormat, EveryFieldIsRead) {
  const LoadResult result = load_json(nlohmann::json::parse(R"({
    "$schema": "./schema.json",
    "name": "every-field", "description": "All of it.", "seed": 18446744073709551615,
    "server": {"delivery": "tutorial", "durability": "process-crash", "ping_interval_ms": 500,
               "ping_timeout_ms": 400, "preload_messages": 3000, "recovery": false, "recovery_window_ms": 1000},
    "clients": [{"name": "alice", "count": 1, "policy": "dedupe",
                 "delivery": {"acked": {"ack_timeout_ms": 700, "retries": 3}},
                 "reconnection": {"delay_ms": 100, "delay_max_ms": 400, "randomization_factor": 0,
                                  "connect_timeout_ms": 900},
                 "recovery": true, "keeps_offset_on_reload": true, "connect_at_start": false,
                 "transport": "polling"}],
    "timeline": [
      {"at_ms": 10, "note": "why", "connect": "alice"},
      {"at_ms": 20, "send": {"clients": ["alice"], "count": 4, "interval_ms": 5, "content_prefix": "p-"}},
      {"at_ms": 30, "kill_server": {"signal": "SIGTERM", "restart": false}},
      {"at_ms": 40, "restart_server": {}},
      {"at_ms": 50, "kill_server": {"restart_after_ms": 250}},
      {"at_ms": 400, "reload": "alice"},
      {"at_ms": 500, "disconnect": "all"},
      {"at_ms": 600, "wait": true}
    ],
    "converge_within_ms": 9000, "quiet_ms": 0,
    "expect": {"verdict": "invalid", "anomalies": ["duplicated", "reordered"]}})"));
  ASSERT_TRUE(result.ok()) << result.error_text();
  const Scenario& scenario = *result.scenario;
  EXPECT_EQ(scenario.seed, std::uint64_t{18446744073709551615u});
  EXPECT_EQ(scenario.server.delivery, "tutorial");
  EXPECT_EQ(scenario.server.durability, "process-crash");
  EXPECT_EQ(scenario.server.ping_interval_ms, 500);
  EXPECT_EQ(scenario.server.ping_timeout_ms, 400);
  EXPECT_EQ(scenario.server.preload_messages, 3000);
  EXPECT_FALSE(scenario.server.recovery);
  EXPECT_EQ(scenario.server.recovery_window_ms, 1000);
  const ClientSpec& alice = scenario.clients.at(0);
  EXPECT_EQ(alice.policy, ClientPolicy::dedupe);
  EXPECT_EQ(alice.send_mode, SendMode::acked);
  EXPECT_EQ(alice.ack_timeout_ms, 700);
  EXPECT_EQ(alice.retries, 3);
  EXPECT_EQ(alice.reconnection.delay_ms, 100);
  EXPECT_EQ(alice.reconnection.delay_max_ms, 400);
  EXPECT_DOUBLE_EQ(alice.reconnection.randomization_factor, 0.0);
  EXPECT_EQ(alice.reconnection.connect_timeout_ms, 900);
  EXPECT_TRUE(alice.connection_state_recovery);
  EXPECT_TRUE(alice.keeps_offset_on_reload);
  EXPECT_FALSE(alice.connect_at_start);
  EXPECT_EQ(alice.transport, ClientTransport::polling);

  ASSERT_EQ(scenario.timeline.size(), 8u);
  EXPECT_TRUE(std::holds_alternative<ConnectStep>(scenario.timeline[0].action));
  const auto& send = std::get<SendStep>(scenario.timeline[1].action);
  EXPECT_EQ(send.clients, std::vector<std::string>{"alice"});
  EXPECT_EQ(send.count, 4);
  EXPECT_EQ(send.interval_ms, 5);
  EXPECT_EQ(send.content_prefix, "p-");
  const auto& term = std::get<KillServerStep>(scenario.timeline[2].action);
  EXPECT_EQ(term.signal, "SIGTERM");
  EXPECT_FALSE(term.restart);
  EXPECT_TRUE(std::holds_alternative<RestartServerStep>(scenario.timeline[3].action));
  const auto& kill = std::get<KillServerStep>(scenario.timeline[4].action);
  EXPECT_EQ(kill.signal, "SIGKILL");
  EXPECT_TRUE(kill.restart);
  EXPECT_EQ(kill.restart_after_ms, 250);
  EXPECT_TRUE(std::holds_alternative<ReloadStep>(scenario.timeline[5].action));
  EXPECT_TRUE(std::holds_alternative<DisconnectStep>(scenario.timeline[6].action));
  EXPECT_TRUE(std::holds_alternative<WaitStep>(scenario.timeline[7].action));
  EXPECT_EQ(scenario.converge_within_ms, 9000);
  EXPECT_EQ(scenario.quiet_ms, 0);
  EXPECT_EQ(scenario.expect.verdict, Verdict::invalid);
  EXPECT_EQ(scenario.expect.anomalies, (std::vector<std::string>{"duplicated", "reordered"}));
}

TEST(ScenarioLoaderFormat, DeliveryShorthandsAndUnlimitedRetries) {
  nlohmann::json document = valid_scenario_json();
  document["clients"] = nlohmann::json::parse(R"([
    {"name": "a", "delivery": "plain"}, {"name": "b", "delivery": "acked"},
    {"name": "c", "delivery": {"acked": {"retries": "unlimited"}}}, {"name": "d", "delivery": {"acked": {}}}])");
  document["timeline"] = nlohmann::json::array();
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& clients = result.scenario->clients;
  EXPECT_EQ(clients[0].send_mode, SendMode::plain);
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(clients[i].send_mode, SendMode::acked);
    EXPECT_FALSE(clients[i].retries.has_value()) << "unlimited by default";
    EXPECT_EQ(clients[i].ack_timeout_ms, 2000);
  }
}

TEST(ScenarioLoaderFormat, CountExpandsToNumberedClientsThatKeepEverySetting) {
  nlohmann::json document = valid_scenario_json();
  document["clients"] = nlohmann::json::parse(R"([
    {"name": "solo"}, {"name": "crowd", "count": 3, "policy": "dedupe", "connect_at_start": false}])");
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 0, "connect": "crowd"}, {"at_ms": 1, "disconnect": ["crowd-2", "solo"]},
    {"at_ms": 2, "send": {"clients": "all"}}])");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& clients = result.scenario->clients;
  ASSERT_EQ(clients.size(), 4u);
  EXPECT_EQ(clients[0].name, "solo");
  for (int n = 1; n <= 3; ++n) {
    EXPECT_EQ(clients[n].name, "crowd-" + std::to_string(n));
    EXPECT_EQ(clients[n].policy, ClientPolicy::dedupe);
    EXPECT_FALSE(clients[n].connect_at_start);
  }
  const auto& timeline = result.scenario->timeline;
  EXPECT_EQ(std::get<ConnectStep>(timeline[0].action).clients,
            (std::vector<std::string>{"crowd-1", "crowd-2", "crowd-3"}));
  EXPECT_EQ(std::get<DisconnectStep>(timeline[1].action).clients, (std::vector<std::string>{"crowd-2", "solo"}));
  EXPECT_EQ(std::get<SendStep>(timeline[2].action).clients,
            (std::vector<std::string>{"solo", "crowd-1", "crowd-2", "crowd-3"}));
  EXPECT_EQ(std::get<SendStep>(timeline[2].action).count, 1);
  EXPECT_EQ(std::get<SendStep>(timeline[2].action).content_prefix, "") << "the runner uses <client>-";
}

TEST(ScenarioLoaderFormat, AllNamesEveryClientAndHealAllHealsEverything) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"].push_back(nlohmann::json::parse(R"({"at_ms": 500, "heal": "all"})"));
  document["timeline"].push_back(nlohmann::json::parse(R"({"at_ms": 500, "reload": "all"})"));
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& timeline = result.scenario->timeline;
  EXPECT_FALSE(std::get<HealStep>(timeline[4].action).name.has_value());
  EXPECT_EQ(std::get<ReloadStep>(timeline[5].action).clients, (std::vector<std::string>{"alice", "bob"}));
}

TEST(ScenarioLoaderFormat, FaultKeepsTheToxicJsonAndTakesTheFaultName) {
  const LoadResult result = load_json(valid_scenario_json());
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& fault = std::get<FaultStep>(result.scenario->timeline[1].action);
  EXPECT_EQ(fault.name, "cut-alice");
  EXPECT_EQ(fault.toxic, nlohmann::json::parse(R"({"name": "cut-alice", "type": "reset_peer",
      "attributes": {"timeout": 0}, "target": {"tag": "alice"}})"));
  EXPECT_EQ(std::get<HealStep>(result.scenario->timeline[2].action).name, "cut-alice");
}

TEST(ScenarioLoaderFormat, EveryToxicTypeWithTargetsAndTriggersLoads) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 0, "fault": {"name": "f1", "toxic": {"type": "latency", "stream": "both", "toxicity": 0.5,
                                                   "attributes": {"latency": 100, "jitter": 50}}}},
    {"at_ms": 0, "fault": {"name": "f2", "toxic": {"type": "bandwidth", "attributes": {"rate": 10}}}},
    {"at_ms": 0, "fault": {"name": "f3", "toxic": {"type": "slicer", "stream": "upstream",
        "attributes": {"average_size": 10, "size_variation": 5, "delay": 100}}}},
    {"at_ms": 0, "fault": {"name": "f4", "toxic": {"type": "timeout", "attributes": {"timeout": 0},
                                                   "target": {"nth_connection": 2}}}},
    {"at_ms": 0, "fault": {"name": "f5", "toxic": {"type": "pause", "target": "all",
                                                   "trigger": {"after_ms": 100}}}},
    {"at_ms": 0, "fault": {"name": "f6", "toxic": {"type": "close", "target": {"tag": "bob"},
                                                   "trigger": {"after_events": 3, "direction": "downstream"}}}},
    {"at_ms": 0, "fault": {"name": "f7", "toxic": {"type": "reset_peer", "stream": "downstream",
        "target": {"tag": "alice"}, "trigger": {"frame_contains": "\"alice-3\"", "direction": "upstream"}}}},
    {"at_ms": 0, "fault": {"name": "f8", "toxic": {"type": "limit_data", "attributes": {"bytes": 1000},
                                                   "trigger": {"after_bytes": 10}}}},
    {"at_ms": 0, "fault": {"name": "f9", "toxic": {"type": "slow_close", "attributes": {"delay": 100},
                                                   "target": {"connection_id": 1}, "trigger": {"after_frames": 5}}}},
    {"at_ms": 900, "heal": "all"}])");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.scenario->timeline.size(), 10u);
}

TEST(ScenarioLoaderFormat, ExternalServer) {
  nlohmann::json document = valid_scenario_json();
  document["server"] = nlohmann::json::parse(R"({"external": {"url": "http://127.0.0.1:3000",
      "command": "node index.js", "chat_event": "msg", "offset_auth_field": "offset"}})");
  const LoadResult result = load_json(document);
  ASSERT_TRUE(result.ok()) << result.error_text();
  const ServerSpec& server = result.scenario->server;
  EXPECT_EQ(server.kind, ServerKind::external);
  EXPECT_EQ(server.url, "http://127.0.0.1:3000");
  EXPECT_EQ(server.command, "node index.js");
  EXPECT_EQ(server.chat_event, "msg");
  EXPECT_EQ(server.offset_auth_field, "offset");

  document["server"] = nlohmann::json::parse(R"({"external": {}})");
  const LoadResult bare = load_json(document);
  ASSERT_TRUE(bare.ok()) << "the target may come from --target or --target-cmd\n" << bare.error_text();
  EXPECT_EQ(bare.scenario->server.chat_event, "chat message");
  EXPECT_EQ(bare.scenario->server.offset_auth_field, "serverOffset");
}

}  // namespace
}  // namespace resync::sim

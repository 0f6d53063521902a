#include "sim/history/history_json.hpp"

#include <gtest/gtest.h>

namespace resync::history {
namespace {

nlohmann::json round_trip(const HistoryEvent& event) {
  const nlohmann::ordered_json encoded = encode_event(event);
  const auto decoded = decode_history_line(nlohmann::json::parse(encoded.dump()));
  EXPECT_TRUE(decoded.ok()) << decoded.error();
  if (!decoded.ok()) return nullptr;
  const auto& payload = std::get<EventPayload>(decoded.value().content);
  return nlohmann::json::parse(encode_event(HistoryEvent{decoded.value().t_ms, payload, 0}).dump());
}

TEST(HistoryJson, EveryLineTypeSurvivesEncodingAndDecoding) {
  const std::vector<EventPayload> payloads{
      PhaseChanged{"heal"},
      ServerStarted{4100, 321, 2},
      ServerStarted{4100, std::nullopt, 1},
      ServerStopped{"SIGKILL", 1, "", true, std::nullopt, "SIGKILL", false, false},
      ServerStopped{"exit", 2, "panic: disk full", false, std::nullopt, "SIGSEGV", false, false},
      ServerStopped{"SIGTERM", 3, "==1==ERROR: AddressSanitizer", true, 1, "", true, true},
      ServerFailed{"bind: address in use"},
      ClientConnecting{"alice", 3},
      ClientConnecting{"poller", 1, sim::ClientTransport::polling},
      ClientConnected{"alice", "sid-1", 42, true},
      ClientConnected{"bob", "sid-2", nullptr, false},
      ClientConnectError{"alice", "xhr poll error"},
      ClientDisconnected{"alice", "transport close"},
      ClientReloaded{"alice", 17},
      ClientReloaded{"alice", std::nullopt},
      MessageSent{"alice", "hello", "alice-1", 2, true},
      MessageSent{"alice", "plain", std::nullopt, 1, false},
      MessageAcked{"alice", "hello", "alice-1"},
      SendAbandoned{"alice", "hello", "alice-1", "retries exhausted"},
      MessageReceived{"bob", 9, "Bağlantı \xF0\x9F\x98\x80", false},
      FaultChanged{"cut", "start", "reset_peer", nlohmann::json{{"timeout", 0}}},
      FaultChanged{"slow", "start", "latency", nlohmann::json{{"latency", 300}}, sim::FaultLink::redis, 1},
      FaultChanged{"slow", "fired", "latency", "the 1st byte downstream on connection 2 (node-0)", sim::FaultLink::redis},
      FaultChanged{"cut", "refused", "reset_peer", "no such node", sim::FaultLink::clients, 2},
      ProcessFault{"$.timeline[0]", "armed", "SIGKILL", nlohmann::json{{"after_acks", 5}, {"direction", "downstream"}}, 0,
                   std::nullopt, std::nullopt, ""},
      ProcessFault{"$.timeline[0]", "fired", "SIGTERM", nlohmann::json{{"after_events", 2}, {"direction", "downstream"}},
                   250, 3, "alice", "the 2nd Socket.IO EVENT downstream on connection 3 (alice)"},
      CommittedLog{{{1, "a", "alice-1"}, {2, "b", std::nullopt}}, CommittedLogSource::observed},
      CommittedLog{{{41, "a", std::nullopt}}, CommittedLogSource::catch_up_audit, 40},
      CommittedLogUnavailable{CommittedLogSource::catch_up_audit, 0, "the catch-up did not go quiet"},
      CommittedLogUnavailable{CommittedLogSource::database, std::nullopt, "/x/chat.db: no such table: messages"},
      RunFinished{false, "bob still catching up"},
      ClusterFault{"restart_redis", "start", std::nullopt, "SIGKILL to redis-server 4242"},
      ClusterFault{"partition_node", "end", 2, ""},
      UnrecognizedEvent{"from_the_future", nlohmann::json{{"t_ms", 5}, {"type", "from_the_future"}, {"x", 1}}},
  };
  for (const EventPayload& payload : payloads) {
    const HistoryEvent event{1234, payload, 0};
    const nlohmann::json expected = nlohmann::json::parse(encode_event(event).dump());
    EXPECT_EQ(round_trip(event), expected) << expected.dump();
  }
}

TEST(HistoryJson, RunStartedSurvivesEncodingAndDecoding) {
  RunStarted run;
  run.scenario = "burst";
  run.file = "scenarios/burst.json";
  run.seed = 18446744073709551615ULL;  // the whole uint64 range is a valid seed
  run.mode = "sim";
  run.target = "embedded";
  run.delivery = "tutorial";
  run.expect = {sim::Verdict::invalid, {"lost", "duplicated"}, {"sent_unknown"}};
  run.replay_live = "resync run scenarios/burst.json --seed 1";
  run.replay_sim = "resync sim scenarios/burst.json --seed 1";
  run.clients = {"alice", "bob"};
  const auto decoded = decode_history_line(nlohmann::json::parse(encode_run_started(0, run).dump()));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto& back = std::get<RunStarted>(decoded.value().content);
  EXPECT_EQ(back.scenario, run.scenario);
  EXPECT_EQ(back.seed, run.seed);
  EXPECT_EQ(back.mode, run.mode);
  EXPECT_EQ(back.delivery, run.delivery);
  EXPECT_EQ(back.expect.verdict, sim::Verdict::invalid);
  EXPECT_EQ(back.expect.anomalies, run.expect.anomalies);
  EXPECT_EQ(back.expect.allow, run.expect.allow);
  EXPECT_EQ(back.replay_live, run.replay_live);
  EXPECT_EQ(back.replay_sim, run.replay_sim);
  EXPECT_EQ(back.clients, run.clients);
}

TEST(HistoryJson, ServerStoppedWithoutExitFieldsReadsAsACleanRequestedStop) {
  const auto decoded = decode_history_line(
      nlohmann::json::parse(R"({"t_ms":5,"type":"server_stopped","signal":"SIGTERM","incarnation":2})"));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto& stopped = std::get<ServerStopped>(std::get<EventPayload>(decoded.value().content));
  EXPECT_TRUE(stopped.requested);
  EXPECT_EQ(stopped.exit_status, std::nullopt);
  EXPECT_EQ(stopped.exit_signal, "");
  EXPECT_FALSE(stopped.sanitizer_report);
  EXPECT_FALSE(stopped.escalated);
}

TEST(HistoryJson, ServerStoppedReadsEveryExitField) {
  const auto decoded = decode_history_line(nlohmann::json::parse(
      R"({"t_ms":5,"type":"server_stopped","signal":"exit","incarnation":1,"requested":false,"exit_status":null,)"
      R"("exit_signal":"SIGSEGV","sanitizer_report":true,"escalated":true,"detail":"Segmentation fault"})"));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto& stopped = std::get<ServerStopped>(std::get<EventPayload>(decoded.value().content));
  EXPECT_FALSE(stopped.requested);
  EXPECT_EQ(stopped.exit_signal, "SIGSEGV");
  EXPECT_TRUE(stopped.sanitizer_report);
  EXPECT_TRUE(stopped.escalated);
  EXPECT_EQ(stopped.detail, "Segmentation fault");

  const auto wrong = decode_history_line(nlohmann::json::parse(
      R"({"t_ms":5,"type":"server_stopped","signal":"exit","incarnation":1,"requested":"no"})"));
  EXPECT_FALSE(wrong.ok());
}

TEST(HistoryJson, ProcessFaultLinesAreCheckedAsUserInput) {
  const auto fired = decode_history_line(nlohmann::json::parse(
      R"({"t_ms":9,"type":"process_fault","name":"$.timeline[2]","action":"fired","signal":"SIGKILL",)"
      R"("trigger":{"after_acks":5,"direction":"downstream"},"delay_us":0,"connection":2,"tag":null,"detail":"x"})"));
  ASSERT_TRUE(fired.ok()) << fired.error();
  const auto& fault = std::get<ProcessFault>(std::get<EventPayload>(fired.value().content));
  EXPECT_EQ(fault.connection, 2);
  EXPECT_EQ(fault.tag, std::nullopt);
  EXPECT_EQ(fault.trigger.at("after_acks"), 5);

  const auto expect_refused = [](const char* text, const std::string& says) {
    const auto decoded = decode_history_line(nlohmann::json::parse(text));
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_NE(decoded.error().find(says), std::string::npos) << decoded.error();
  };
  expect_refused(R"({"t_ms":9,"type":"process_fault","name":"a","action":"went_off","signal":"SIGKILL","trigger":{}})",
                 "`action` must be");
  expect_refused(R"({"t_ms":9,"type":"process_fault","name":"a","action":"fired","signal":"SIGKILL","trigger":{}})",
                 "needs `connection`");
  expect_refused(R"({"t_ms":9,"type":"process_fault","name":"a","action":"armed","signal":"SIGINT","trigger":{}})",
                 "`signal` must be");
  expect_refused(R"({"t_ms":9,"type":"process_fault","name":"a","action":"armed","signal":"SIGKILL","trigger":"acks"})",
                 "trigger");
  expect_refused(R"({"t_ms":9,"type":"process_fault","name":"a","action":"armed","signal":"SIGKILL","trigger":{},"delay_us":-4})",
                 "`delay_us` must not be negative");
}

// The bytes every runner has written since the first history (keys sorted): a rework of the
// producers must not change them (docs/HISTORY.md, "same bytes for the same run").
TEST(HistoryJson, KeysAreSortedAsEveryRunnerHasWrittenThem) {
  const std::string line = encode_event(HistoryEvent{12, MessageReceived{"bob", 3, "hi", true}, 0}).dump();
  EXPECT_EQ(line, R"({"client":"bob","content":"hi","id":3,"rendered":true,"t_ms":12,"type":"received"})");
}

TEST(HistoryJson, WhichOptionalFieldsALineCarriesIsFixed) {
  // A heal names no toxic detail; a stop and the end of a run always carry theirs, even empty.
  EXPECT_EQ(encode_event(HistoryEvent{5, FaultChanged{"*", "heal", "", nullptr}, 0}).dump(),
            R"({"action":"heal","name":"*","t_ms":5,"toxic":"","type":"fault"})");
  EXPECT_EQ(encode_event(HistoryEvent{7, RunFinished{true, ""}, 0}).dump(),
            R"({"converged":true,"detail":"","t_ms":7,"type":"run_finished"})");
  ServerStopped stopped;
  stopped.signal = "SIGKILL";
  stopped.exit_signal = "SIGKILL";
  EXPECT_EQ(encode_event(HistoryEvent{9, stopped, 0}).dump(),
            R"({"detail":"","escalated":false,"exit_signal":"SIGKILL","exit_status":null,"incarnation":1,)"
            R"("requested":true,"sanitizer_report":false,"signal":"SIGKILL","t_ms":9,"type":"server_stopped"})");
  EXPECT_EQ(encode_event(HistoryEvent{3, ServerLog{"warn", "slow consumer", 2}, 0}).dump(),
            R"({"incarnation":2,"level":"warn","t_ms":3,"text":"slow consumer","type":"server_log"})");
}

TEST(HistoryJson, ANodeIsWrittenOnlyInClustersAndAnOldLineWithoutOneIsNodeZero) {
  EXPECT_EQ(encode_event(HistoryEvent{2, ClientConnecting{"alice", 1}, 0}).dump(),
            R"({"attempt":1,"client":"alice","t_ms":2,"type":"connecting"})")
      << "single-server histories keep their bytes";
  ClientConnecting on_node;
  on_node.client = "alice";
  on_node.node = 2;
  EXPECT_EQ(encode_event(HistoryEvent{2, on_node, 0}).dump(),
            R"({"attempt":1,"client":"alice","node":2,"t_ms":2,"type":"connecting"})");
  const auto old_line = decode_history_line(nlohmann::json::parse(R"({"t_ms":1,"type":"server_started","port":9,"incarnation":1})"));
  ASSERT_TRUE(old_line.ok()) << old_line.error();
  const auto& started = std::get<ServerStarted>(std::get<EventPayload>(old_line.value().content));
  EXPECT_EQ(started.node.value_or(0), 0);
  EXPECT_FALSE(started.node.has_value());
}

TEST(HistoryJson, AFaultLineSaysItsLinkAndNodeOnlyOffTheDefaultPlace) {
  EXPECT_EQ(encode_event(HistoryEvent{4, FaultChanged{"cut", "start", "reset_peer", nlohmann::json::object()}, 0}).dump(),
            R"({"action":"start","detail":{},"name":"cut","t_ms":4,"toxic":"reset_peer","type":"fault"})")
      << "a fault on every client link keeps the bytes it always had";
  EXPECT_EQ(encode_event(HistoryEvent{4, FaultChanged{"slow", "start", "latency", nlohmann::json::object(),
                                                      sim::FaultLink::redis, 1}, 0}).dump(),
            R"({"action":"start","detail":{},"link":"redis","name":"slow","node":1,"t_ms":4,"toxic":"latency","type":"fault"})");
  EXPECT_EQ(encode_event(HistoryEvent{4, FaultChanged{"cut", "start", "reset_peer", nlohmann::json::object(),
                                                      sim::FaultLink::clients, 0}, 0}).dump(),
            R"({"action":"start","detail":{},"name":"cut","node":0,"t_ms":4,"toxic":"reset_peer","type":"fault"})");
  const auto old_line = decode_history_line(
      nlohmann::json::parse(R"({"t_ms":1,"type":"fault","name":"cut","action":"start","toxic":"reset_peer"})"));
  ASSERT_TRUE(old_line.ok()) << old_line.error();
  const auto& fault = std::get<FaultChanged>(std::get<EventPayload>(old_line.value().content));
  EXPECT_EQ(fault.link, sim::FaultLink::clients);
  EXPECT_FALSE(fault.node.has_value());
  const auto written_out = decode_history_line(nlohmann::json::parse(
      R"({"t_ms":1,"type":"fault","name":"cut","action":"start","toxic":"reset_peer","link":"clients"})"));
  ASSERT_TRUE(written_out.ok()) << written_out.error();
  EXPECT_EQ(std::get<FaultChanged>(std::get<EventPayload>(written_out.value().content)).link, sim::FaultLink::clients);
}

TEST(HistoryJson, CommittedLogIsSortedByIdWhateverOrderItWasWrittenIn) {
  const auto decoded = decode_history_line(nlohmann::json::parse(
      R"({"t_ms":1,"type":"committed_log","source":"database","messages":[{"id":3,"content":"c"},{"id":1,"content":"a","client_offset":"x"}]})"));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto& log = std::get<CommittedLog>(std::get<EventPayload>(decoded.value().content));
  ASSERT_EQ(log.messages.size(), 2u);
  EXPECT_EQ(log.messages[0], (CommittedMessage{1, "a", "x"}));
  EXPECT_EQ(log.messages[1], (CommittedMessage{3, "c", std::nullopt}));
}

struct RejectedLine {
  const char* json;
  const char* expected_error;
};

class HistoryJsonRejects : public ::testing::TestWithParam<RejectedLine> {};

TEST_P(HistoryJsonRejects, WithAnErrorNamingTheFieldAndWhatItMustBe) {
  const auto decoded = decode_history_line(nlohmann::json::parse(GetParam().json));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error(), GetParam().expected_error);
}

INSTANTIATE_TEST_SUITE_P(
    BadLines, HistoryJsonRejects,
    ::testing::Values(
        RejectedLine{R"([1,2])", "expected a JSON object, got an array"},
        RejectedLine{R"({"type":"phase","phase":"heal"})", "line has no `t_ms` (expected an integer)"},
        RejectedLine{R"({"t_ms":1.5,"type":"phase","phase":"heal"})", "line: `t_ms` must be an integer, not a number (1.5)"},
        RejectedLine{R"({"t_ms":1,"type":7})", "line: `type` must be a string, not an integer (7)"},
        RejectedLine{R"({"t_ms":1,"type":"connecting","client":"a","attempt":1,"transport":"webtransport"})",
                     "`connecting` line: `transport` must be \"websocket\" or \"polling\", not \"webtransport\""},
        RejectedLine{R"({"t_ms":1,"type":"connecting","client":"a","attempt":1,"node":-1})",
                     "`connecting` line: `node` must be a node index (0 or more), not -1"},
        RejectedLine{R"({"t_ms":1,"type":"server_started","port":1,"incarnation":1,"node":"1"})",
                     "`server_started` line: `node` must be an integer, not a string (\"1\")"},
        RejectedLine{R"({"t_ms":1,"type":"fault","name":"x","action":"start","link":"database"})",
                     "`fault` line: `link` must be \"clients\" or \"redis\", not \"database\""},
        RejectedLine{R"({"t_ms":1,"type":"fault","name":"x","action":"start","node":-2})",
                     "`fault` line: `node` must be a node index (0 or more), not -2"},
        RejectedLine{R"({"t_ms":1,"type":"cluster_fault","kind":"restart_node","action":"start","detail":""})",
                     "`cluster_fault` line: `kind` must be \"restart_redis\", \"trim_stream\" or \"partition_node\", not \"restart_node\""},
        RejectedLine{R"({"t_ms":1,"type":"cluster_fault","kind":"trim_stream","action":"fired","detail":""})",
                     "`cluster_fault` line: `action` must be \"start\", \"end\", \"done\" or \"refused\", not \"fired\""},
        RejectedLine{R"({"t_ms":1,"type":"received","client":"a","content":"x","rendered":true})",
                     "`received` line has no `id` (expected an integer)"},
        RejectedLine{R"({"t_ms":1,"type":"received","client":"a","id":"7","content":"x","rendered":true})",
                     "`received` line: `id` must be an integer, not a string (\"7\")"},
        RejectedLine{R"({"t_ms":1,"type":"received","client":"a","id":18446744073709551615,"content":"x","rendered":true})",
                     "`received` line: `id` is out of range (18446744073709551615)"},
        RejectedLine{R"({"t_ms":1,"type":"sent","client":"a","content":"x","attempt":1,"acked_delivery":false})",
                     "`sent` line has no `client_offset` (expected a string or null)"},
        RejectedLine{R"({"t_ms":1,"type":"run_finished","converged":"yes"})",
                     "`run_finished` line: `converged` must be true or false, not a string (\"yes\")"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log","source":"guess","messages":[]})",
                     "`committed_log` line: `source` must be \"database\", \"observed\" or \"catch_up_audit\", not \"guess\""},
        RejectedLine{R"({"t_ms":1,"type":"committed_log","source":"catch_up_audit","messages":[]})",
                     "`committed_log` line: source \"catch_up_audit\" needs `from_offset` (the serverOffset the audit client connected with, an integer >= 0)"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log","source":"catch_up_audit","from_offset":-3,"messages":[]})",
                     "`committed_log` line: `from_offset` must not be negative, not -3"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log","source":"catch_up_audit","from_offset":"40","messages":[]})",
                     "`committed_log` line: `from_offset` must be an integer, not a string (\"40\")"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log_unavailable","source":"observed","detail":"x"})",
                     "`committed_log_unavailable` line: `source` must be \"database\" or \"catch_up_audit\", not \"observed\""},
        RejectedLine{R"({"t_ms":1,"type":"committed_log_unavailable","source":"catch_up_audit","from_offset":0})",
                     "`committed_log_unavailable` line has no `detail` (expected a string)"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log_unavailable","source":"catch_up_audit","detail":"timed out"})",
                     "`committed_log_unavailable` line: source \"catch_up_audit\" needs `from_offset` (the serverOffset the audit client connected with, an integer >= 0)"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log","source":"database","messages":[{"id":1}]})",
                     "`committed_log`.messages[0] has no `content` (expected a string)"},
        RejectedLine{R"({"t_ms":1,"type":"committed_log","source":"database","messages":[{"id":1,"content":"a"},{"id":1,"content":"b"}]})",
                     "`committed_log` line: id 1 appears more than once"},
        RejectedLine{R"({"t_ms":0,"type":"run_started","scenario":"s","file":"","seed":1,"mode":"fast","target":"embedded","delivery":"strict","expect":{"verdict":"valid"},"replay":{},"clients":[]})",
                     "`run_started` line: `mode` must be \"live\" or \"sim\", not \"fast\""},
        RejectedLine{R"({"t_ms":0,"type":"run_started","scenario":"s","file":"","seed":-1,"mode":"sim","target":"embedded","delivery":"strict","expect":{"verdict":"valid"},"replay":{},"clients":[]})",
                     "`run_started` line: `seed` must be a non-negative integer, not an integer (-1)"},
        RejectedLine{R"({"t_ms":0,"type":"run_started","scenario":"s","file":"","seed":1,"mode":"sim","target":"embedded","delivery":"strict","expect":{"verdict":"maybe"},"replay":{},"clients":[]})",
                     "`run_started`.expect: `verdict` must be \"valid\", \"invalid\" or \"unknown\", not \"maybe\""},
        RejectedLine{R"({"t_ms":0,"type":"run_started","scenario":"s","file":"","seed":1,"mode":"sim","target":"embedded","delivery":"strict","expect":{"verdict":"valid"},"replay":{},"clients":["a",2]})",
                     "`run_started` line: `clients`[1] must be a string, not an integer (2)"}));

TEST(HistoryJson, UnknownFieldsAreIgnoredAndUnknownTypesKept) {
  const auto with_extra = decode_history_line(
      nlohmann::json::parse(R"({"t_ms":1,"type":"phase","phase":"heal","added_in_v2":true})"));
  ASSERT_TRUE(with_extra.ok()) << with_extra.error();
  const auto unknown = decode_history_line(nlohmann::json::parse(R"({"t_ms":1,"type":"proxy_stats","bytes":10})"));
  ASSERT_TRUE(unknown.ok()) << unknown.error();
  const auto& event = std::get<UnrecognizedEvent>(std::get<EventPayload>(unknown.value().content));
  EXPECT_EQ(event.type, "proxy_stats");
  EXPECT_EQ(event.fields.at("bytes"), 10);
}

}  // namespace
}  // namespace resync::history

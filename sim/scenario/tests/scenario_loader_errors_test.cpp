// Every kind of mistake in a scenario file is reported at its exact JSON path (or line and
// column), with what was found, what was expected and how to fix it.
#include <gtest/gtest.h>

#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_json;
using testing::load_with;
using testing::valid_scenario_json;

LoadResult load_without(const std::string& pointer) {
  nlohmann::json document = valid_scenario_json();
  const nlohmann::json::json_pointer path(pointer);
  document[path.parent_pointer()].erase(path.back());
  return load_json(document);
}

TEST(ScenarioLoaderErrors, TheValidScenarioLoads) {
  const LoadResult result = load_json(valid_scenario_json());
  EXPECT_TRUE(result.ok()) << result.error_text();
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.error_text(), "");
}

TEST(ScenarioLoaderErrors, MessageNamesFilePathFoundExpectedAndFix) {
  const LoadResult result = load_with("/timeline/0/send/count", -5);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u) << result.error_text();
  const ScenarioError& error = result.errors[0];
  EXPECT_EQ(error.file, "test.json");
  EXPECT_EQ(error.json_path, "$.timeline[0].send.count");
  EXPECT_EQ(error.found, "the number -5");
  EXPECT_EQ(error.expected, "an integer from 1 to 10000 (messages per listed client)");
  EXPECT_FALSE(error.fix.empty());
  EXPECT_EQ(error.message(),
            "test.json: $.timeline[0].send.count: found the number -5; expected an integer from 1 to 10000 "
            "(messages per listed client). Fix: " + error.fix);
  EXPECT_EQ(result.error_text(), error.message() + "\n");
}

TEST(ScenarioLoaderErrors, AClientTransportIsWebsocketOrPolling) {
  for (const nlohmann::json& wrong : {nlohmann::json("Polling"), nlohmann::json("xhr"), nlohmann::json(true)}) {
    const LoadResult result = load_with("/clients/0/transport", wrong);
    ASSERT_FALSE(result.ok());
    const ScenarioError error = error_at(result, "$.clients[0].transport");
    EXPECT_EQ(error.expected, R"("websocket" or "polling")");
    EXPECT_NE(error.fix.find("long-polling"), std::string::npos);
  }
  EXPECT_TRUE(load_with("/clients/0/transport", "polling").ok());
  EXPECT_TRUE(load_with("/clients/0/transport", "websocket").ok());
}

TEST(ScenarioLoaderErrors, InvalidJsonGivesLineAndColumn) {
  const LoadResult result = load_scenario_text("{\n  \"name\": \"x\",\n  \"clients\": [,]\n}", "bad.json");
  ASSERT_EQ(result.errors.size(), 1u);
  const ScenarioError& error = result.errors[0];
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(error.column, 15u);
  EXPECT_EQ(error.json_path, "");
  EXPECT_NE(error.found.find("invalid JSON"), std::string::npos) << error.found;
  EXPECT_EQ(error.message().rfind("bad.json:3:15: found invalid JSON", 0), 0u) << error.message();
}

TEST(ScenarioLoaderErrors, EmptyTextTrailingGarbageAndCommentsAreInvalidJson) {
  for (const char* text : {"", "   ", "{} x", "{\"a\": 1,}", "// comment\n{}", "{'name': 1}"}) {
    const LoadResult result = load_scenario_text(text, "t.json");
    ASSERT_EQ(result.errors.size(), 1u) << text;
    EXPECT_GE(result.errors[0].line, 1u) << text;
    EXPECT_NE(result.errors[0].found.find("invalid JSON"), std::string::npos) << text;
  }
}

TEST(ScenarioLoaderErrors, NumberTooLargeForAnyTypeIsReportedWithItsPosition) {
  const LoadResult result = load_scenario_text("{\n\"seed\": 1e999}", "t.json");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 2u);
  EXPECT_EQ(result.errors[0].column, 9u);
}

TEST(ScenarioLoaderErrors, DuplicateKeyIsAnError) {
  const LoadResult result = load_scenario_text(R"({"name": "a", "clients": [{"name": "x", "name": "y"}]})", "t.json");
  EXPECT_TRUE(has_error_at(result, "$.clients[0].name", "a second time"));
}

TEST(ScenarioLoaderErrors, DeepNestingIsRefusedWithoutCrashing) {
  const std::string text = "{\"timeline\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const LoadResult result = load_scenario_text(text, "t.json");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].found.find("nested more than 64"), std::string::npos);
  EXPECT_EQ(result.errors[0].json_path.rfind("$.timeline[0][0]", 0), 0u) << result.errors[0].json_path;
}

TEST(ScenarioLoaderErrors, HugeFileIsRefused) {
  const LoadResult result = load_scenario_text(std::string(5 * 1024 * 1024, ' '), "t.json");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].expected.find("at most"), std::string::npos);
}

TEST(ScenarioLoaderErrors, TopLevelMustBeAnObject) {
  EXPECT_TRUE(has_error_at(load_scenario_text("[1, 2]", "t.json"), "$", "an array of 2"));
  EXPECT_TRUE(has_error_at(load_scenario_text("\"x\"", "t.json"), "$", "the string"));
}

TEST(ScenarioLoaderErrors, MissingRequiredKeys) {
  EXPECT_TRUE(has_error_at(load_without("/name"), "$.name", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/description"), "$.description", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/clients"), "$.clients", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/expect"), "$.expect", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/expect/verdict"), "$.expect.verdict", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/clients/1/name"), "$.clients[1].name", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/timeline/0/at_ms"), "$.timeline[0].at_ms", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/timeline/0/send/clients"), "$.timeline[0].send.clients", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/timeline/1/fault/name"), "$.timeline[1].fault.name", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/timeline/1/fault/toxic"), "$.timeline[1].fault.toxic", "missing"));
  EXPECT_TRUE(has_error_at(load_without("/timeline/1/fault/toxic/type"), "$.timeline[1].fault.toxic.type", "missing"));
}

TEST(ScenarioLoaderErrors, UnknownKeysEverywhereWithASuggestion) {
  const LoadResult top = load_with("/timelin", nlohmann::json::array());
  ASSERT_TRUE(has_error_at(top, "$.timelin", "unknown key"));
  EXPECT_NE(error_at(top, "$.timelin").fix.find("did you mean \"timeline\""), std::string::npos);
  EXPECT_TRUE(has_error_at(load_with("/server/delivry", "strict"), "$.server.delivry", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/polcy", "dedupe"), "$.clients[0].polcy", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/reconnection", nlohmann::json{{"delay", 1}}),
                           "$.clients[0].reconnection.delay", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/delivery/acked/retry", 1), "$.clients[0].delivery.acked.retry",
                           "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/0/send/cont", 1), "$.timeline[0].send.cont", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/0/extra", 1), "$.timeline[0].extra", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/expect/anomaly", 1), "$.expect.anomaly", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/1/fault/toxic/atributes", nlohmann::json::object()),
                           "$.timeline[1].fault.toxic.atributes", "unknown key"));
  EXPECT_TRUE(has_error_at(load_with("/a b", 1), "$[\"a b\"]", "unknown key"));
}

TEST(ScenarioLoaderErrors, WrongTypes) {
  EXPECT_TRUE(has_error_at(load_with("/name", 5), "$.name", "the number 5"));
  EXPECT_TRUE(has_error_at(load_with("/description", ""), "$.description", "the string \"\""));
  EXPECT_TRUE(has_error_at(load_with("/server", "strict"), "$.server", "the string"));
  EXPECT_TRUE(has_error_at(load_with("/server/recovery", "yes"), "$.server.recovery", "the string \"yes\""));
  EXPECT_TRUE(has_error_at(load_with("/server/ping_interval_ms", 2.5), "$.server.ping_interval_ms", "2.5"));
  EXPECT_TRUE(has_error_at(load_with("/server/ping_interval_ms", "1000"), "$.server.ping_interval_ms", "\"1000\""));
  EXPECT_TRUE(has_error_at(load_with("/clients", nlohmann::json::object()), "$.clients", "an empty object"));
  EXPECT_TRUE(has_error_at(load_with("/clients", nlohmann::json::array()), "$.clients", "an empty array"));
  EXPECT_TRUE(has_error_at(load_with("/clients/1", "bob"), "$.clients[1]", "the string"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/delivery", "acknowledged"), "$.clients[0].delivery"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/delivery/acked/retries", "forever"),
                           "$.clients[0].delivery.acked.retries", "forever"));
  EXPECT_TRUE(has_error_at(load_with("/timeline", nlohmann::json::object()), "$.timeline", "an empty object"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", 7), "$.timeline[3]", "the number 7"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/3/wait", 7), "$.timeline[3].wait", "the number 7"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/2/heal", nlohmann::json::array()), "$.timeline[2].heal"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/1/fault/toxic", "reset"), "$.timeline[1].fault.toxic", "the string"));
  EXPECT_TRUE(has_error_at(load_with("/seed", -1), "$.seed", "-1"));
  EXPECT_TRUE(has_error_at(load_with("/expect/anomalies", "lost"), "$.expect.anomalies", "the string"));
}

TEST(ScenarioLoaderErrors, UnknownEnumValues) {
  EXPECT_TRUE(has_error_at(load_with("/server/delivery", "Strict"), "$.server.delivery", "\"Strict\""));
  EXPECT_TRUE(has_error_at(load_with("/server/durability", "none"), "$.server.durability"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/policy", "smart"), "$.clients[0].policy"));
  EXPECT_TRUE(has_error_at(load_with("/expect/verdict", "pass"), "$.expect.verdict"));
  EXPECT_TRUE(has_error_at(load_with("/expect/anomalies", nlohmann::json{"dropped"}), "$.expect.anomalies[0]"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", nlohmann::json{{"at_ms", 1}, {"kill_server", {{"signal", "SIGINT"}}}}),
                           "$.timeline[3].kill_server.signal", "SIGINT"));
}

TEST(ScenarioLoaderErrors, NegativeAndAbsurdValuesNameTheBound) {
  const LoadResult negative_time = load_with("/timeline/0/at_ms", -1);
  EXPECT_TRUE(has_error_at(negative_time, "$.timeline[0].at_ms", "-1"));
  EXPECT_NE(error_at(negative_time, "$.timeline[0].at_ms").expected.find("0 to 600000"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_with("/timeline/0/at_ms", 600001), "$.timeline[0].at_ms", "600001"));
  EXPECT_TRUE(has_error_at(load_with("/server/preload_messages", 100001), "$.server.preload_messages"));
  EXPECT_TRUE(has_error_at(load_with("/server/ping_timeout_ms", 0), "$.server.ping_timeout_ms"));
  EXPECT_TRUE(has_error_at(load_with("/server/recovery_window_ms", 600001), "$.server.recovery_window_ms"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/count", 0), "$.clients[0].count"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/count", 201), "$.clients[0].count"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/delivery/acked/retries", -1), "$.clients[0].delivery.acked.retries"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/delivery/acked/ack_timeout_ms", 0),
                           "$.clients[0].delivery.acked.ack_timeout_ms"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/reconnection", nlohmann::json{{"randomization_factor", 1.5}}),
                           "$.clients[0].reconnection.randomization_factor", "1.5"));
  EXPECT_TRUE(has_error_at(load_with("/clients/0/reconnection", nlohmann::json{{"delay_ms", 3000}, {"delay_max_ms", 2000}}),
                           "$.clients[0].reconnection.delay_max_ms", "below delay_ms"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/0/send/count", 10001), "$.timeline[0].send.count"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/0/send/interval_ms", 60001), "$.timeline[0].send.interval_ms"));
  EXPECT_TRUE(has_error_at(load_with("/converge_within_ms", 600001), "$.converge_within_ms"));
  EXPECT_TRUE(has_error_at(load_with("/quiet_ms", -3), "$.quiet_ms"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/0/send/count", 18446744073709551615u), "$.timeline[0].send.count"));
}

TEST(ScenarioLoaderErrors, BurstEndingAfterTenMinutes) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"][0]["send"] = nlohmann::json::parse(R"({"clients": "bob", "count": 10000, "interval_ms": 60000})");
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[0].send.count", "the last at"));
}

TEST(ScenarioLoaderErrors, TooManyClientsInAll) {
  nlohmann::json document = valid_scenario_json();
  document["clients"] = nlohmann::json::parse(R"([{"name": "a", "count": 150}, {"name": "b", "count": 51}])");
  document["timeline"] = nlohmann::json::array();
  const LoadResult result = load_json(document);
  EXPECT_TRUE(has_error_at(result, "$.clients[1].count", "201 in all"));
}

TEST(ScenarioLoaderErrors, TooManyMessagesInAll) {
  nlohmann::json document = valid_scenario_json();
  document["clients"] = nlohmann::json::parse(R"([{"name": "a", "count": 20}])");
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 0, "send": {"clients": "all", "count": 5000}},
    {"at_ms": 1, "send": {"clients": "a-1", "count": 1}}])");
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[1].send.count", "100001 sent"));
}

TEST(ScenarioLoaderErrors, BadNames) {
  EXPECT_TRUE(has_error_at(load_with("/name", "Has Spaces"), "$.name"));
  EXPECT_TRUE(has_error_at(load_with("/name", "double--dash"), "$.name"));
  EXPECT_TRUE(has_error_at(load_with("/clients/1/name", "b o b"), "$.clients[1].name"));
  EXPECT_TRUE(has_error_at(load_with("/clients/1/name", std::string(65, 'b')), "$.clients[1].name"));
  EXPECT_TRUE(has_error_at(load_with("/clients/1/name", "all"), "$.clients[1]", "\"all\""));
  EXPECT_TRUE(has_error_at(load_with("/clients/1/name", "alice"), "$.clients[1]", "a second time"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/1/fault/name", "has space"), "$.timeline[1].fault.name"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/1/fault/name", "all"), "$.timeline[1].fault.name", "\"all\""));
}

TEST(ScenarioLoaderErrors, ExpandedNamesMustNotCollide) {
  nlohmann::json document = valid_scenario_json();
  document["clients"] = nlohmann::json::parse(R"([{"name": "x", "count": 2}, {"name": "x-2"}])");
  document["timeline"] = nlohmann::json::array();
  EXPECT_TRUE(has_error_at(load_json(document), "$.clients[1]", "\"x-2\" a second time"));
}

TEST(ScenarioLoaderErrors, UnknownClientsInSteps) {
  const LoadResult result = load_with("/timeline/0/send/clients", nlohmann::json{"bob", "carol"});
  EXPECT_TRUE(has_error_at(result, "$.timeline[0].send.clients[1]", "\"carol\""));
  EXPECT_NE(error_at(result, "$.timeline[0].send.clients[1]").expected.find("alice, bob"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", nlohmann::json{{"at_ms", 1}, {"disconnect", "dave"}}),
                           "$.timeline[3].disconnect", "\"dave\""));
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", nlohmann::json{{"at_ms", 1}, {"reload", nlohmann::json::array()}}),
                           "$.timeline[3].reload", "an empty array"));
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", nlohmann::json{{"at_ms", 1}, {"connect", {"bob", "bob"}}}),
                           "$.timeline[3].connect[1]", "a second time"));
}

TEST(ScenarioLoaderErrors, StepWithNoActionOrTwoActions) {
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", nlohmann::json{{"at_ms", 1}}), "$.timeline[3]", "no action"));
  const nlohmann::json two = {{"at_ms", 1}, {"wait", nlohmann::json::object()}, {"connect", "bob"}};
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", two), "$.timeline[3]", "connect and wait"));
}

TEST(ScenarioLoaderErrors, HealOfAFaultThatIsNotActive) {
  const LoadResult unknown = load_with("/timeline/2/heal", "cut-bob");
  EXPECT_TRUE(has_error_at(unknown, "$.timeline[2].heal", "\"cut-bob\", which is not active at 300 ms"));
  EXPECT_NE(error_at(unknown, "$.timeline[2].heal").found.find("active: cut-alice"), std::string::npos);
  // Healing before the fault starts is the same mistake (steps run in at_ms order).
  EXPECT_TRUE(has_error_at(load_with("/timeline/2/at_ms", 150), "$.timeline[2].heal", "not active at 150 ms"));
  // Healing twice.
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", nlohmann::json{{"at_ms", 400}, {"heal", "cut-alice"}}),
                           "$.timeline[3].heal", "not active"));
}

TEST(ScenarioLoaderErrors, FaultNameReusedWhileActive) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"][2] = document["timeline"][1];
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[2].fault.name", "already active"));
}

TEST(ScenarioLoaderErrors, RestartServerNeedsAServerHeldDown) {
  const nlohmann::json restart = {{"at_ms", 1}, {"restart_server", nlohmann::json::object()}};
  EXPECT_TRUE(has_error_at(load_with("/timeline/3", restart), "$.timeline[3].restart_server", "no kill_server"));

  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(R"([
    {"at_ms": 10, "kill_server": {"restart": false}},
    {"at_ms": 20, "restart_server": {}},
    {"at_ms": 30, "restart_server": {}}])");
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[2].restart_server", "no kill_server"));

  document["timeline"] = nlohmann::json::parse(R"([{"at_ms": 10, "kill_server": {"restart": false, "restart_after_ms": 5}},
    {"at_ms": 20, "restart_server": {}}])");
  EXPECT_TRUE(has_error_at(load_json(document), "$.timeline[0].kill_server.restart_after_ms", "\"restart\": false"));
}

TEST(ScenarioLoaderErrors, ExpectationContradictions) {
  EXPECT_TRUE(has_error_at(load_with("/expect/anomalies", nlohmann::json{"lost"}), "$.expect.anomalies[0]",
                           "with the verdict \"valid\""));
  EXPECT_TRUE(load_with("/expect/anomalies", nlohmann::json{"sent_unknown"}).ok());
  nlohmann::json document = valid_scenario_json();
  document["expect"] = nlohmann::json::parse(R"({"verdict": "invalid", "anomalies": ["lost", "lost"]})");
  EXPECT_TRUE(has_error_at(load_json(document), "$.expect.anomalies[1]", "a second time"));
}

TEST(ScenarioLoaderErrors, AllowNamesKnownKindsThatAnomaliesDoesNotAlreadyRequire) {
  nlohmann::json document = valid_scenario_json();
  document["expect"] = nlohmann::json::parse(R"({"verdict": "invalid", "anomalies": ["lost"], "allow": ["sent_unknown"]})");
  const LoadResult allowed = load_json(document);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed.scenario->expect.allow, std::vector<std::string>{"sent_unknown"});

  document["expect"] = nlohmann::json::parse(R"({"verdict": "invalid", "anomalies": ["lost"], "allow": ["sent_unkown"]})");
  const LoadResult misspelled = load_json(document);
  EXPECT_TRUE(has_error_at(misspelled, "$.expect.allow[0]", "\"sent_unkown\""));
  EXPECT_NE(error_at(misspelled, "$.expect.allow[0]").fix.find("did you mean \"sent_unknown\"?"), std::string::npos);

  document["expect"] = nlohmann::json::parse(R"({"allow": ["lost"], "verdict": "invalid", "anomalies": ["lost"]})");
  EXPECT_TRUE(has_error_at(load_json(document), "$.expect.allow[0]", "which `anomalies` already requires"));

  document["expect"] = nlohmann::json::parse(R"({"verdict": "valid", "allow": ["duplicated"]})");
  EXPECT_TRUE(has_error_at(load_json(document), "$.expect.allow[0]", "with the verdict \"valid\""));
  document["expect"] = nlohmann::json::parse(R"({"verdict": "invalid", "anomalies": ["lost"], "allow": "sent_unknown"})");
  EXPECT_TRUE(has_error_at(load_json(document), "$.expect.allow", "the string"));
  document["expect"] = nlohmann::json::parse(R"({"verdict": "invalid", "anomalies": ["recovery_gap", "server_crashed", "recovery_repeat"]})");
  EXPECT_TRUE(load_json(document).ok());
}

TEST(ScenarioLoaderErrors, AMisspelledAnomalyKindGetsASuggestion) {
  nlohmann::json document = valid_scenario_json();
  document["expect"] = nlohmann::json::parse(R"({"verdict": "invalid", "anomalies": ["recovery_gaps"]})");
  const LoadResult result = load_json(document);
  EXPECT_NE(error_at(result, "$.expect.anomalies[0]").fix.find("did you mean \"recovery_gap\"?"), std::string::npos);
}

TEST(ScenarioLoaderErrors, ExternalServerMisuse) {
  EXPECT_TRUE(has_error_at(load_with("/server", nlohmann::json{{"external", {{"url", "127.0.0.1:3000"}}}}),
                           "$.server.external.url", "127.0.0.1:3000"));
  EXPECT_TRUE(has_error_at(load_with("/server/external", nlohmann::json{{"url", "http://x"}}), "$.server.delivery",
                           "next to \"external\""));
  EXPECT_TRUE(has_error_at(load_with("/server", nlohmann::json{{"external", {{"port", 1}}}}), "$.server.external.port",
                           "unknown key"));
}

TEST(ScenarioLoaderErrors, ToxicsAreCheckedByTheFaultInjector) {
  const std::string toxic = "/timeline/1/fault/toxic";
  const LoadResult unknown_type = load_with(toxic + "/type", "reset");
  ASSERT_TRUE(has_error_at(unknown_type, "$.timeline[1].fault.toxic.type", "\"reset\""));
  EXPECT_NE(error_at(unknown_type, "$.timeline[1].fault.toxic.type").expected.find("reset_peer"), std::string::npos);
  EXPECT_TRUE(has_error_at(load_with(toxic + "/type", 3), "$.timeline[1].fault.toxic.type", "the number 3"));

  const LoadResult unknown_attribute = load_with(toxic + "/attributes/timeot", 1);
  ASSERT_TRUE(has_error_at(unknown_attribute, "$.timeline[1].fault.toxic.attributes.timeot", "unknown attribute"));
  EXPECT_NE(error_at(unknown_attribute, "$.timeline[1].fault.toxic.attributes.timeot").fix.find("\"timeout\""),
            std::string::npos);
  EXPECT_TRUE(has_error_at(load_with(toxic + "/attributes/timeout", -1), "$.timeline[1].fault.toxic.attributes.timeout",
                           "-1"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/attributes/timeout", "1"), "$.timeline[1].fault.toxic.attributes.timeout"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/attributes", nlohmann::json::array()), "$.timeline[1].fault.toxic.attributes"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/stream", "sideways"), "$.timeline[1].fault.toxic.stream"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/toxicity", 2), "$.timeline[1].fault.toxic.toxicity", "2"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/target", nlohmann::json{{"nth_connection", 0}}),
                           "$.timeline[1].fault.toxic.target"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/trigger", nlohmann::json{{"after_frames", -3}}),
                           "$.timeline[1].fault.toxic.trigger"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/trigger", nlohmann::json{{"after_frames", 1}, {"after_bytes", 2}}),
                           "$.timeline[1].fault.toxic.trigger"));
  EXPECT_TRUE(has_error_at(load_with(toxic + "/name", "x"), "$.timeline[1].fault.toxic.name"));
  EXPECT_TRUE(load_with(toxic + "/name", "cut-alice").ok()) << "the fault's own name, as written back by the fuzzer";

  const LoadResult pause_with_attribute = load_with(toxic, nlohmann::json{{"type", "pause"}, {"attributes", {{"ms", 1}}}});
  EXPECT_TRUE(has_error_at(pause_with_attribute, "$.timeline[1].fault.toxic.attributes.ms", "unknown attribute"));
}

TEST(ScenarioLoaderErrors, AttributeRulesOfTheFaultInjectorLandOnTheRightPath) {
  const std::string toxic = "/timeline/1/fault/toxic";
  const nlohmann::json slicer = {{"type", "slicer"}};
  const LoadResult missing = load_with(toxic, slicer);
  ASSERT_TRUE(has_error_at(missing, "$.timeline[1].fault.toxic.attributes"));
  EXPECT_NE(error_at(missing, "$.timeline[1].fault.toxic.attributes").expected.find("average_size"), std::string::npos);

  nlohmann::json misspelled = slicer;
  misspelled["attributes"] = {{"average_sise", 10}};
  const LoadResult typo = load_with(toxic, misspelled);
  ASSERT_TRUE(has_error_at(typo, "$.timeline[1].fault.toxic.attributes"));
  EXPECT_NE(error_at(typo, "$.timeline[1].fault.toxic.attributes").fix.find("\"average_sise\" a misspelling"),
            std::string::npos);

  nlohmann::json too_varied = slicer;
  too_varied["attributes"] = {{"average_size", 10}, {"size_variation", 10}};
  EXPECT_TRUE(has_error_at(load_with(toxic, too_varied), "$.timeline[1].fault.toxic.attributes.size_variation", "10"));

  nlohmann::json with_bad_stream = slicer;
  with_bad_stream["attributes"] = {{"average_size", 10}};
  with_bad_stream["stream"] = "up";
  const LoadResult stream = load_with(toxic, with_bad_stream);
  ASSERT_EQ(stream.errors.size(), 1u) << stream.error_text();
  EXPECT_EQ(stream.errors[0].json_path, "$.timeline[1].fault.toxic.stream");
}

TEST(ScenarioLoaderErrors, TargetTagMustNameAClient) {
  const LoadResult result = load_with("/timeline/1/fault/toxic/target/tag", "carol");
  EXPECT_TRUE(has_error_at(result, "$.timeline[1].fault.toxic.target.tag", "\"carol\""));

  nlohmann::json document = valid_scenario_json();
  document["clients"].push_back(nlohmann::json::parse(R"({"name": "crowd", "count": 3})"));
  document["timeline"][1]["fault"]["toxic"]["target"]["tag"] = "crowd";
  const LoadResult group = load_json(document);
  ASSERT_TRUE(has_error_at(group, "$.timeline[1].fault.toxic.target.tag", "\"crowd\""));
  EXPECT_NE(error_at(group, "$.timeline[1].fault.toxic.target.tag").fix.find("crowd-1 .. crowd-3"), std::string::npos);
}

TEST(ScenarioLoaderErrors, SeveralMistakesAreAllReported) {
  nlohmann::json document = valid_scenario_json();
  document["server"]["delivery"] = "fast";
  document["clients"][0]["policy"] = "x";
  document["timeline"][0]["send"]["count"] = 0;
  document["expect"]["verdict"] = "ok";
  const LoadResult result = load_json(document);
  EXPECT_EQ(result.errors.size(), 4u) << result.error_text();
}

TEST(ScenarioLoaderErrors, MissingFile) {
  const LoadResult result = load_scenario_file("/nonexistent/dir/x.json");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, "/nonexistent/dir/x.json");
  EXPECT_NE(result.errors[0].message().find("/nonexistent/dir/x.json"), std::string::npos);
}

}  // namespace
}  // namespace resync::sim

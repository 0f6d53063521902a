// The message-flow diagram's data: every send, store and delivery of an id, live against
// catch-up, the bins of the zoomed-out view, and the limits.
#include "reports/html/flow_diagram.hpp"

#include <gtest/gtest.h>

#include "reports/html/html_report_writer.hpp"
#include "reports/html/report_resources.hpp"
#include "reports/html/scenario_analysis.hpp"
#include "reports/html/sha256.hpp"
#include "reports/html/tests/report_test_histories.hpp"
#include "reports/html/timeline_model.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

json flow_of(const testing::TimedHistory& timed, const FlowDiagramLimits& limits = {}) {
  const history::History history = timed.build();
  const checker::CheckResult result = checker::check_history(history);
  return build_flow_diagram(history, result, analyze_scenario(history, result), limits);
}

json timeline_of(const testing::TimedHistory& timed) {
  const history::History history = timed.build();
  const checker::CheckResult result = checker::check_history(history);
  return build_timeline_model(history, result, analyze_scenario(history, result));
}

// The events of one message index, unpacked from the flat arrays: [t, client, catch_up].
std::vector<std::vector<std::int64_t>> deliveries_of(const json& flow, std::int64_t message) {
  std::vector<std::vector<std::int64_t>> found;
  const std::vector<std::int64_t> flat = flow["deliveries"];
  for (std::size_t index = 0; index + flow_delivery_fields <= flat.size(); index += flow_delivery_fields) {
    if (flat[index + 2] == message) found.push_back({flat[index], flat[index + 1], flat[index + 3]});
  }
  return found;
}

std::vector<std::vector<std::int64_t>> sends_of(const json& flow, std::int64_t message) {
  std::vector<std::vector<std::int64_t>> found;
  const std::vector<std::int64_t> flat = flow["sends"];
  for (std::size_t index = 0; index + flow_send_fields <= flat.size(); index += flow_send_fields) {
    if (flat[index + 2] == message) found.push_back({flat[index], flat[index + 1]});
  }
  return found;
}

TEST(FlowDiagram, FollowsOneIdFromItsSendThroughItsStoreToEveryDelivery) {
  const json flow = flow_of(testing::race_after_reconnect());
  EXPECT_EQ(flow["clients"], json({"alice", "bob"}));
  EXPECT_EQ(flow["ids"], json({1, 2, 3, 4, 5}));
  ASSERT_TRUE(flow["exact"].get<bool>());
  // id 5 (message index 4): sent by alice at 501 (a plain send: no ack), existed from its
  // first rendering at 503, rendered by alice once and by bob twice (the duplicate).
  EXPECT_EQ(sends_of(flow, 4), (std::vector<std::vector<std::int64_t>>{{501, 0}}));
  EXPECT_EQ(flow["stores"][4], 503);
  EXPECT_EQ(deliveries_of(flow, 4), (std::vector<std::vector<std::int64_t>>{{503, 0, 0}, {510, 1, 0}, {512, 1, 0}}));
  EXPECT_EQ(flow["sends"].size(), 5 * flow_send_fields);
  EXPECT_EQ(flow["deliveries"].size(), 11 * flow_delivery_fields);
}

TEST(FlowDiagram, ADeliveryOfAMessageStoredBeforeTheConnectIsACatchUp) {
  const json flow = flow_of(testing::race_after_reconnect());
  // bob reconnected at 400: ids 2 and 3 (stored at 150 and 200) came with the catch-up, id 1
  // before the reset was live, and so were ids 4 and 5 stored after the connect.
  EXPECT_EQ(deliveries_of(flow, 1), (std::vector<std::vector<std::int64_t>>{{151, 0, 0}, {410, 1, 1}}));
  EXPECT_EQ(deliveries_of(flow, 2), (std::vector<std::vector<std::int64_t>>{{201, 0, 0}, {420, 1, 1}}));
  EXPECT_EQ(deliveries_of(flow, 0), (std::vector<std::vector<std::int64_t>>{{11, 0, 0}, {12, 1, 0}}));
  EXPECT_EQ(deliveries_of(flow, 3), (std::vector<std::vector<std::int64_t>>{{502, 0, 0}, {511, 1, 0}}));
}

TEST(FlowDiagram, BinsCountEachLanePairsEventsPerTimeBin) {
  FlowDiagramLimits limits;
  limits.bins = 6;  // 600 ms run: 100 ms bins
  const json flow = flow_of(testing::race_after_reconnect(), limits);
  const json& bins = flow["bins"];
  EXPECT_EQ(bins["count"], 6);
  EXPECT_EQ(bins["bin_ms"], 100);
  EXPECT_EQ(bins["sends"][0], json({1, 1, 1, 0, 0, 2}));
  EXPECT_EQ(bins["sends"][1], json::array());  // bob sent nothing: trailing zeros implied
  EXPECT_EQ(bins["live"][0], json({1, 1, 1, 0, 0, 2}));
  EXPECT_EQ(bins["live"][1], json({1, 0, 0, 0, 0, 3}));
  EXPECT_EQ(bins["catch_up"][1], json({0, 0, 0, 0, 2}));
}

TEST(FlowDiagram, OverTheExactEventsLimitOnlyBinsAreEmbedded) {
  FlowDiagramLimits limits;
  limits.exact_events_max = 15;  // the history has 5 sends and 11 deliveries
  const json flow = flow_of(testing::race_after_reconnect(), limits);
  EXPECT_FALSE(flow["exact"].get<bool>());
  EXPECT_TRUE(flow["sends"].empty());
  EXPECT_TRUE(flow["deliveries"].empty());
  EXPECT_EQ(flow["bins"]["live"][1].size(), 512 / 2 + 1);  // 2 ms bins, up to bob's last delivery at 512
  limits.exact_events_max = 16;
  EXPECT_TRUE(flow_of(testing::race_after_reconnect(), limits)["exact"].get<bool>());
}

// A triggered reset on bob's link that fires on each of his connects, and two log lines.
testing::TimedHistory with_server_log_and_firings() {
  testing::TimedHistory timed({"alice", "bob"}, "triggered-reset");
  timed.at(0, history::ServerStarted{0, std::nullopt, 1}).at(0, history::PhaseChanged{"faults"});
  timed.connects(0, "alice");
  timed.at(10, history::FaultChanged{"bob-link", "start", "reset_peer",
                                     {{"type", "reset_peer"}, {"target", {{"tag", "bob"}}}, {"trigger", {{"after_events", 1}}}}});
  timed.at(20, history::ClientConnecting{"bob", 1});
  timed.at(21, history::FaultChanged{"bob-link", "fired", "reset_peer", "after_events 1 on connection 3 (bob)"});
  timed.at(21, history::ClientConnectError{"bob", "reset"});
  timed.at(40, history::ClientConnecting{"bob", 2});
  timed.at(41, history::FaultChanged{"bob-link", "fired", "reset_peer", "after_events 1 on connection 4 (bob)"});
  timed.at(41, history::ClientConnectError{"bob", "reset"});
  timed.at(50, history::ServerLog{"info", "listening", 1});
  timed.at(60, history::ServerLog{"error", "database is locked", 1});
  timed.at(100, history::FaultChanged{"bob-link", "heal", "", nullptr});
  timed.connects(110, "bob");
  timed.at(200, history::PhaseChanged{"heal"}).at(200, history::PhaseChanged{"check"});
  timed.finishes(200);
  return timed;
}

TEST(FlowDiagram, CarriesTheServerLogAndTriggerFiringsWithinTheirLimits) {
  FlowDiagramLimits limits;
  limits.server_log_lines_max = 1;
  limits.firings_max = 1;
  const json flow = flow_of(with_server_log_and_firings(), limits);
  EXPECT_EQ(flow["server_log"], json::parse(R"([[50, 0, "listening", 1]])"));
  EXPECT_EQ(flow["server_log_not_shown"], 1);
  EXPECT_EQ(flow["firings"], json::parse(R"json([[21, "bob-link", "after_events 1 on connection 3 (bob)"]])json"));
  EXPECT_EQ(flow["firings_not_shown"], 1);
  EXPECT_EQ(flow_of(with_server_log_and_firings())["server_log"][1][1], 2);  // the error level
}

TEST(Timeline, DrawsEveryFiringOfATriggeredFaultAndTheServerLogLines) {
  const json timeline = timeline_of(with_server_log_and_firings());
  ASSERT_EQ(timeline["faults"].size(), 1u);
  EXPECT_EQ(timeline["faults"][0][7], json({21, 41}));  // one tick per connection it cut
  std::vector<std::string> kinds;
  for (const json& mark : timeline["server"]["marks"]) kinds.push_back(mark[1]);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "server_log_info"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "server_log_error"), kinds.end());
}

TEST(Timeline, LabelsAFaultOffTheClientLinkWithItsLinkAndNode) {
  testing::TimedHistory timed({"alice"}, "redis-link-fault");
  timed.at(0, history::ServerStarted{0, std::nullopt, 1}).at(0, history::PhaseChanged{"faults"});
  timed.connects(0, "alice");
  history::FaultChanged on_redis{"slow-log", "start", "latency", {{"type", "latency"}, {"attributes", {{"latency", 300}}}}};
  on_redis.link = sim::FaultLink::redis;
  on_redis.node = 1;
  timed.at(10, on_redis);
  timed.at(20, history::FaultChanged{"cut", "start", "reset_peer", {{"type", "reset_peer"}}});
  timed.at(200, history::PhaseChanged{"heal"}).at(200, history::PhaseChanged{"check"});
  timed.finishes(200);
  const json timeline = timeline_of(timed);
  ASSERT_EQ(timeline["faults"].size(), 2u);
  EXPECT_EQ(timeline["faults"][0][3], "latency on node 1's link to Redis");
  EXPECT_EQ(timeline["faults"][1][3], "reset_peer") << "a fault on every client link reads as it always did";
}

// The same rules as report_script.js (html_report_structure_test.cpp): text only, ASCII,
// and allowed by the page's Content-Security-Policy by its own hash.
TEST(FlowDiagramScript, NeverParsesMarkupIsAsciiAndIsAllowedByThePolicy) {
  const std::string_view script = flow_diagram_js();
  for (const char* sink : {".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"}) {
    EXPECT_EQ(script.find(sink), std::string_view::npos) << sink;
  }
  for (char character : script) ASSERT_LT(static_cast<unsigned char>(character), 0x80);
  EXPECT_NE(script.find("window.resyncFlow"), std::string_view::npos);
  EXPECT_NE(report_content_security_policy().find(csp_hash_source(script)), std::string::npos);
}

}  // namespace
}  // namespace resync::reports

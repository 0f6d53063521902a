// Faults on a simulated cluster's links, by place: a toxic on a node's link to Redis runs in
// the fault injector's real pipeline on that node's Redis connections only (a latency delays
// that node's acknowledgements and no other's; a reset_peer makes that node reconnect; a
// timeout swallows a commit's reply while Redis applies it), a fault on one node's client
// link touches only the clients on that node, and the same seed still gives the same bytes.
#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "sim/simulator/simulator.hpp"
#include "sim/simulator/tests/history_lines.hpp"

namespace resync::sim {
namespace {

// Two nodes; w0 on node 0 and w1 on node 1 (sticky: client i starts on node i mod 2) each
// send 20 acked messages 50 ms apart from 200 ms.
Scenario two_writers() {
  Scenario scenario;
  scenario.name = "redis-link-unit";
  scenario.server.ping_interval_ms = 1000;
  scenario.server.ping_timeout_ms = 1000;
  scenario.server.nodes = 2;
  scenario.server.redis = true;
  for (const std::string name : {"w0", "w1"}) {
    ClientSpec client;
    client.name = name;
    client.policy = ClientPolicy::dedupe;
    client.send_mode = SendMode::acked;
    client.ack_timeout_ms = 2000;
    client.reconnection.delay_ms = 100;
    client.reconnection.delay_max_ms = 300;
    scenario.clients.push_back(client);
  }
  scenario.timeline.push_back({200, SendStep{{"w0", "w1"}, 20, 50, ""}, "$.timeline[0]"});
  scenario.converge_within_ms = 20000;
  return scenario;
}

void add_fault(Scenario& scenario, std::int64_t at_ms, const std::string& name, nlohmann::json toxic, FaultPlace place) {
  FaultStep fault;
  fault.name = name;
  toxic["name"] = name;
  fault.toxic = std::move(toxic);
  fault.place = place;
  scenario.timeline.push_back({at_ms, fault, "$.timeline[" + std::to_string(scenario.timeline.size()) + "]"});
}

void add_heal(Scenario& scenario, std::int64_t at_ms, const std::string& name) {
  scenario.timeline.push_back({at_ms, HealStep{name}, "$.timeline[" + std::to_string(scenario.timeline.size()) + "]"});
}

// When two_writers' send step asks for message `number` (1, 2, ...): an acked client sends
// one message at a time (socket.io-client's queue with retries), so a late ack also holds
// back the sends queued behind it; the delay counts from the step.
std::int64_t asked_ms(int number) { return 200 + 50 * (number - 1); }

struct LinkFaultRun {
  // Per client: milliseconds from the step asking for each message to its `acked`, by content.
  std::map<std::string, std::map<std::string, std::int64_t>> ack_delay_ms;
  std::set<std::string> sent_again;  // contents with a second attempt
  std::vector<std::string> committed;  // contents, in id order
  std::vector<nlohmann::json> server_logs;
  std::vector<nlohmann::json> fault_lines;
  std::map<std::string, int> disconnects;
  bool converged = false;
};

LinkFaultRun read_link_fault_run(const std::string& history) {
  LinkFaultRun run;
  for (const nlohmann::json& line : testing::history_lines(history)) {
    const std::string type = line["type"];
    if (type == "sent" && line["attempt"].get<int>() > 1) run.sent_again.insert(line["content"].get<std::string>());
    if (type == "acked") {
      const std::string content = line["content"];
      const int number = std::stoi(content.substr(content.find('-') + 1));
      run.ack_delay_ms[line["client"]][content] = line["t_ms"].get<std::int64_t>() - asked_ms(number);
    }
    if (type == "committed_log") {
      for (const auto& message : line["messages"]) run.committed.push_back(message["content"]);
    }
    if (type == "server_log") run.server_logs.push_back(line);
    if (type == "fault") run.fault_lines.push_back(line);
    if (type == "disconnected") ++run.disconnects[line["client"]];
    if (type == "run_finished") run.converged = line["converged"];
  }
  return run;
}

std::int64_t delay_of(const LinkFaultRun& run, const std::string& client, int message) {
  return run.ack_delay_ms.at(client).at(client + "-" + std::to_string(message));
}

bool each_stored_once(const LinkFaultRun& run, const std::vector<std::string>& clients, int count) {
  std::vector<std::string> expected;
  for (const std::string& client : clients) {
    for (int index = 1; index <= count; ++index) expected.push_back(client + "-" + std::to_string(index));
  }
  std::vector<std::string> stored = run.committed;
  std::sort(stored.begin(), stored.end());
  std::sort(expected.begin(), expected.end());
  return stored == expected;
}

bool logged_on_node(const LinkFaultRun& run, std::int64_t node, const std::string& text) {
  return std::any_of(run.server_logs.begin(), run.server_logs.end(), [&](const nlohmann::json& line) {
    return line.value("node", std::int64_t{0}) == node && line["text"].get<std::string>().find(text) != std::string::npos;
  });
}

const nlohmann::json latency_300 = {{"type", "latency"}, {"attributes", {{"latency", 300}, {"jitter", 0}}}};

TEST(SimulatedRedisLinkFault, ALatencyOnOneNodesRedisLinkDelaysThatNodesAcksAndNoOthers) {
  Scenario scenario = two_writers();
  add_fault(scenario, 500, "slow-log", latency_300, FaultPlace{FaultLink::redis, 1});
  add_heal(scenario, 1000, "slow-log");
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  // Asked for at 200 + 50 * (n - 1): the 2nd before the fault, the 7th (500 ms) on, the 20th
  // (1150 ms) after its heal once the queue behind the late acks has drained.
  EXPECT_LT(delay_of(run, "w1", 2), 50);
  EXPECT_GE(delay_of(run, "w1", 7), 300) << "w1-7's commit reply came 300 ms late";
  for (int message = 7; message <= 12; ++message) {
    EXPECT_GE(delay_of(run, "w1", message), 250) << "w1-" << message << ": late itself or queued behind a late one";
    EXPECT_LT(delay_of(run, "w0", message), 50) << "w0-" << message << ": node 0's link is untouched";
  }
  EXPECT_LT(delay_of(run, "w0", 20), 50);
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
  ASSERT_FALSE(run.fault_lines.empty());
  EXPECT_EQ(run.fault_lines.front()["link"], "redis");
  EXPECT_EQ(run.fault_lines.front()["node"], 1);
}

TEST(SimulatedRedisLinkFault, AResetPeerOnANodesRedisLinkMakesThatNodeReconnect) {
  Scenario scenario = two_writers();
  add_fault(scenario, 500, "cut-log", {{"type", "reset_peer"}, {"attributes", {{"timeout", 0}}}},
            FaultPlace{FaultLink::redis, 0});
  add_heal(scenario, 700, "cut-log");
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  EXPECT_TRUE(logged_on_node(run, 0, "closed by Redis or the network"));
  EXPECT_TRUE(logged_on_node(run, 0, "open again"));
  EXPECT_FALSE(logged_on_node(run, 1, "closed by Redis or the network")) << "node 1's links are untouched";
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
  EXPECT_EQ(run.disconnects.count("w0"), 0u) << "the clients' link is untouched";
}

// A close toward Redis only (upstream): redis-server reads the end and closes the
// connection, so the node hears its links close and reconnects at once; it does not write
// into a half-closed link and wait out its commit timeout (found by the fuzzer: a plain send
// after such a close was dropped after 5 s).
TEST(SimulatedRedisLinkFault, AnUpstreamCloseOnANodesRedisLinkMakesThatNodeReconnect) {
  Scenario scenario = two_writers();
  add_fault(scenario, 500, "close-log", {{"type", "close"}, {"stream", "upstream"}}, FaultPlace{FaultLink::redis, 0});
  add_heal(scenario, 501, "close-log");
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  EXPECT_TRUE(logged_on_node(run, 0, "closed by Redis or the network"));
  EXPECT_FALSE(logged_on_node(run, 0, "timed out")) << "no append waited for a reply on a link Redis had closed";
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
  // The group in flight at the close fails (its outcome unknown) and its client retries after
  // its 2 s ack timeout; without the reconnect the node would wait out its 5 s commit timeout.
  EXPECT_LT(delay_of(run, "w0", 8), 4000);
}

// The append reaches Redis, which stores it; its reply is swallowed, the node's commit times
// out, nothing of the group is acknowledged, and the client's retry (same client_offset)
// is answered from the stored row: each message is in the log once.
TEST(SimulatedRedisLinkFault, ACommitWhoseReplyIsSwallowedIsStoredOnceThroughTheRetry) {
  Scenario scenario = two_writers();
  add_fault(scenario, 500, "lose-reply",
            {{"type", "timeout"}, {"stream", "downstream"}, {"attributes", {{"timeout", 0}}}},
            FaultPlace{FaultLink::redis, 0});
  add_heal(scenario, 6000, "lose-reply");
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  EXPECT_TRUE(logged_on_node(run, 0, "the append timed out"));
  EXPECT_FALSE(run.sent_again.empty()) << "w0 waited out its ack timeout and sent again";
  EXPECT_GE(delay_of(run, "w0", 7), 2000) << "w0-7's first reply was swallowed";
  EXPECT_LT(delay_of(run, "w1", 7), 50) << "node 1's link is untouched";
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
}

// The fault injector's observer reads a Redis link's RESP as messages: a trigger on the text of
// node 0's next append fires on its command connection only, and the commit's reply is lost.
TEST(SimulatedRedisLinkFault, ATriggerOnACommandsTextFiresOnTheNodesCommandLink) {
  Scenario scenario = two_writers();
  add_fault(scenario, 500, "lose-append-reply",
            {{"type", "timeout"}, {"stream", "downstream"}, {"attributes", {{"timeout", 0}}},
             {"trigger", {{"frame_contains", "EVAL"}, {"direction", "upstream"}}}},
            FaultPlace{FaultLink::redis, 0});
  add_heal(scenario, 1500, "lose-append-reply");
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  std::vector<std::string> fired;
  for (const nlohmann::json& line : run.fault_lines) {
    if (line["action"] == "fired") fired.push_back(line["detail"]);
  }
  ASSERT_EQ(fired.size(), 1u) << "the tail and lost-socket links send no EVAL";
  EXPECT_NE(fired.front().find("containing \"EVAL\" on connection 1 (node-0)"), std::string::npos) << fired.front();
  EXPECT_FALSE(run.sent_again.empty());
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
}

TEST(SimulatedRedisLinkFault, AFaultOnOneNodesClientLinkCutsOnlyTheClientsOnThatNode) {
  Scenario scenario = two_writers();
  add_fault(scenario, 500, "cut-node-1", {{"type", "reset_peer"}, {"attributes", {{"timeout", 0}}}},
            FaultPlace{FaultLink::clients, 1});
  add_heal(scenario, 520, "cut-node-1");
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  EXPECT_GE(run.disconnects.count("w1"), 1u);
  EXPECT_EQ(run.disconnects.count("w0"), 0u);
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
}

// A node's own listener numbers its connections 1, 2, ...: nth_connection 1 on node 1 is w1's
// first connection, although it is the second connection the network accepted.
TEST(SimulatedRedisLinkFault, ConnectionNumbersOnOneNodesClientLinkCountThatNodesConnections) {
  Scenario scenario = two_writers();
  add_fault(scenario, 0, "cut-first-on-node-1",
            {{"type", "reset_peer"}, {"attributes", {{"timeout", 0}}}, {"target", {{"connection_id", 1}}},
             {"trigger", {{"after_ms", 400}}}},
            FaultPlace{FaultLink::clients, 1});
  const LinkFaultRun run = read_link_fault_run(simulate_scenario(scenario, {}));
  ASSERT_TRUE(run.converged);
  EXPECT_EQ(run.disconnects.count("w0"), 0u);
  EXPECT_GE(run.disconnects.count("w1"), 1u);
  const auto fired = std::find_if(run.fault_lines.begin(), run.fault_lines.end(),
                                  [](const nlohmann::json& line) { return line["action"] == "fired"; });
  ASSERT_NE(fired, run.fault_lines.end());
  EXPECT_NE(fired->at("detail").get<std::string>().find("on connection 1 (w1)"), std::string::npos) << fired->dump();
  EXPECT_EQ(fired->at("node"), 1);
}

TEST(SimulatedRedisLinkFault, TheSameSeedGivesTheSameBytesWithRedisLinkToxics) {
  Scenario scenario = two_writers();
  nlohmann::json jittery = latency_300;
  jittery["attributes"]["jitter"] = 200;
  jittery["stream"] = "both";
  add_fault(scenario, 300, "jitter-log", jittery, FaultPlace{FaultLink::redis, std::nullopt});
  add_fault(scenario, 400, "cut-later", {{"type", "reset_peer"}, {"attributes", {{"timeout", 0}}}, {"toxicity", 0.5},
                                         {"trigger", {{"after_bytes", 2000}}}},
            FaultPlace{FaultLink::redis, 1});
  add_heal(scenario, 1500, "jitter-log");
  add_heal(scenario, 1600, "cut-later");
  SimulationOptions options;
  options.seed = 11;
  const std::string first = simulate_scenario(scenario, options);
  EXPECT_EQ(first, simulate_scenario(scenario, options));
  const LinkFaultRun run = read_link_fault_run(first);
  EXPECT_TRUE(run.converged);
  EXPECT_TRUE(each_stored_once(run, {"w0", "w1"}, 20));
  options.seed = 12;
  EXPECT_NE(first, simulate_scenario(scenario, options)) << "the jitter draws from the seed";
}

}  // namespace
}  // namespace resync::sim

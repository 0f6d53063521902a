// The simulated server node answers Engine.IO long-polling over HTTP/1.1 keep-alive through
// the shared ServerHost: a handshake GET, a POST, and a GET the core answers.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/core/sqlite_message_store.hpp"
#include "sim/simulator/simulated_network.hpp"
#include "sim/simulator/simulated_server.hpp"

namespace resync::sim {
namespace {

class RecordingEnds final : public NetworkEnds {
 public:
  void arrive_at_server(SimConnection& connection, const std::string& bytes, bool end_of_stream) override {
    server->arrive(connection, bytes, end_of_stream);
  }
  void arrive_at_client(SimConnection& /*connection*/, const std::string& bytes, bool end_of_stream) override {
    if (end_of_stream) client_saw_end = true;
    client_bytes += bytes;
  }
  void connection_reset(SimConnection& connection, const std::string& /*reason*/) override {
    server->connection_reset(connection);
  }
  SimulatedServer* server = nullptr;
  std::string client_bytes;
  bool client_saw_end = false;
};

// The bodies of the HTTP responses in `bytes`, in order (Content-Length framed).
std::vector<std::string> response_bodies(const std::string& bytes) {
  std::vector<std::string> bodies;
  std::size_t position = 0;
  while (true) {
    const auto head_end = bytes.find("\r\n\r\n", position);
    if (head_end == std::string::npos) break;
    const std::string head = bytes.substr(position, head_end - position);
    const auto length_at = head.find("Content-Length: ");
    const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 16));
    bodies.push_back(bytes.substr(head_end + 4, length));
    position = head_end + 4 + length;
  }
  return bodies;
}

struct PollingFixture : ::testing::Test {
  PollingFixture() {
    ends.server = &server;
    server.start();
  }
  void run_for_ms(std::int64_t duration_ms) {
    const std::int64_t until_us = world.clock.now_us() + duration_ms * 1000;
    while (world.clock.next_at_us() && *world.clock.next_at_us() <= until_us) world.clock.run_next();
  }

  SimulationOptions options;
  SimWorld world{options};
  Scenario scenario;
  server::SqliteMessageStore store{{":memory:", server::Durability::full}};
  RecordingEnds ends;
  SimulatedNetwork network{world, ends};
  std::vector<std::string> log_texts;
  SimulatedServer server{world, network, scenario, store, [this](history::EventPayload event) {
                           if (auto* line = std::get_if<history::ServerLog>(&event)) log_texts.push_back(line->text);
                         }};
  static ClientSpec polly() {
    ClientSpec spec;
    spec.name = "polly";
    return spec;
  }
  ChatClient client{polly(), ClientProtocolNames{}, 1};
};

TEST_F(PollingFixture, HandshakePostAndGetOverOneKeepAliveConnection) {
  SimConnection& connection = network.accept(client, 1, 0);
  server.accept(connection);
  network.client_write(connection, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: sim\r\n\r\n");
  run_for_ms(5);
  std::vector<std::string> bodies = response_bodies(ends.client_bytes);
  ASSERT_EQ(bodies.size(), 1u) << ends.client_bytes;
  ASSERT_EQ(bodies[0].front(), '0') << "the open packet answers the handshake GET";
  const std::string sid = nlohmann::json::parse(bodies[0].substr(1)).at("sid").get<std::string>();

  const std::string target = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
  network.client_write(connection, "POST " + target + " HTTP/1.1\r\nHost: sim\r\nContent-Length: 2\r\n\r\n40");
  run_for_ms(5);
  network.client_write(connection, "GET " + target + " HTTP/1.1\r\nHost: sim\r\n\r\n");
  run_for_ms(5);
  bodies = response_bodies(ends.client_bytes);
  ASSERT_EQ(bodies.size(), 3u) << ends.client_bytes;
  EXPECT_EQ(bodies[1], "ok");
  EXPECT_EQ(bodies[2].rfind("40{", 0), 0u) << "the GET carries the Socket.IO CONNECT reply: " << bodies[2] << " "
                                           << nlohmann::json(log_texts).dump();
  EXPECT_FALSE(ends.client_saw_end) << "keep-alive: the connection stays open";
}

TEST_F(PollingFixture, AnUnknownSessionIdIsAnsweredWithAnEngineIoError) {
  SimConnection& connection = network.accept(client, 1, 0);
  server.accept(connection);
  network.client_write(connection, "GET /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\nHost: sim\r\n\r\n");
  run_for_ms(5);
  EXPECT_EQ(ends.client_bytes.rfind("HTTP/1.1 400", 0), 0u) << ends.client_bytes;
  const std::vector<std::string> bodies = response_bodies(ends.client_bytes);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(bodies[0]).at("code"), 1) << "Engine.IO's \"Session ID unknown\"";
}

}  // namespace
}  // namespace resync::sim

// The server's HTTP answers apart from the socket: requests parsed by Beast's parser with the
// shell's limits (apply_request_limits) and routed by route_http_request through a real
// ServerHost, as HttpSession does on a connection. Covers the requests no Engine.IO client
// sends: unknown paths, wrong methods, oversized or malformed requests.
#include "server/shell/http_request_router.hpp"

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include "server/core/in_memory_message_store.hpp"
#include "server/core/random_id_source.hpp"
#include "server/host/admission_policy.hpp"
#include "server/host/scheduled_group_committer.hpp"
#include "server/host/server_host.hpp"
#include "server/host/tests/fake_scheduler.hpp"
#include "server/shell/static_pages.hpp"

namespace resync::server::shell {
namespace {

class SilentLog final : public host::LogSink {
 public:
  void log(host::LogLevel, std::string_view) override {}
};

class RecordingPollResponder final : public host::PollResponder {
 public:
  void answer_poll(std::string payload) override { answers.push_back(std::move(payload)); }
  std::vector<std::string> answers;
};

class RecordingExchange final : public HttpExchange {
 public:
  void send_response(HttpResponse&& response) override { responses.push_back(std::move(response)); }
  std::shared_ptr<host::PollResponder> hold_poll(unsigned, bool) override {
    held = std::make_shared<RecordingPollResponder>();
    return held;
  }
  void release_held_poll() override { held.reset(); }
  void upgrade_to_websocket(HttpRequest&&, protocol::engineio::HandshakeQuery) override { upgraded = true; }
  std::string_view remote_address() const override { return "127.0.0.1"; }

  std::vector<HttpResponse> responses;
  std::shared_ptr<RecordingPollResponder> held;
  bool upgraded = false;
};

struct RouterFixture : ::testing::Test {
  RouterFixture() {
    config.random_bytes = SeededRandomBytes(7);
    config.payload_bytes_max = 1000;
    host = std::make_unique<host::ServerHost>(scheduler, log, config, store,
                                              std::make_unique<host::ScheduledGroupCommitter>(scheduler, store, 1000));
    context.emplace(ShellContext{*host, limits, bundle, admission});
  }

  // What HttpSession does with the bytes of one request: read it within the limits, then
  // route it, or answer what could not be read.
  void handle(std::string_view bytes) {
    HttpRequestParser parser;
    apply_request_limits(parser, *context);
    parser.eager(true);
    boost::beast::error_code error;
    std::size_t used = 0;
    while (!parser.is_done() && used < bytes.size()) {
      used += parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), error);
      if (error == boost::beast::http::error::need_more) {
        error = {};
        continue;
      }
      if (error) break;
    }
    if (error) return exchange.send_response(response_to_unreadable_request(error));
    ASSERT_TRUE(parser.is_done()) << "the test's request is incomplete";
    route_http_request(parser.release(), *context, exchange);
  }

  const HttpResponse& only_response() const {
    EXPECT_EQ(exchange.responses.size(), 1u);
    return exchange.responses.front();
  }

  host::testing::FakeScheduler scheduler;
  SilentLog log;
  InMemoryMessageStore store;
  ServerConfig config;
  ShellLimits limits;
  ClientBundle bundle;  // none installed
  host::AdmissionPolicy admission{host::AdmissionSettings{}};
  std::unique_ptr<host::ServerHost> host;
  std::optional<ShellContext> context;
  RecordingExchange exchange;
};

TEST_F(RouterFixture, AnUnknownPathIs404NotFound) {
  handle("GET /admin HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(only_response().result_int(), 404u);
  EXPECT_EQ(only_response().body(), "Not found.\n");
}

TEST_F(RouterFixture, APostToTheChatPageIs405AllowingGet) {
  handle("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  EXPECT_EQ(only_response().result_int(), 405u);
  EXPECT_EQ(only_response().body(), "Only GET is supported here.\n");
  EXPECT_EQ(only_response()[boost::beast::http::field::allow], "GET");
}

TEST_F(RouterFixture, TheClientBundleWhenNotInstalledIs404WithHowToInstallIt) {
  handle("GET /socket.io/socket.io.js HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(only_response().result_int(), 404u);
  EXPECT_EQ(only_response().body(), client_bundle_missing_text(bundle));
}

TEST_F(RouterFixture, WebSocketTransportWithoutAnUpgradeIs400BadRequestCode3) {
  handle("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(exchange.upgraded);
  EXPECT_EQ(only_response().result_int(), 400u);
  EXPECT_EQ(only_response().body(), R"({"code":3,"message":"Bad request"})");
}

TEST_F(RouterFixture, HeadersOverTheLimitAre431AndNotRouted) {
  handle("GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(limits.http_header_bytes_max, 'a') + "\r\n\r\n");
  EXPECT_EQ(only_response().result_int(), 431u);
  EXPECT_EQ(only_response().body(), "Request headers too large.\n");
  EXPECT_FALSE(only_response().keep_alive());
}

TEST_F(RouterFixture, ABodyOverMaxPayloadIs413AndReachesNoSession) {
  handle("POST /socket.io/?EIO=4&transport=polling&sid=abc HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" +
         std::string(1001, 'x'));
  EXPECT_EQ(only_response().result_int(), 413u);
  EXPECT_EQ(only_response().body(), "Request body larger than maxPayload.\n");
  EXPECT_FALSE(only_response().keep_alive());
}

TEST_F(RouterFixture, AMalformedRequestLineIs400NamingTheProblem) {
  handle("HELLO\r\n\r\n");
  EXPECT_EQ(only_response().result_int(), 400u);
  EXPECT_TRUE(only_response().body().starts_with("Malformed HTTP request: ")) << only_response().body();
  EXPECT_FALSE(only_response().keep_alive());
}

TEST_F(RouterFixture, APollingHandshakeIsHeldAndAnsweredWithTheOpenPacket) {
  handle("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(exchange.responses.empty());
  ASSERT_TRUE(exchange.held);
  ASSERT_EQ(exchange.held->answers.size(), 1u);
  EXPECT_TRUE(exchange.held->answers.front().starts_with("0{")) << exchange.held->answers.front();
}

TEST_F(RouterFixture, TheStatusOfAnIdleNodeHasNoPendingCommit) {
  handle("GET /resync/status HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(only_response().result_int(), 200u);
  EXPECT_EQ(only_response()[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(only_response().body(), R"({"pending_commit":false,"sessions":0})");
}

TEST_F(RouterFixture, TheStatusSaysPendingCommitWhileAReadMessageWaitsForItsCommit) {
  handle("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(exchange.held);
  const std::string open = exchange.held->answers.at(0);
  const std::size_t sid_start = open.find("\"sid\":\"") + 7;
  const std::string sid = open.substr(sid_start, open.find('"', sid_start) - sid_start);
  auto post = [&](const std::string& payload) {
    handle("POST /socket.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(payload.size()) + "\r\n\r\n" + payload);
  };
  post("40");
  post(R"(42["chat message","hello","offset-1"])");
  exchange.responses.clear();
  handle("GET /resync/status HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(only_response().body(), R"({"pending_commit":true,"sessions":1})");

  scheduler.advance_to(scheduler.now_us() + 10'000'000);
  exchange.responses.clear();
  handle("GET /resync/status HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(only_response().body(), R"({"pending_commit":false,"sessions":1})");
}

TEST_F(RouterFixture, APostToTheStatusIs405AllowingGet) {
  handle("POST /resync/status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(only_response().result_int(), 405u);
  EXPECT_EQ(only_response()[boost::beast::http::field::allow], "GET");
}

}  // namespace
}  // namespace resync::server::shell

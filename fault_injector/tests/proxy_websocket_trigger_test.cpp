// A WebSocket client through the real proxy is reset exactly after frame N, chosen by a
// trigger on the downstream frames and a target on the client's tag.
#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "fault_injector/shell/fault_injector.hpp"
#include "fault_injector/tests/tcp_test_support.hpp"

namespace resync::fault_injector::testing {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;

constexpr int kFramesSent = 8;

// Accepts WebSocket clients and sends each one kFramesSent text frames, then waits for the
// client to go away.
class FrameSendingServer {
 public:
  FrameSendingServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(io_);
        boost::system::error_code error;
        acceptor_.accept(socket, error);
        if (error || stopping_) return;
        sessions_.emplace_back([socket = std::move(socket)]() mutable {
          try {
            websocket::stream<tcp::socket> ws(std::move(socket));
            ws.accept();
            ws.text(true);
            for (int i = 1; i <= kFramesSent; ++i) ws.write(asio::buffer("frame-" + std::to_string(i)));
            beast::flat_buffer ignored;
            ws.read(ignored);  // until the client leaves
          } catch (const std::exception&) {
          }
        });
      }
    });
  }
  ~FrameSendingServer() {
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
    poke.close(ignored);
    for (std::thread& session : sessions_) session.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> sessions_;
  std::thread thread_;
};

struct ClientResult {
  std::vector<std::string> frames;
  boost::system::error_code error;
};

ClientResult run_client(const std::string& proxy_address, const std::string& tag) {
  ClientResult result;
  asio::io_context io;
  const auto colon = proxy_address.rfind(':');
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(asio::ip::make_address(proxy_address.substr(0, colon)),
                                        static_cast<unsigned short>(std::stoi(proxy_address.substr(colon + 1)))));
  ws.handshake("127.0.0.1", "/socket.io/?EIO=4&transport=websocket&tag=" + tag);
  for (int i = 0; i < kFramesSent; ++i) {
    beast::flat_buffer buffer;
    ws.read(buffer, result.error);
    if (result.error) return result;
    result.frames.push_back(beast::buffers_to_string(buffer.data()));
  }
  ws.close(websocket::close_code::normal, result.error);
  return result;
}

TEST(ProxyWebSocketTrigger, ClientIsResetExactlyAfterFrameN) {
  FrameSendingServer server;
  FaultInjector injector(99);
  injector.start();
  Result<ProxyState> proxy = injector.create_proxy({"ws", "127.0.0.1:0", server.address(), true});
  ASSERT_TRUE(proxy.ok()) << proxy.error().message;
  ASSERT_TRUE(injector
                  .add_toxic("ws", {{"name", "cut_after_three"},
                                    {"type", "reset_peer"},
                                    {"target", {{"tag", "victim"}}},
                                    {"trigger", {{"after_frames", 3}}}})
                  .ok());

  for (int round = 0; round < 3; ++round) {
    const ClientResult victim = run_client(proxy->definition.listen, "victim");
    EXPECT_EQ(victim.frames, (std::vector<std::string>{"frame-1", "frame-2", "frame-3"}));
    EXPECT_EQ(victim.error, asio::error::connection_reset) << victim.error.message();
  }
  const ClientResult bystander = run_client(proxy->definition.listen, "bystander");
  EXPECT_EQ(bystander.frames.size(), static_cast<std::size_t>(kFramesSent));
  EXPECT_FALSE(bystander.error) << bystander.error.message();
}

}  // namespace
}  // namespace resync::fault_injector::testing

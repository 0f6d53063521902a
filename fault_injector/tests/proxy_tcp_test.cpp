// Every toxic through the real proxy: a TCP echo server behind it on 127.0.0.1, bytes
// checked exactly, timing checked with tolerances where timing is the point.
#include <gtest/gtest.h>

#include "fault_injector/shell/fault_injector.hpp"
#include "fault_injector/tests/tcp_test_support.hpp"

namespace resync::fault_injector::testing {
namespace {

using namespace std::chrono_literals;

// Generous upper bounds: the machine is shared, but an upper bound still catches a toxic
// that waits for the wrong thing.
constexpr double kSlackMs = 250;

class ProxyTcpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    injector.start();
    Result<ProxyState> proxy = injector.create_proxy({"echo", "127.0.0.1:0", echo.address(), true});
    ASSERT_TRUE(proxy.ok()) << proxy.error().message;
    address = proxy->definition.listen;
  }
  void add(const nlohmann::json& toxic) {
    Result<ToxicSpec> added = injector.add_toxic("echo", toxic);
    ASSERT_TRUE(added.ok()) << added.error().message;
  }

  EchoServer echo;
  FaultInjector injector{1234};
  std::string address;
};

TEST_F(ProxyTcpTest, WithoutToxicsEveryByteComesBackInOrder) {
  BlockingClient client(address);
  const std::string payload = pattern_bytes(3 * 1024 * 1024 + 17);
  std::thread sender([&] { client.send(payload); });
  const ReadOutcome echoed = client.read(payload.size(), 10s);
  sender.join();
  EXPECT_EQ(echoed.bytes.size(), payload.size());
  EXPECT_TRUE(echoed.bytes == payload);
}

TEST_F(ProxyTcpTest, LatencyDelaysTheEcho) {
  add({{"type", "latency"}, {"attributes", {{"latency", 100}}}});
  BlockingClient client(address);
  const auto start = SteadyClock::now();
  client.send("ping");
  const ReadOutcome echoed = client.read(4, 2s);
  const double took = elapsed_ms(start);
  EXPECT_EQ(echoed.bytes, "ping");
  EXPECT_GE(took, 100);
  EXPECT_LT(took, 100 + kSlackMs);
}

TEST_F(ProxyTcpTest, LatencyWithJitterNeverReorders) {
  add({{"type", "latency"}, {"stream", "upstream"}, {"attributes", {{"latency", 5}, {"jitter", 5}}}});
  BlockingClient client(address);
  std::string sent;
  for (int i = 0; i < 50; ++i) {
    const std::string piece = "<" + std::to_string(i) + ">";
    client.send(piece);
    sent += piece;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(client.read(sent.size(), 3s).bytes, sent);
}

TEST_F(ProxyTcpTest, BandwidthLimitsTheRate) {
  add({{"type", "bandwidth"}, {"attributes", {{"rate", 100}}}});  // 100 KB/s
  BlockingClient client(address);
  const std::string payload = pattern_bytes(20'000);
  const auto start = SteadyClock::now();
  client.send(payload);
  const ReadOutcome echoed = client.read(payload.size(), 3s);
  const double took = elapsed_ms(start);
  EXPECT_TRUE(echoed.bytes == payload);
  EXPECT_GE(took, 190);  // 20 KB at 100 KB/s
  EXPECT_LT(took, 200 + kSlackMs);
}

TEST_F(ProxyTcpTest, SlowCloseDelaysTheEndOfStream) {
  add({{"type", "slow_close"}, {"attributes", {{"delay", 200}}}});
  BlockingClient client(address);
  client.send("bye");
  EXPECT_EQ(client.read(3, 2s).bytes, "bye");
  const auto start = SteadyClock::now();
  client.shutdown_send();
  const ReadOutcome rest = client.read_until_end(2s);
  EXPECT_EQ(rest.end, StreamEnd::clean_eof);
  EXPECT_GE(elapsed_ms(start), 200);
  EXPECT_LT(elapsed_ms(start), 200 + kSlackMs);
}

TEST_F(ProxyTcpTest, TimeoutSwallowsDataThenClosesAfterTheTimeout) {
  add({{"type", "timeout"}, {"attributes", {{"timeout", 150}}}});
  BlockingClient client(address);
  const auto start = SteadyClock::now();
  client.send("into the void");
  const ReadOutcome outcome = client.read_until_end(2s);
  EXPECT_EQ(outcome.bytes, "");
  EXPECT_EQ(outcome.end, StreamEnd::clean_eof);
  EXPECT_GE(elapsed_ms(start), 140);
  EXPECT_LT(elapsed_ms(start), 150 + kSlackMs);
}

TEST_F(ProxyTcpTest, TimeoutZeroHoldsTheConnectionOpenUntilRemoved) {
  add({{"type", "timeout"}, {"attributes", {{"timeout", 0}}}});
  BlockingClient client(address);
  client.send("lost");
  EXPECT_EQ(client.read(4, 200ms).end, StreamEnd::still_open);
  ASSERT_TRUE(injector.remove_toxic("echo", "timeout_downstream").ok());
  client.send("found");
  EXPECT_EQ(client.read(5, 2s).bytes, "found");
}

TEST_F(ProxyTcpTest, ResetPeerResetsTheConnectionAfterTheTimeout) {
  BlockingClient client(address);
  client.send("hello");
  EXPECT_EQ(client.read(5, 2s).bytes, "hello");
  const auto start = SteadyClock::now();
  add({{"type", "reset_peer"}, {"attributes", {{"timeout", 100}}}});
  const ReadOutcome outcome = client.read_until_end(2s);
  EXPECT_EQ(outcome.end, StreamEnd::reset);
  EXPECT_GE(elapsed_ms(start), 95);
  EXPECT_LT(elapsed_ms(start), 100 + kSlackMs);
}

TEST_F(ProxyTcpTest, SlicerKeepsEveryByte) {
  add({{"type", "slicer"}, {"attributes", {{"average_size", 100}, {"size_variation", 50}, {"delay", 10}}}});
  BlockingClient client(address);
  const std::string payload = pattern_bytes(50'000);
  client.send(payload);
  EXPECT_TRUE(client.read(payload.size(), 5s).bytes == payload);
}

TEST_F(ProxyTcpTest, LimitDataPassesExactlyTheLimitThenCloses) {
  add({{"type", "limit_data"}, {"attributes", {{"bytes", 10}}}});
  BlockingClient client(address);
  client.send(pattern_bytes(100));
  const ReadOutcome outcome = client.read_until_end(2s);
  EXPECT_EQ(outcome.bytes, pattern_bytes(10));
  EXPECT_EQ(outcome.end, StreamEnd::clean_eof);
}

TEST_F(ProxyTcpTest, PauseHoldsBytesAndHealingDeliversThemAll) {
  add({{"type", "pause"}, {"stream", "both"}});
  BlockingClient client(address);
  const std::string payload = pattern_bytes(100'000);
  client.send(payload);
  EXPECT_EQ(client.read(1, 200ms).bytes, "");
  ASSERT_TRUE(injector.remove_toxic("echo", "pause_both").ok());
  EXPECT_TRUE(client.read(payload.size(), 3s).bytes == payload);
}

TEST_F(ProxyTcpTest, CloseEndsTheStreamCleanly) {
  BlockingClient client(address);
  client.send("a");
  EXPECT_EQ(client.read(1, 2s).bytes, "a");
  add({{"type", "close"}});
  EXPECT_EQ(client.read_until_end(2s).end, StreamEnd::clean_eof);
}

TEST_F(ProxyTcpTest, DisablingDropsLiveConnectionsAndRefusesNewOnes) {
  BlockingClient client(address);
  client.send("a");
  EXPECT_EQ(client.read(1, 2s).bytes, "a");
  ASSERT_TRUE(injector.update_proxy("echo", {{"enabled", false}}).ok());
  const ReadOutcome outcome = client.read_until_end(2s);
  EXPECT_NE(outcome.end, StreamEnd::still_open);
  EXPECT_THROW(BlockingClient refused(address), boost::system::system_error);
  ASSERT_TRUE(injector.update_proxy("echo", {{"enabled", true}}).ok());
  BlockingClient again(address);
  again.send("b");
  EXPECT_EQ(again.read(1, 2s).bytes, "b");
}

TEST_F(ProxyTcpTest, ListenPortInUseIsRefusedAndChangesNothing) {
  Result<ProxyState> clash = injector.create_proxy({"clash", echo.address(), echo.address(), true});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().status, 500);
  EXPECT_NE(clash.error().message.find("address already in use"), std::string::npos) << clash.error().message;
  EXPECT_EQ(injector.with_control_plane([](ControlPlane& plane) { return plane.proxies().size(); }), 1u);
}

TEST_F(ProxyTcpTest, ConnectionsAreListedWithIdsAndByteCounts) {
  BlockingClient client(address);
  client.send("12345");
  EXPECT_EQ(client.read(5, 2s).bytes, "12345");
  Result<std::vector<ConnectionInfo>> connections = injector.connections("echo");
  ASSERT_TRUE(connections.ok());
  ASSERT_EQ(connections->size(), 1u);
  EXPECT_EQ(connections.value()[0].id, 1u);
  EXPECT_EQ(connections.value()[0].bytes_upstream, 5u);
  EXPECT_EQ(connections.value()[0].bytes_downstream, 5u);
}

TEST_F(ProxyTcpTest, ToxicTargetedAtTheSecondConnectionSparesTheFirst) {
  add({{"type", "close"}, {"target", {{"nth_connection", 2}}}});
  BlockingClient first(address);
  BlockingClient second(address);
  first.send("x");
  EXPECT_EQ(first.read(1, 2s).bytes, "x");
  EXPECT_EQ(second.read_until_end(2s).end, StreamEnd::clean_eof);
}

TEST_F(ProxyTcpTest, AnEmptyListenHostMeansLoopbackNotEveryInterface) {
  Result<ProxyState> proxy = injector.create_proxy({"empty_host", ":0", echo.address(), true});
  ASSERT_TRUE(proxy.ok()) << proxy.error().message;
  EXPECT_TRUE(proxy->definition.listen.starts_with("127.0.0.1:")) << proxy->definition.listen;
}

TEST_F(ProxyTcpTest, ANonLoopbackListenAddressIsRefusedWith403NamingTheFlag) {
  for (const std::string listen : {"0.0.0.0:0", "[::]:0"}) {
    Result<ProxyState> proxy = injector.create_proxy({"everywhere", listen, echo.address(), true});
    ASSERT_FALSE(proxy.ok()) << listen;
    EXPECT_EQ(proxy.error().status, 403);
    EXPECT_NE(proxy.error().message.find("listen address " + listen + " is not a loopback address"), std::string::npos)
        << proxy.error().message;
    EXPECT_NE(proxy.error().message.find("--listen-allow-remote"), std::string::npos) << proxy.error().message;
  }
  EXPECT_EQ(injector.with_control_plane([](ControlPlane& plane) { return plane.proxies().size(); }), 1u)
      << "a refused proxy is not created";
}

TEST(ProxyListenAllowRemote, WithTheFlagANonLoopbackListenerIsCreated) {
  EchoServer echo;
  FaultInjector injector{1234};
  injector.allow_remote_listeners();
  injector.start();
  Result<ProxyState> proxy = injector.create_proxy({"everywhere", "0.0.0.0:0", echo.address(), true});
  ASSERT_TRUE(proxy.ok()) << proxy.error().message;
  EXPECT_TRUE(proxy->definition.listen.starts_with("0.0.0.0:")) << proxy->definition.listen;
}

}  // namespace
}  // namespace resync::fault_injector::testing

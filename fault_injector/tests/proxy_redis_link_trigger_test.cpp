// A Redis link through the real proxy is stalled exactly at a RESP message's last byte. The
// echo server plays Redis: a command echoed back is a valid reply (an array of bulk strings),
// so the downstream stream is RESP as well.
#include <gtest/gtest.h>

#include "fault_injector/shell/fault_injector.hpp"
#include "fault_injector/tests/resp_encoder.hpp"
#include "fault_injector/tests/tcp_test_support.hpp"

namespace resync::fault_injector::testing {
namespace {

using namespace std::chrono_literals;

// How long a client waits to be sure nothing more comes through a stalled link.
constexpr std::chrono::milliseconds kQuietWait = 300ms;

class ProxyRedisLinkTrigger : public ::testing::Test {
 protected:
  void SetUp() override {
    injector.start();
    Result<ProxyState> proxy = injector.create_proxy({"redis", "127.0.0.1:0", redis.address(), true});
    ASSERT_TRUE(proxy.ok()) << proxy.error().message;
    listen = proxy->definition.listen;
  }
  void add(const nlohmann::json& toxic) {
    Result<ToxicSpec> added = injector.add_toxic("redis", toxic);
    ASSERT_TRUE(added.ok()) << added.error().message;
  }

  EchoServer redis;
  FaultInjector injector{7};
  std::string listen;
  const std::string xread = resp_command({"XREAD", "BLOCK", "5000", "STREAMS", "chat:log", "0-0"});
  const std::string xadd = resp_command({"XADD", "chat:log", "*", "payload", "hello"});
  const std::string get = resp_command({"GET", "k"});
};

TEST_F(ProxyRedisLinkTrigger, AStallAfterTheThirdReplyPassesExactlyThreeReplies) {
  add({{"name", "stall"}, {"type", "timeout"}, {"attributes", {{"timeout", 0}}},
       {"trigger", {{"after_frames", 3}, {"direction", "downstream"}}}});
  BlockingClient node(listen);
  node.send(xread + xadd + get + xread + xadd);
  const ReadOutcome replies = node.read_until_end(kQuietWait);
  EXPECT_EQ(replies.bytes, xread + xadd + get);
  EXPECT_EQ(replies.end, StreamEnd::still_open);
}

TEST_F(ProxyRedisLinkTrigger, AStallWhenAnXaddGoesUpLetsTheXaddThroughAndNothingAfterIt) {
  add({{"name", "stall_up"}, {"type", "timeout"}, {"stream", "upstream"}, {"attributes", {{"timeout", 0}}},
       {"trigger", {{"frame_contains", "XADD"}, {"direction", "upstream"}}}});
  BlockingClient node(listen);
  node.send(xread + get);
  EXPECT_EQ(node.read(xread.size() + get.size(), kQuietWait).bytes, xread + get);
  node.send(xadd + get);
  const ReadOutcome echoed = node.read_until_end(kQuietWait);
  EXPECT_EQ(echoed.bytes, xadd);
  EXPECT_EQ(echoed.end, StreamEnd::still_open);
}

}  // namespace
}  // namespace resync::fault_injector::testing

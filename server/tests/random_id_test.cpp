// The server's ids (Engine.IO sid, Socket.IO sid, recovery pid): 128 bits from an injected
// source, base64url-encoded; the live source is the kernel's CSPRNG, not the seeded one.
#include "server/core/random_id_source.hpp"

#include <array>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/core/chat_server_core.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/shell/os_random.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

std::string encode_text(std::string_view text) {
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return encode_base64url(bytes);
}

TEST(RandomIds, Base64urlFollowsRfc4648WithoutPadding) {
  EXPECT_EQ(encode_text(""), "");
  EXPECT_EQ(encode_text("f"), "Zg");
  EXPECT_EQ(encode_text("fo"), "Zm8");
  EXPECT_EQ(encode_text("foo"), "Zm9v");
  EXPECT_EQ(encode_text("foob"), "Zm9vYg");
  EXPECT_EQ(encode_text("fooba"), "Zm9vYmE");
  EXPECT_EQ(encode_text("foobar"), "Zm9vYmFy");
  const std::array<std::uint8_t, 3> url_safe = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(encode_base64url(url_safe), "-_-_") << "'-' and '_', not '+' and '/'";
}

// The core's ids are exactly the injected bytes, 16 per id, so whatever fills them decides
// how guessable they are.
struct Ids {
  std::string engine_sid;
  std::string socket_id;
  std::string pid;
};

Ids first_ids(ServerConfig config) {
  config.recovery_enabled = true;
  SqliteMessageStore store({":memory:", Durability::full});
  testing::CoreHarness harness(config, store);
  harness.open_websocket(1);
  const std::string open = harness.packets(1).at(0);
  harness.frame(1, "40{\"serverOffset\":0}");
  const auto reply = harness.connect_replies(1).at(0);
  return {nlohmann::json::parse(open.substr(1)).at("sid").get<std::string>(), reply.at("sid").get<std::string>(),
          reply.at("pid").get<std::string>()};
}

TEST(RandomIds, EverySessionSocketAndPidIdIs128BitsFromTheInjectedSource) {
  std::vector<std::size_t> requested;
  std::uint8_t next = 0;
  ServerConfig config;
  config.random_bytes = [&](std::span<std::uint8_t> bytes) {
    requested.push_back(bytes.size());
    for (auto& byte : bytes) byte = next++;
  };
  const Ids ids = first_ids(config);
  // The recovery run prefix, then the Engine.IO sid, the socket id and the pid.
  ASSERT_EQ(requested, (std::vector<std::size_t>{16, 16, 16, 16}));
  std::array<std::uint8_t, 16> expected{};
  for (std::size_t index = 0; index < expected.size(); ++index) expected[index] = static_cast<std::uint8_t>(16 + index);
  EXPECT_EQ(ids.engine_sid, encode_base64url(expected));
  for (const std::string& id : {ids.engine_sid, ids.socket_id, ids.pid}) {
    EXPECT_EQ(id.size(), random_id_length) << id;
    EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos)
        << id;
  }
}

TEST(RandomIds, WithoutASourceTheSeedReplaysTheSameIds) {
  ServerConfig config;
  config.seed = 99;
  const Ids first = first_ids(config);
  const Ids again = first_ids(config);
  EXPECT_EQ(first.engine_sid, again.engine_sid);
  EXPECT_EQ(first.pid, again.pid);
  config.seed = 100;
  EXPECT_NE(first_ids(config).engine_sid, first.engine_sid);
}

TEST(RandomIds, TheOsSourceFillsEveryByteAndNeverRepeats) {
  std::set<std::string> seen;
  for (int draw = 0; draw < 1000; ++draw) {
    std::array<std::uint8_t, random_id_bytes> bytes{};
    fill_from_os_random(bytes);
    EXPECT_TRUE(seen.insert(encode_base64url(bytes)).second) << "a 128-bit value repeated";
  }
  // Every byte position takes many values (a source that left bytes zero would not).
  std::array<std::set<std::uint8_t>, random_id_bytes> values_per_position;
  for (int draw = 0; draw < 200; ++draw) {
    std::array<std::uint8_t, random_id_bytes> bytes{};
    fill_from_os_random(bytes);
    for (std::size_t index = 0; index < bytes.size(); ++index) values_per_position[index].insert(bytes[index]);
  }
  for (const auto& values : values_per_position) EXPECT_GT(values.size(), 100u);
}

// What `resync serve` does: the seed no longer decides the ids, so two servers started alike
// (same seed, same flags) do not share, or let anyone compute, each other's ids.
TEST(RandomIds, LiveServersWithTheSameSeedGetUnrelatedIds) {
  ServerConfig seeded;
  seeded.seed = 1;
  ServerConfig live = seeded;
  live.random_bytes = fill_from_os_random;
  const Ids from_seed = first_ids(seeded);
  const Ids first_live = first_ids(live);
  const Ids second_live = first_ids(live);
  EXPECT_NE(first_live.engine_sid, from_seed.engine_sid);
  EXPECT_NE(first_live.pid, from_seed.pid);
  EXPECT_NE(first_live.engine_sid, second_live.engine_sid);
  EXPECT_NE(first_live.pid, second_live.pid);
  EXPECT_NE(first_live.socket_id, second_live.socket_id);
}

}  // namespace
}  // namespace resync::server

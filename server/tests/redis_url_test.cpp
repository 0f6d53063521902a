#include "server/shell/redis_url.hpp"

#include <gtest/gtest.h>

namespace resync::server::shell {
namespace {

TEST(RedisUrl, ReadsHostAndPort) {
  const RedisUrlParse parsed = parse_redis_url("redis://127.0.0.1:6390");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.address.host, "127.0.0.1");
  EXPECT_EQ(parsed.address.port, 6390);
}

TEST(RedisUrl, DefaultsThePortAndTakesATrailingSlashAndIpv6) {
  EXPECT_EQ(parse_redis_url("redis://cache.internal/").address.port, 6379);
  const RedisUrlParse ipv6 = parse_redis_url("redis://[::1]:7000");
  ASSERT_EQ(ipv6.error, "");
  EXPECT_EQ(ipv6.address.host, "::1");
  EXPECT_EQ(ipv6.address.port, 7000);
}

TEST(RedisUrl, RefusesWhatANodeWouldIgnoreAndSaysWhatIsExpected) {
  for (const char* url : {"127.0.0.1:6379", "rediss://host:6379", "redis://user:pw@host:1", "redis://host:1/2",
                          "redis://:6379", "redis://host:0", "redis://host:65536", "redis://host:12a", "redis://host:",
                          "redis://[::1", "redis://host:1?timeout=2"}) {
    const RedisUrlParse parsed = parse_redis_url(url);
    EXPECT_NE(parsed.error.find("expected redis://HOST:PORT"), std::string::npos) << url << ": " << parsed.error;
  }
}

}  // namespace
}  // namespace resync::server::shell

#pragma once
// `resync serve --redis URL`: where the cluster's Redis is. Only what a node needs is
// accepted (redis://HOST:PORT, an optional trailing slash); anything else is refused with
// what was expected, rather than silently ignored (a password or a database number the node
// would not use).
#include <cstdint>
#include <string>
#include <string_view>

namespace resync::server::shell {

struct RedisAddress {
  std::string host;
  std::uint16_t port = 6379;
};

struct RedisUrlParse {
  RedisAddress address;
  std::string error;  // empty on success
};

RedisUrlParse parse_redis_url(std::string_view url);

}  // namespace resync::server::shell

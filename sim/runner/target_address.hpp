#pragma once
// Where an external target listens, from the URL a user gives (`--target`, server.url).
#include <cstdint>
#include <optional>
#include <string>

namespace resync::sim {

struct TargetAddress {
  std::string host;
  std::uint16_t port = 0;
};

// "http://127.0.0.1:3000" or "127.0.0.1:3000" -> host and port; nothing when unreadable.
std::optional<TargetAddress> parse_target_url(std::string url);

}  // namespace resync::sim

#include "sim/runner/target_address.hpp"

#include <exception>

namespace resync::sim {

std::optional<TargetAddress> parse_target_url(std::string url) {
  for (const std::string scheme : {"http://", "ws://"}) {
    if (url.rfind(scheme, 0) == 0) url.erase(0, scheme.size());
  }
  if (const auto slash = url.find('/'); slash != std::string::npos) url.erase(slash);
  const auto colon = url.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  TargetAddress address;
  address.host = url.substr(0, colon);
  if (address.host == "localhost") address.host = "127.0.0.1";
  try {
    const int port = std::stoi(url.substr(colon + 1));
    if (port <= 0 || port > 65535) return std::nullopt;
    address.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return address;
}

}  // namespace resync::sim

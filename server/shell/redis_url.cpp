#include "server/shell/redis_url.hpp"

#include <algorithm>

namespace resync::server::shell {

namespace {

constexpr std::string_view scheme = "redis://";
constexpr std::size_t host_length_max = 253;  // a DNS name's longest

RedisUrlParse refuse(std::string_view url, std::string_view why) {
  RedisUrlParse result;
  result.error = "--redis '" + std::string(url.substr(0, 300)) + "': " + std::string(why) +
                 "; expected redis://HOST:PORT, e.g. redis://127.0.0.1:6379";
  return result;
}

}  // namespace

RedisUrlParse parse_redis_url(std::string_view url) {
  if (url.substr(0, scheme.size()) != scheme) {
    return refuse(url, url.find("://") != std::string_view::npos ? "only the redis:// scheme is supported (no TLS)"
                                                                 : "it does not start with redis://");
  }
  std::string_view rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('@') != std::string_view::npos) return refuse(url, "a user or password is not supported");
  if (rest.find('/') != std::string_view::npos) return refuse(url, "a database number or path is not supported");
  if (rest.find('?') != std::string_view::npos) return refuse(url, "query options are not supported");
  RedisUrlParse result;
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {  // an IPv6 literal
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return refuse(url, "an IPv6 address must end with ]");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return refuse(url, "expected :PORT after the IPv6 address");
      port = rest.substr(close + 2);
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return refuse(url, "the host is missing");
  if (host.size() > host_length_max) return refuse(url, "the host is longer than 253 characters");
  if (port.data() != nullptr) {
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return refuse(url, "the port must be a number from 1 to 65535");
    }
    const int number = std::stoi(std::string(port));
    if (number < 1 || number > 65535) return refuse(url, "the port must be a number from 1 to 65535");
    result.address.port = static_cast<std::uint16_t>(number);
  }
  result.address.host = std::string(host);
  return result;
}

}  // namespace resync::server::shell

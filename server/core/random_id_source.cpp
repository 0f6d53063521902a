#include "server/core/random_id_source.hpp"

namespace resync::server {

std::string encode_base64url(std::span<const std::uint8_t> bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  text.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t index = 0;
  for (; index + 3 <= bytes.size(); index += 3) {
    const std::uint32_t group = (std::uint32_t{bytes[index]} << 16) | (std::uint32_t{bytes[index + 1]} << 8) | bytes[index + 2];
    text.push_back(alphabet[(group >> 18) & 63]);
    text.push_back(alphabet[(group >> 12) & 63]);
    text.push_back(alphabet[(group >> 6) & 63]);
    text.push_back(alphabet[group & 63]);
  }
  const std::size_t rest = bytes.size() - index;
  if (rest > 0) {
    std::uint32_t group = std::uint32_t{bytes[index]} << 16;
    if (rest == 2) group |= std::uint32_t{bytes[index + 1]} << 8;
    text.push_back(alphabet[(group >> 18) & 63]);
    text.push_back(alphabet[(group >> 12) & 63]);
    if (rest == 2) text.push_back(alphabet[(group >> 6) & 63]);
  }
  return text;
}

}  // namespace resync::server

#include "server/cluster/lost_socket_record.hpp"

#include <algorithm>

namespace resync::server::cluster {

namespace {

constexpr std::size_t id_digits_max = 16;       // ids stay below 2^53
constexpr std::size_t socket_id_bytes_max = 64;  // the core's are 22 base64url characters

bool is_base64url(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::string encode_lost_socket(const DisconnectedSocket& socket) {
  return std::to_string(socket.last_sent_id) + ":" + socket.socket_id;
}

std::optional<DisconnectedSocket> decode_lost_socket(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > id_digits_max) return std::nullopt;
  const std::string_view digits = text.substr(0, colon);
  const std::string_view socket_id = text.substr(colon + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if (socket_id.empty() || socket_id.size() > socket_id_bytes_max ||
      !std::all_of(socket_id.begin(), socket_id.end(), is_base64url)) {
    return std::nullopt;
  }
  DisconnectedSocket socket;
  socket.last_sent_id = std::stoll(std::string(digits));
  socket.socket_id = std::string(socket_id);
  return socket;
}

}  // namespace resync::server::cluster

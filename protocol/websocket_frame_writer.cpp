#include "protocol/websocket_frame_writer.hpp"

namespace resync::protocol::websocket {

namespace {

void append_header(std::string& out, Opcode opcode, std::uint64_t length, bool masked) {
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
  if (length < 126) {
    out.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>((length >> 8) & 0xFF));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xFF));
  }
}

}  // namespace

void append_server_frame(std::string& out, Opcode opcode, std::string_view payload) {
  append_header(out, opcode, payload.size(), false);
  out.append(payload);
}

std::string encode_frame(Opcode opcode, std::string_view payload, std::optional<std::array<std::uint8_t, 4>> mask_key) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  if (!mask_key) {
    append_server_frame(frame, opcode, payload);
    return frame;
  }
  append_header(frame, opcode, payload.size(), true);
  for (std::uint8_t byte : *mask_key) frame.push_back(static_cast<char>(byte));
  for (std::size_t index = 0; index < payload.size(); ++index) {
    frame.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[index]) ^ (*mask_key)[index % 4]));
  }
  return frame;
}

std::string encode_upgrade_request(std::string_view host, std::string_view target) {
  std::string request = "GET ";
  request.append(target);
  request.append(" HTTP/1.1\r\nHost: ");
  request.append(host);
  // A fixed key: the simulated server does not check it, and a fixed key keeps runs byte-identical.
  request.append(
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n");
  return request;
}

std::string encode_upgrade_response() {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
}

}  // namespace resync::protocol::websocket

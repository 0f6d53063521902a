#pragma once
// Builds RFC 6455 frames for tests.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace resync::fault_injector::testing {

inline std::string encode_websocket_frame(std::uint8_t opcode, bool fin, const std::string& payload,
                                          std::optional<std::array<std::uint8_t, 4>> mask = std::nullopt) {
  std::string frame;
  frame.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  const std::uint8_t mask_bit = mask ? 0x80 : 0x00;
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((payload.size() >> shift) & 0xFF));
  }
  if (mask) {
    for (std::uint8_t byte : *mask) frame.push_back(static_cast<char>(byte));
    for (std::size_t i = 0; i < payload.size(); ++i) {
      frame.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ (*mask)[i % 4]));
    }
  } else {
    frame += payload;
  }
  return frame;
}

inline std::string text_frame(const std::string& payload) { return encode_websocket_frame(0x1, true, payload); }

}  // namespace resync::fault_injector::testing

#include "protocol/websocket_frame_boundaries.hpp"

#include <algorithm>

namespace resync::protocol::websocket {

namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7F;
constexpr std::uint8_t length_in_next_2_bytes = 126;
constexpr std::uint8_t length_in_next_8_bytes = 127;
constexpr std::uint8_t mask_key_bytes = 4;
// Continuation, text and binary; 0x8 and above are control frames, never part of a message.
constexpr std::uint8_t first_control_opcode = 0x8;

}  // namespace

void FrameBoundaries::observe(std::string_view bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto byte = static_cast<std::uint8_t>(bytes[at]);
    switch (stage_) {
      case Stage::first_byte:
        frame_since_message_end_ = true;
        final_data_frame_ = (byte & fin_bit) != 0 && (byte & opcode_bits) < first_control_opcode;
        stage_ = Stage::length_byte;
        ++at;
        break;
      case Stage::length_byte: {
        masked_ = (byte & mask_bit) != 0;
        const std::uint8_t length = byte & length_bits;
        ++at;
        payload_bytes_left_ = 0;
        if (length == length_in_next_2_bytes || length == length_in_next_8_bytes) {
          stage_ = Stage::extended_length;
          stage_bytes_left_ = length == length_in_next_2_bytes ? 2 : 8;
        } else {
          payload_bytes_left_ = length;
          header_complete();
        }
        break;
      }
      case Stage::extended_length:
        payload_bytes_left_ = (payload_bytes_left_ << 8) | byte;
        ++at;
        if (--stage_bytes_left_ == 0) header_complete();
        break;
      case Stage::mask_key:
        ++at;
        if (--stage_bytes_left_ == 0) {
          stage_ = Stage::payload;
          if (payload_bytes_left_ == 0) frame_complete();
        }
        break;
      case Stage::payload: {
        const std::uint64_t taken = std::min<std::uint64_t>(payload_bytes_left_, bytes.size() - at);
        at += static_cast<std::size_t>(taken);
        payload_bytes_left_ -= taken;
        if (payload_bytes_left_ == 0) frame_complete();
        break;
      }
    }
  }
}

void FrameBoundaries::header_complete() {
  if (masked_) {
    stage_ = Stage::mask_key;
    stage_bytes_left_ = mask_key_bytes;
    return;
  }
  stage_ = Stage::payload;
  if (payload_bytes_left_ == 0) frame_complete();
}

void FrameBoundaries::frame_complete() {
  stage_ = Stage::first_byte;
  if (!final_data_frame_) return;
  ++messages_ended_;
  frame_since_message_end_ = false;
}

}  // namespace resync::protocol::websocket

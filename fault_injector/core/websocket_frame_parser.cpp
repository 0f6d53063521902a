#include "fault_injector/core/websocket_frame_parser.hpp"

#include <algorithm>

namespace resync::fault_injector {
namespace {

std::size_t extended_length_bytes(std::uint8_t second_byte) {
  const std::uint8_t length_code = second_byte & 0x7F;
  if (length_code == 126) return 2;
  if (length_code == 127) return 8;
  return 0;
}

std::size_t header_size(const std::array<std::uint8_t, 14>& bytes) {
  return 2 + extended_length_bytes(bytes[1]) + ((bytes[1] & 0x80) != 0 ? 4 : 0);
}

}  // namespace

bool WebSocketFrameParser::header_complete() const {
  return header_bytes_seen_ >= 2 && header_bytes_seen_ == header_size(header_bytes_);
}

bool WebSocketFrameParser::decode_header() {
  header_ = {};
  header_.fin = (header_bytes_[0] & 0x80) != 0;
  header_.reserved_bits = static_cast<std::uint8_t>((header_bytes_[0] >> 4) & 0x7);
  header_.opcode = header_bytes_[0] & 0x0F;
  header_.masked = (header_bytes_[1] & 0x80) != 0;
  std::size_t position = 2;
  const std::size_t extended = extended_length_bytes(header_bytes_[1]);
  if (extended == 0) {
    header_.payload_length = header_bytes_[1] & 0x7F;
  } else {
    for (std::size_t i = 0; i < extended; ++i) header_.payload_length = (header_.payload_length << 8) | header_bytes_[position++];
  }
  if (header_.masked) {
    std::copy_n(header_bytes_.begin() + static_cast<std::ptrdiff_t>(position), 4, header_.mask_key.begin());
  }

  const bool known_opcode = header_.opcode <= WebSocketFrameHeader::kBinary ||
                            (header_.opcode >= WebSocketFrameHeader::kClose && header_.opcode <= WebSocketFrameHeader::kPong);
  if (!known_opcode) {
    failure_reason_ = "reserved opcode " + std::to_string(header_.opcode);
  } else if (extended == 8 && (header_.payload_length >> 63) != 0) {
    failure_reason_ = "64-bit payload length with the most significant bit set";
  } else if (header_.is_control() && (!header_.fin || header_.payload_length > 125)) {
    failure_reason_ = "fragmented or oversized control frame";
  } else if (header_.opcode == WebSocketFrameHeader::kContinuation && !in_fragmented_message_) {
    failure_reason_ = "continuation frame outside a fragmented message";
  } else if ((header_.opcode == WebSocketFrameHeader::kText || header_.opcode == WebSocketFrameHeader::kBinary) &&
             in_fragmented_message_) {
    failure_reason_ = "new data frame inside a fragmented message";
  }
  if (!failure_reason_.empty()) return false;
  if (!header_.is_control()) in_fragmented_message_ = !header_.fin;
  return true;
}

void WebSocketFrameParser::deliver_payload(std::span<const std::uint8_t> masked, WebSocketFrameListener& listener) {
  if (!header_.masked) {
    listener.on_frame_payload(masked);
    payload_position_ += masked.size();
    return;
  }
  std::array<std::uint8_t, kUnmaskScratchBytes> scratch;
  while (!masked.empty()) {
    const std::size_t count = std::min(masked.size(), scratch.size());
    for (std::size_t i = 0; i < count; ++i) {
      scratch[i] = masked[i] ^ header_.mask_key[(payload_position_ + i) % 4];
    }
    listener.on_frame_payload(std::span<const std::uint8_t>(scratch.data(), count));
    payload_position_ += count;
    masked = masked.subspan(count);
  }
}

bool WebSocketFrameParser::observe(std::span<const std::uint8_t> piece, WebSocketFrameListener& listener,
                                   bool want_payload) {
  std::size_t offset = 0;
  while (!failed()) {
    if (!in_payload_) {
      // Collect the header one byte at a time: it is at most 14 bytes, and a split can fall
      // anywhere inside it.
      while (offset < piece.size() && !header_complete()) header_bytes_[header_bytes_seen_++] = piece[offset++];
      if (!header_complete()) return true;
      if (!decode_header()) return false;
      header_bytes_seen_ = 0;
      in_payload_ = true;
      payload_remaining_ = header_.payload_length;
      payload_position_ = 0;
      listener.on_frame_start(header_);
    }
    const std::size_t available = piece.size() - offset;
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_remaining_, available));
    if (take > 0 && want_payload) deliver_payload(piece.subspan(offset, take), listener);
    offset += take;
    payload_remaining_ -= take;
    if (payload_remaining_ > 0) return true;  // the frame continues in a later piece
    in_payload_ = false;
    listener.on_frame_end(header_, offset);
    if (offset == piece.size()) return true;
  }
  return false;
}

}  // namespace resync::fault_injector

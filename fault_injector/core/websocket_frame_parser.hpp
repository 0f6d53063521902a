#pragma once
// An incremental RFC 6455 frame parser that only observes: it is handed each piece of a
// byte stream as it is read (frames may be split anywhere, across any number of reads) and
// reports frame boundaries and unmasked payload. It never changes, holds back or copies the
// bytes being forwarded; payload is unmasked into a small scratch buffer only when asked.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace resync::fault_injector {

struct WebSocketFrameHeader {
  bool fin = false;
  std::uint8_t reserved_bits = 0;  // RSV1..3; RSV1 = permessage-deflate, which we do not inflate
  std::uint8_t opcode = 0;
  bool masked = false;
  std::uint64_t payload_length = 0;
  std::array<std::uint8_t, 4> mask_key{};

  static constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9,
                                kPong = 0xA;
  bool is_control() const { return (opcode & 0x8) != 0; }
};

class WebSocketFrameListener {
 public:
  virtual ~WebSocketFrameListener() = default;
  virtual void on_frame_start(const WebSocketFrameHeader& /*header*/) {}
  // Unmasked payload, in order, possibly in several pieces. Only called when payload is wanted.
  virtual void on_frame_payload(std::span<const std::uint8_t> /*unmasked*/) {}
  // The frame's last byte is at `end_offset - 1` of the piece being observed.
  virtual void on_frame_end(const WebSocketFrameHeader& /*header*/, std::size_t /*end_offset*/) {}
};

class WebSocketFrameParser {
 public:
  // Observes the next piece of the stream. Returns false once the stream has shown it is not
  // valid WebSocket; from then on every piece is ignored (the bytes are still forwarded by
  // the proxy, the parser just stops interpreting them).
  bool observe(std::span<const std::uint8_t> piece, WebSocketFrameListener& listener, bool want_payload);

  bool failed() const { return !failure_reason_.empty(); }
  const std::string& failure_reason() const { return failure_reason_; }

 private:
  static constexpr std::size_t kHeaderBytesMax = 14;  // 2 + 8 (extended length) + 4 (mask key)
  static constexpr std::size_t kUnmaskScratchBytes = 4096;

  bool header_complete() const;
  bool decode_header();
  void deliver_payload(std::span<const std::uint8_t> masked, WebSocketFrameListener& listener);

  std::array<std::uint8_t, kHeaderBytesMax> header_bytes_{};
  std::size_t header_bytes_seen_ = 0;
  bool in_payload_ = false;
  WebSocketFrameHeader header_{};
  std::uint64_t payload_remaining_ = 0;
  std::uint64_t payload_position_ = 0;  // selects the mask key byte
  bool in_fragmented_message_ = false;
  std::string failure_reason_;
};

}  // namespace resync::fault_injector

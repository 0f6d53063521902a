#pragma once
// Follows where the frames of a WebSocket byte stream begin and end, by their headers alone
// (RFC 6455 5.2), without keeping any payload. The live server's WebSocket session uses it
// on the bytes Beast has read from the socket: when everything Beast read ends exactly after
// the final frame of the last message the session has received, Beast holds no unread bytes,
// so the session may wait for the socket to become readable (a small wait) instead of
// keeping Beast's read operation and its buffer pending on an idle connection.
//
// Malformed headers are Beast's to refuse; this only has to stay conservative about them: it
// never reports a boundary it has not seen.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace resync::protocol::websocket {

class FrameBoundaries {
 public:
  // The next bytes of the stream, in order.
  void observe(std::string_view bytes);

  // Final data frames (text, binary or a fragmented message's last continuation) that have
  // ended: one per complete message.
  std::uint64_t messages_ended() const noexcept { return messages_ended_; }
  // Every byte observed belongs to a frame that has ended, and no frame follows the final
  // frame of the last message (true before any byte).
  bool ends_after_a_message() const noexcept { return stage_ == Stage::first_byte && !frame_since_message_end_; }

 private:
  enum class Stage : std::uint8_t { first_byte, length_byte, extended_length, mask_key, payload };
  // The header that has just ended: a frame without payload ends here too.
  void header_complete();
  void frame_complete();

  std::uint64_t messages_ended_ = 0;
  std::uint64_t payload_bytes_left_ = 0;  // of the current frame, or its extended length so far
  Stage stage_ = Stage::first_byte;
  std::uint8_t stage_bytes_left_ = 0;  // bytes of the extended length or mask key still to come
  bool final_data_frame_ = false;      // the current frame ends a message
  bool masked_ = false;
  bool frame_since_message_end_ = false;  // a frame (control, non-final) began after the last message end
};

}  // namespace resync::protocol::websocket

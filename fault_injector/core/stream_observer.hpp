#pragma once
// Watches one direction of a proxied connection without touching it: skips the HTTP head,
// follows the WebSocket frames after a 101 upgrade, and recognizes Socket.IO events inside
// them. It reports where (byte offset in the piece just read) each frame and event ends, so
// triggers can fire exactly at a frame boundary. It also learns the client's tag from the
// `tag=` query parameter of the first HTTP request, or from a Socket.IO CONNECT auth object.
// A Redis link (RESP: a cluster node's commands, Redis's replies and pushes) is followed
// message by message, each message a data frame with its text; it has no Socket.IO events.
// Any other stream (a database protocol, the benchmark's bytes) is told by its first byte
// and observed at no further cost.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fault_injector/core/instant.hpp"
#include "fault_injector/core/resp_message_scanner.hpp"
#include "fault_injector/core/websocket_frame_parser.hpp"

namespace resync::fault_injector {

struct ObservedEvent {
  enum class Kind : std::uint8_t {
    data_frame,      // a text, binary or continuation frame ended, or a RESP message
    socketio_event,  // a text message carrying a Socket.IO EVENT or BINARY_EVENT ended
    socketio_ack,    // a text message carrying a Socket.IO ACK or BINARY_ACK ended
    text_message,    // a text message ended; `text` holds it (only while text is collected)
  };
  Kind kind = Kind::data_frame;
  std::size_t end_offset = 0;  // one past the event's last byte, within the observed piece
  std::uint64_t count = 0;     // running total of events of this kind in this direction
  std::string text;
};

struct Observation {
  std::vector<ObservedEvent> events;
  std::optional<std::string> learned_tag;
  // One past the last byte of what taught the tag (the HTTP head, or the CONNECT's frame),
  // within the observed piece: toxics for the tag start there, wherever the read ended.
  std::size_t learned_tag_end_offset = 0;
};

class StreamObserver final : private WebSocketFrameListener, private RespMessageListener {
 public:
  static constexpr std::size_t kHttpHeadBytesMax = 16 * 1024;
  static constexpr std::size_t kMessageTextBytesMax = 64 * 1024;  // text matched by triggers
  static constexpr std::size_t kConnectPacketBytesMax = 4 * 1024;  // where a CONNECT auth tag may be
  static constexpr std::size_t kTagBytesMax = 256;

  explicit StreamObserver(Direction direction) : direction_(direction) {}

  Observation observe(std::span<const std::uint8_t> piece);

  // Whole text messages are only copied while some trigger matches on text.
  void set_collect_text(bool collect) { collect_text_ = collect; }
  // A tag is looked for until one is known for the connection.
  void set_want_tag(bool want) { want_tag_ = want; }

  bool is_websocket() const { return phase_ == Phase::websocket; }
  bool is_resp() const { return phase_ == Phase::resp; }
  // Nothing more will ever be recognized in this stream (neither HTTP nor RESP, HTTP without
  // upgrade, or frames or RESP that broke their protocol).
  bool is_opaque() const { return phase_ == Phase::opaque; }
  std::uint64_t data_frames_seen() const { return data_frames_; }
  std::uint64_t socketio_events_seen() const { return socketio_events_; }
  std::uint64_t socketio_acks_seen() const { return socketio_acks_; }
  // Bytes the observer holds between pieces (an unfinished HTTP head or text message):
  // never more than kHttpHeadBytesMax or kMessageTextBytesMax, whatever the stream. (A RESP
  // stream's scanner holds none of the stream's bytes, only a fixed-size state.)
  std::size_t held_bytes() const { return http_head_.size() + message_text_.size(); }

 private:
  enum class Phase : std::uint8_t { first_byte, http_head, websocket, resp, opaque };

  Phase phase_for_first_byte(std::uint8_t first_byte);
  void observe_http_head(std::span<const std::uint8_t> piece, std::size_t& offset, Observation& observation);
  void observe_resp(std::span<const std::uint8_t> piece, Observation& observation);
  // Keeps the next bytes of the current text message, up to the limit of the moment.
  void keep_message_text(std::string_view bytes, std::size_t limit);
  void on_frame_start(const WebSocketFrameHeader& header) override;
  void on_frame_payload(std::span<const std::uint8_t> unmasked) override;
  void on_frame_end(const WebSocketFrameHeader& header, std::size_t end_offset) override;
  void on_message_start() override;
  void on_message_text(std::string_view text) override;
  void on_message_end(std::size_t end_offset) override;

  Direction direction_;
  Phase phase_ = Phase::first_byte;
  std::string http_head_;
  WebSocketFrameParser parser_;
  // Only a stream that starts as RESP has one, so a WebSocket connection carries none of it.
  std::unique_ptr<RespMessageScanner> resp_scanner_;
  bool collect_text_ = false;
  bool want_tag_ = false;
  bool message_is_text_ = false;
  bool frame_is_control_ = false;  // ping/pong/close payload is not part of the message
  std::string message_text_;  // the current text message, bounded
  // Some of the current message's bytes were not kept (over the limit of the moment): what
  // is kept stays a prefix of the message, so a limit raised mid-message adds nothing.
  bool message_text_cut_ = false;
  std::uint64_t data_frames_ = 0;
  std::uint64_t socketio_events_ = 0;
  std::uint64_t socketio_acks_ = 0;
  // Set during observe(): where the frame parser's piece starts within the whole piece.
  std::size_t frame_piece_base_ = 0;
  Observation* current_ = nullptr;
};

// Helpers exposed for unit tests.
std::optional<std::string> tag_from_request_head(std::string_view head);
std::optional<std::string> tag_from_socketio_connect(std::string_view engineio_packet);

}  // namespace resync::fault_injector

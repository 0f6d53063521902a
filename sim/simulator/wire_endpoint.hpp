#pragma once
// One end of a simulated TCP connection that reads an HTTP head, then WebSocket frames
// (collected whole, unmasked).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fault_injector/core/websocket_frame_parser.hpp"

namespace resync::sim {

inline constexpr std::string_view end_of_http_head = "\r\n\r\n";

// Collects whole frames out of the observing parser.
class FrameCollector final : public fault_injector::WebSocketFrameListener {
 public:
  struct Frame {
    std::uint8_t opcode = 0;
    std::string payload;
  };
  void on_frame_start(const fault_injector::WebSocketFrameHeader& /*header*/) override { payload_.clear(); }
  void on_frame_payload(std::span<const std::uint8_t> unmasked) override {
    payload_.append(reinterpret_cast<const char*>(unmasked.data()), unmasked.size());
  }
  void on_frame_end(const fault_injector::WebSocketFrameHeader& header, std::size_t /*end_offset*/) override {
    frames.push_back({header.opcode, std::move(payload_)});
    payload_.clear();
  }
  std::vector<Frame> frames;

 private:
  std::string payload_;
};

struct WireEndpoint {
  bool open = true;
  bool handshake_done = false;
  std::string http_head;  // bytes before the end of the HTTP head
  fault_injector::WebSocketFrameParser parser;
  FrameCollector frames;

  // Feeds bytes; returns the HTTP head once it is complete (then frames follow).
  std::optional<std::string> feed(std::string_view bytes) {
    std::optional<std::string> head;
    if (!handshake_done) {
      http_head.append(bytes);
      const auto end = http_head.find(end_of_http_head);
      if (end == std::string::npos) return std::nullopt;
      handshake_done = true;
      head = http_head.substr(0, end);
      const std::string rest = http_head.substr(end + end_of_http_head.size());
      http_head.clear();
      observe_frames(rest);
      return head;
    }
    observe_frames(bytes);
    return std::nullopt;
  }

  std::vector<FrameCollector::Frame> take_frames() {
    std::vector<FrameCollector::Frame> taken = std::move(frames.frames);
    frames.frames.clear();
    return taken;
  }

  void observe_frames(std::string_view bytes) {
    if (bytes.empty()) return;
    parser.observe({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, frames, /*want_payload=*/true);
  }
};

}  // namespace resync::sim

// The proxy's CONNECT auth parser: the `tag` a client names in its Socket.IO CONNECT auth
// object ("40{"tag":"alice"}"), read by the proxy's stream observer to target toxics. Its
// JSON is a client's bytes, so it goes through the same nesting limit as the server
// (protocol::socketio::parse_untrusted_json); a tag is only ever learned from a CONNECT the
// server itself would accept, and the observer learns the same tag from the same packet
// carried in a masked WebSocket text frame.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/invariant.hpp"
#include "fault_injector/core/stream_observer.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "protocol/socketio_packet.hpp"

namespace resync::input_fuzzing {

namespace fi = fault_injector;
namespace socketio = protocol::socketio;

namespace {

const std::string upgrade_request =
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// A client's frame: masked, as RFC 6455 requires of clients.
std::string masked_text_frame(std::string_view payload) {
  const std::array<std::uint8_t, 4> mask{0x12, 0x34, 0x56, 0x78};
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((payload.size() >> shift) & 0xFF));
  }
  for (std::uint8_t byte : mask) frame.push_back(static_cast<char>(byte));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]));
  }
  return frame;
}

std::span<const std::uint8_t> frame_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

void fuzz_connect_auth(std::string_view input) {
  const std::optional<std::string> tag = fi::tag_from_socketio_connect(input);
  if (tag) {
    RESYNC_ASSERT(!tag->empty() && tag->size() <= fi::StreamObserver::kTagBytesMax, "a tag is 1 to kTagBytesMax bytes");
    // The server's reading of the same Engine.IO message: a CONNECT with an object payload.
    RESYNC_ASSERT(input.starts_with("4"), "a tag comes from an Engine.IO message");
    protocol::ParseResult<socketio::Packet> packet = socketio::parse_packet(input.substr(1));
    RESYNC_ASSERT(packet.ok(), "a tag is only learned from a CONNECT the server accepts (nesting limit included)");
    RESYNC_ASSERT(packet->type == socketio::PacketType::connect && packet->payload && packet->payload->is_object(),
                  "a tag comes from a CONNECT's auth object");
    const auto found = packet->payload->find("tag");
    RESYNC_ASSERT(found != packet->payload->end() && found->is_string() && found->get<std::string>() == *tag,
                  "the proxy's tag is the auth object's tag");
  }

  // The observer reads the packet from the client's first text frame after the upgrade; it
  // keeps the first kConnectPacketBytesMax bytes of a message, so it can only agree on those.
  fi::StreamObserver observer(fi::Direction::upstream);
  observer.set_want_tag(true);
  const fi::Observation head = observer.observe(frame_bytes(upgrade_request));
  RESYNC_ASSERT(!head.learned_tag && observer.is_websocket(), "the upgrade without a query tag teaches no tag");
  const fi::Observation frame = observer.observe(frame_bytes(masked_text_frame(input)));
  RESYNC_ASSERT(observer.held_bytes() <= fi::StreamObserver::kMessageTextBytesMax, "the observer's text is bounded");
  if (input.size() <= fi::StreamObserver::kConnectPacketBytesMax) {
    RESYNC_ASSERT(frame.learned_tag == tag, "the observer learns the tag the parser reads from the same packet");
  } else {
    RESYNC_ASSERT(frame.learned_tag == fi::tag_from_socketio_connect(input.substr(0, fi::StreamObserver::kConnectPacketBytesMax)),
                  "the observer reads a long CONNECT's first kConnectPacketBytesMax bytes");
  }
}

}  // namespace resync::input_fuzzing

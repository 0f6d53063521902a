// Socket.IO: one packet as the server and the clients read it, with the JSON nesting limit,
// and the two ways a client reads a chat event (the plain fast path and the full parse).
#include <algorithm>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "protocol/socketio_packet.hpp"

namespace resync::input_fuzzing {

namespace socketio = protocol::socketio;

namespace {

std::size_t nesting_depth(const nlohmann::json& value) {
  std::size_t deepest_child = 0;
  if (value.is_structured()) {
    for (const nlohmann::json& child : value) deepest_child = std::max(deepest_child, nesting_depth(child));
    return deepest_child + 1;
  }
  return 0;
}

}  // namespace

void fuzz_socketio_packet(std::string_view input) {
  protocol::ParseResult<socketio::Packet> packet = socketio::parse_packet(input);
  if (packet) {
    const socketio::Packet& parsed = packet.value();
    if (parsed.payload) {
      RESYNC_ASSERT(nesting_depth(*parsed.payload) <= socketio::json_nesting_depth_max,
                    "no accepted payload is nested deeper than the limit");
    }
    if (parsed.ack_id) RESYNC_ASSERT(*parsed.ack_id <= socketio::ack_id_max, "an accepted ack id is at most 2^53-1");
    // What the server parsed it can write again, and reading that gives the same packet.
    std::string encoded = socketio::encode_packet(parsed);
    protocol::ParseResult<socketio::Packet> again = socketio::parse_packet(encoded);
    RESYNC_ASSERT(again.ok(), "an encoded packet parses again");
    RESYNC_ASSERT(again->type == parsed.type && again->namespace_name == parsed.namespace_name &&
                      again->ack_id == parsed.ack_id && again->attachments == parsed.attachments &&
                      again->payload == parsed.payload,
                  "parse(encode(packet)) is the packet");
    if (parsed.type == socketio::PacketType::event) {
      protocol::ParseResult<std::string> name = socketio::event_name(parsed);
      RESYNC_ASSERT(name.ok(), "an accepted EVENT has an event name");
    }
  } else {
    RESYNC_ASSERT(!packet.error().empty(), "a rejected packet says why");
  }

  // The client's fast path must agree with the full parse wherever it answers.
  std::optional<socketio::ChatEventArguments> plain = socketio::parse_plain_chat_event(input, "chat message");
  if (plain) {
    RESYNC_ASSERT(packet.ok() && packet->type == socketio::PacketType::event && packet->namespace_name == "/" &&
                      !packet->ack_id && packet->payload->front() == "chat message",
                  "a plain chat event is an EVENT on / without an ack id");
    std::optional<socketio::ChatEventArguments> full = socketio::chat_event_arguments(*packet->payload);
    RESYNC_ASSERT(full && full->id == plain->id && full->content == plain->content &&
                      full->trailing_string == plain->trailing_string,
                  "the plain chat event parse equals the full parse");
  }
}

}  // namespace resync::input_fuzzing

#pragma once
// Socket.IO v5 packets, carried inside Engine.IO "message" packets. Pure functions, no I/O.
// Encoding: <type>[<attachments>-][<namespace>,][<ack id>][JSON payload]
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/parse_result.hpp"

namespace resync::protocol::socketio {

enum class PacketType : int {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

struct Packet {
  PacketType type = PacketType::event;
  std::string namespace_name = "/";
  std::optional<std::uint64_t> ack_id;
  std::optional<nlohmann::json> payload;  // absent when the packet carries none
  std::uint32_t attachments = 0;          // binary packets only
};

// Limits on untrusted input: JSON nesting deeper than this is rejected before it is
// parsed, because a recursive parser would otherwise overflow the stack.
inline constexpr std::size_t json_nesting_depth_max = 64;
inline constexpr std::uint64_t ack_id_max = (std::uint64_t{1} << 53) - 1;

ParseResult<Packet> parse_packet(std::string_view text);
std::string encode_packet(const Packet& packet);

// EVENT payloads must be a non-empty array whose first element is a string (the event name).
ParseResult<std::string> event_name(const Packet& packet);

// Parses JSON from untrusted text with the nesting limit above; never throws.
ParseResult<nlohmann::json> parse_untrusted_json(std::string_view text);
// True when no array or object in the JSON text (strings skipped) is nested deeper than
// `depth_max`: the linear check parse_untrusted_json makes before anything is built. For
// other readers of untrusted JSON (the proxy's API, history files) with the same limit.
bool json_nesting_within(std::string_view text, std::size_t depth_max = json_nesting_depth_max);

// Builders for the packets the server and the clients send.
std::string encode_event(const nlohmann::json& arguments, std::optional<std::uint64_t> ack_id = std::nullopt);
// A chat EVENT as a client reads it: the arguments after the event name.
struct ChatEventArguments {
  std::optional<std::int64_t> id;  // the third argument, when it is an integer
  std::string content;             // the second argument: its text, or its JSON when not a string
  std::optional<std::string> trailing_string;  // the last argument, when there are more than 3 and it is a string
};
// From a parsed EVENT's arguments (["name", content, id, ...]); nullopt with fewer than 3.
std::optional<ChatEventArguments> chat_event_arguments(const nlohmann::json& arguments);
// The same without building a JSON tree, for the shape servers send: 2["<event_name>","text",
// integer(,"text")] on "/", no ack id, strings without escapes. nullopt for anything else
// (the caller then parses the packet in full); where it answers, the answer equals
// chat_event_arguments of the full parse.
std::optional<ChatEventArguments> parse_plain_chat_event(std::string_view text, std::string_view event_name);

std::string encode_ack(std::uint64_t ack_id, const nlohmann::json& arguments = nlohmann::json::array());
std::string encode_connect(const nlohmann::json& data);
// Appends the server's chat EVENT on "/", [event_name, content, id] plus the recovery offset
// when there is one: the text encode_event writes for that array, without building it (the
// server writes one per catch-up row and per broadcast).
void append_chat_event(std::string& out, std::string_view event_name, std::string_view content, std::int64_t id,
                       std::optional<std::string_view> recovery_offset);
// The server's CONNECT reply on "/": {"sid":...} plus "pid" with connection state recovery,
// in socket.io's key order (sid first), which clients and tests may match textually.
std::string encode_connect_reply(std::string_view socket_id, std::optional<std::string_view> private_id);
std::string encode_connect_error(std::string_view namespace_name, std::string_view message);

}  // namespace resync::protocol::socketio

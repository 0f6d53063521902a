#pragma once
// Engine.IO v4 packets (the transport layer under Socket.IO). Pure functions, no I/O.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parse_result.hpp"
#include "protocol/percent_decoding.hpp"

namespace resync::protocol::engineio {

enum class PacketType : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct Packet {
  PacketType type = PacketType::message;
  std::string data;  // what follows the type character ("probe", a Socket.IO packet, ...)
  friend bool operator==(const Packet&, const Packet&) = default;
};

// Parses one text packet as received in a WebSocket text frame or a polling record.
ParseResult<Packet> parse_packet(std::string_view text);
std::string encode_packet(const Packet& packet);
std::string encode_packet(PacketType type, std::string_view data = {});

// Long-polling payloads join packets with the record separator 0x1E.
inline constexpr char record_separator = '\x1e';
std::vector<std::string_view> split_payload(std::string_view payload);
std::string join_payload(const std::vector<std::string>& packets);

// The fields of the open packet the server sends first.
struct OpenPacket {
  std::string session_id;
  std::vector<std::string> upgrades;
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::int64_t payload_bytes_max = 1000000;
};
// The longest pingInterval or pingTimeout an open packet may give: the largest delay a
// JavaScript timer takes (socket.io-client's setTimeout), and small enough that a client
// adding both to its clock cannot overflow. A server sending more is refused, not trusted.
inline constexpr std::int64_t heartbeat_ms_max = 2'147'483'647;

std::string encode_open_packet(const OpenPacket& open);
ParseResult<OpenPacket> parse_open_packet_data(std::string_view data);

// Query of a /socket.io/ request, e.g. "EIO=4&transport=websocket&sid=abc".
enum class Transport { polling, websocket };
struct HandshakeQuery {
  Transport transport = Transport::websocket;
  std::string session_id;  // empty on a new session
  std::string client_tag;  // optional "tag" parameter, used by the fault injector to target clients
};

// Engine.IO's HTTP-level errors: JSON {"code":N,"message":"..."} with an HTTP status.
struct HandshakeError {
  int code = 3;
  std::string message;
  int http_status = 400;
  std::string json_body() const;
};
enum class ErrorCode : int {
  transport_unknown = 0,
  session_id_unknown = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};
HandshakeError make_handshake_error(ErrorCode code);

struct HandshakeParseResult {
  bool ok = false;
  HandshakeQuery query;
  HandshakeError error;
};
// `query` is the part after '?' (percent-encoding is decoded).
HandshakeParseResult parse_handshake_query(std::string_view query);


}  // namespace resync::protocol::engineio

#include "protocol/engineio_packet.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace resync::protocol::engineio {

ParseResult<Packet> parse_packet(std::string_view text) {
  if (text.empty()) return ParseResult<Packet>::failure("empty Engine.IO packet");
  const char type = text.front();
  if (type < '0' || type > '6') {
    return ParseResult<Packet>::failure(std::string("unknown Engine.IO packet type '") + type + "' (expected 0-6)");
  }
  return ParseResult<Packet>::success(Packet{static_cast<PacketType>(type), std::string(text.substr(1))});
}

std::string encode_packet(PacketType type, std::string_view data) {
  std::string text;
  text.reserve(data.size() + 1);
  text.push_back(static_cast<char>(type));
  text.append(data);
  return text;
}

std::string encode_packet(const Packet& packet) { return encode_packet(packet.type, packet.data); }

std::vector<std::string_view> split_payload(std::string_view payload) {
  std::vector<std::string_view> packets;
  std::size_t start = 0;
  while (true) {
    const std::size_t separator = payload.find(record_separator, start);
    if (separator == std::string_view::npos) {
      packets.push_back(payload.substr(start));
      return packets;
    }
    packets.push_back(payload.substr(start, separator - start));
    start = separator + 1;
  }
}

std::string join_payload(const std::vector<std::string>& packets) {
  std::string payload;
  for (std::size_t index = 0; index < packets.size(); ++index) {
    if (index > 0) payload.push_back(record_separator);
    payload.append(packets[index]);
  }
  return payload;
}

std::string encode_open_packet(const OpenPacket& open) {
  const nlohmann::json data = {
      {"sid", open.session_id},
      {"upgrades", open.upgrades},
      {"pingInterval", open.ping_interval_ms},
      {"pingTimeout", open.ping_timeout_ms},
      {"maxPayload", open.payload_bytes_max},
  };
  return encode_packet(PacketType::open, data.dump());
}

ParseResult<OpenPacket> parse_open_packet_data(std::string_view data) {
  const nlohmann::json parsed = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return ParseResult<OpenPacket>::failure("open packet data is not a JSON object");
  }
  OpenPacket open;
  const auto sid = parsed.find("sid");
  if (sid == parsed.end() || !sid->is_string()) return ParseResult<OpenPacket>::failure("open packet has no string \"sid\"");
  open.session_id = sid->get<std::string>();
  const auto read_integer = [&parsed](const char* name, std::int64_t& out) {
    const auto field = parsed.find(name);
    if (field == parsed.end() || !field->is_number_integer()) return false;
    out = field->get<std::int64_t>();
    return out >= 0;
  };
  if (!read_integer("pingInterval", open.ping_interval_ms) || !read_integer("pingTimeout", open.ping_timeout_ms)) {
    return ParseResult<OpenPacket>::failure("open packet needs non-negative integer pingInterval and pingTimeout");
  }
  if (open.ping_interval_ms > heartbeat_ms_max || open.ping_timeout_ms > heartbeat_ms_max) {
    return ParseResult<OpenPacket>::failure("open packet pingInterval or pingTimeout over " +
                                            std::to_string(heartbeat_ms_max) + " ms (the largest JavaScript timer delay)");
  }
  if (parsed.contains("maxPayload") && !read_integer("maxPayload", open.payload_bytes_max)) {
    return ParseResult<OpenPacket>::failure("open packet maxPayload is not a non-negative integer");
  }
  if (const auto upgrades = parsed.find("upgrades"); upgrades != parsed.end() && upgrades->is_array()) {
    for (const auto& upgrade : *upgrades) {
      if (upgrade.is_string()) open.upgrades.push_back(upgrade.get<std::string>());
    }
  }
  return ParseResult<OpenPacket>::success(std::move(open));
}

std::string HandshakeError::json_body() const {
  return nlohmann::json{{"code", code}, {"message", message}}.dump();
}

HandshakeError make_handshake_error(ErrorCode code) {
  switch (code) {
    case ErrorCode::transport_unknown: return {0, "Transport unknown", 400};
    case ErrorCode::session_id_unknown: return {1, "Session ID unknown", 400};
    case ErrorCode::bad_handshake_method: return {2, "Bad handshake method", 400};
    case ErrorCode::bad_request: return {3, "Bad request", 400};
    case ErrorCode::forbidden: return {4, "Forbidden", 403};
    case ErrorCode::unsupported_protocol_version: return {5, "Unsupported protocol version", 400};
  }
  return {3, "Bad request", 400};
}

HandshakeParseResult parse_handshake_query(std::string_view query) {
  HandshakeParseResult result;
  std::string protocol_version;
  std::string transport;
  bool has_transport = false;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    const std::size_t equals = pair.find('=');
    const std::string key = percent_decode(pair.substr(0, equals));
    const std::string value = equals == std::string_view::npos ? std::string() : percent_decode(pair.substr(equals + 1));
    if (key == "EIO") protocol_version = value;
    if (key == "transport") {
      transport = value;
      has_transport = true;
    }
    if (key == "sid") result.query.session_id = value;
    if (key == "tag") result.query.client_tag = value;
    start = end + 1;
  }
  if (protocol_version != "4") {
    result.error = make_handshake_error(ErrorCode::unsupported_protocol_version);
    return result;
  }
  if (!has_transport || (transport != "websocket" && transport != "polling")) {
    result.error = make_handshake_error(ErrorCode::transport_unknown);
    return result;
  }
  result.query.transport = transport == "websocket" ? Transport::websocket : Transport::polling;
  result.ok = true;
  return result;
}

}  // namespace resync::protocol::engineio

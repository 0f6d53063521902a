#include "protocol/socketio_packet.hpp"

#include <cctype>

#include "protocol/json_string.hpp"
#include "protocol/utf8.hpp"

namespace resync::protocol::socketio {

namespace {

bool is_digit(char character) { return character >= '0' && character <= '9'; }

std::string validate_payload(const Packet& packet) {
  const auto& payload = packet.payload;
  switch (packet.type) {
    case PacketType::connect:
      if (payload && !payload->is_object()) return "CONNECT payload must be a JSON object";
      return {};
    case PacketType::disconnect:
      if (payload) return "DISCONNECT carries no payload";
      return {};
    case PacketType::connect_error:
      if (!payload || !(payload->is_object() || payload->is_string())) return "CONNECT_ERROR payload must be an object or a string";
      return {};
    case PacketType::event:
    case PacketType::binary_event:
      if (!payload || !payload->is_array() || payload->empty()) return "EVENT payload must be a non-empty JSON array";
      if (!payload->front().is_string()) return "EVENT payload's first element (the event name) must be a string";
      return {};
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!payload || !payload->is_array()) return "ACK payload must be a JSON array";
      if (!packet.ack_id) return "ACK packet needs an ack id";
      return {};
  }
  return "unknown packet type";
}

}  // namespace

bool json_nesting_within(std::string_view text, std::size_t depth_max) {
  // One linear pass, before any parser sees the text.
  std::size_t depth = 0;
  bool inside_string = false;
  bool escaped = false;
  for (const char character : text) {
    if (inside_string) {
      if (escaped) {
        escaped = false;
      } else if (character == '\\') {
        escaped = true;
      } else if (character == '"') {
        inside_string = false;
      }
      continue;
    }
    if (character == '"') {
      inside_string = true;
    } else if (character == '[' || character == '{') {
      if (++depth > depth_max) return false;
    } else if ((character == ']' || character == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

ParseResult<nlohmann::json> parse_untrusted_json(std::string_view text) {
  if (!json_nesting_within(text)) {
    return ParseResult<nlohmann::json>::failure("JSON nested deeper than " + std::to_string(json_nesting_depth_max) +
                                                " levels");
  }
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return ParseResult<nlohmann::json>::failure("payload is not valid JSON");
  return ParseResult<nlohmann::json>::success(std::move(parsed));
}

ParseResult<Packet> parse_packet(std::string_view text) {
  using Result = ParseResult<Packet>;
  if (text.empty()) return Result::failure("empty Socket.IO packet");
  if (text.front() < '0' || text.front() > '6') {
    return Result::failure(std::string("unknown Socket.IO packet type '") + text.front() + "' (expected 0-6)");
  }
  Packet packet;
  packet.type = static_cast<PacketType>(text.front() - '0');
  std::size_t position = 1;

  if (packet.type == PacketType::binary_event || packet.type == PacketType::binary_ack) {
    const std::size_t dash = text.find('-', position);
    if (dash == std::string_view::npos || dash == position || dash - position > 6) {
      return Result::failure("binary packet without a valid attachment count");
    }
    std::uint32_t attachments = 0;
    for (std::size_t index = position; index < dash; ++index) {
      if (!is_digit(text[index])) return Result::failure("attachment count is not a number");
      attachments = attachments * 10 + static_cast<std::uint32_t>(text[index] - '0');
    }
    packet.attachments = attachments;
    position = dash + 1;
  }

  if (position < text.size() && text[position] == '/') {
    const std::size_t comma = text.find(',', position);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    packet.namespace_name = std::string(text.substr(position, end - position));
    position = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  if (position < text.size() && is_digit(text[position])) {
    std::uint64_t ack_id = 0;
    while (position < text.size() && is_digit(text[position])) {
      ack_id = ack_id * 10 + static_cast<std::uint64_t>(text[position] - '0');
      if (ack_id > ack_id_max) return Result::failure("ack id larger than 2^53-1");
      ++position;
    }
    packet.ack_id = ack_id;
  }

  if (position < text.size()) {
    auto payload = parse_untrusted_json(text.substr(position));
    if (!payload) return Result::failure(payload.error());
    packet.payload = std::move(payload).value();
  }

  if (std::string problem = validate_payload(packet); !problem.empty()) return Result::failure(std::move(problem));
  return Result::success(std::move(packet));
}

std::string encode_packet(const Packet& packet) {
  std::string text;
  text.push_back(static_cast<char>('0' + static_cast<int>(packet.type)));
  if (packet.type == PacketType::binary_event || packet.type == PacketType::binary_ack) {
    text += std::to_string(packet.attachments);
    text.push_back('-');
  }
  if (packet.namespace_name != "/") {
    text += packet.namespace_name;
    text.push_back(',');
  }
  if (packet.ack_id) text += std::to_string(*packet.ack_id);
  // Replacing invalid UTF-8 keeps encoding total: the server never sends what it cannot encode.
  if (packet.payload) text += packet.payload->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return text;
}

ParseResult<std::string> event_name(const Packet& packet) {
  if ((packet.type != PacketType::event && packet.type != PacketType::binary_event) || !packet.payload ||
      !packet.payload->is_array() || packet.payload->empty() || !packet.payload->front().is_string()) {
    return ParseResult<std::string>::failure("not an EVENT with a string name");
  }
  return ParseResult<std::string>::success(packet.payload->front().get<std::string>());
}

std::string encode_event(const nlohmann::json& arguments, std::optional<std::uint64_t> ack_id) {
  return encode_packet(Packet{PacketType::event, "/", ack_id, arguments, 0});
}

void append_chat_event(std::string& out, std::string_view event_name, std::string_view content, std::int64_t id,
                       std::optional<std::string_view> recovery_offset) {
  // Room for the texts, their quotes and separators and the id: one allocation as a rule.
  constexpr std::size_t framing_bytes = 32;
  out.reserve(out.size() + event_name.size() + content.size() + (recovery_offset ? recovery_offset->size() : 0) +
              framing_bytes);
  out.push_back(static_cast<char>('0' + static_cast<int>(PacketType::event)));
  out.push_back('[');
  append_json_string(out, event_name);
  out.push_back(',');
  append_json_string(out, content);
  out.push_back(',');
  out += std::to_string(id);
  if (recovery_offset) {
    out.push_back(',');
    append_json_string(out, *recovery_offset);
  }
  out.push_back(']');
}

std::optional<ChatEventArguments> chat_event_arguments(const nlohmann::json& arguments) {
  if (!arguments.is_array() || arguments.size() < 3) return std::nullopt;
  ChatEventArguments result;
  if (arguments.size() > 3 && arguments.back().is_string()) result.trailing_string = arguments.back().get<std::string>();
  if (arguments[2].is_number_integer()) result.id = arguments[2].get<std::int64_t>();
  result.content = arguments[1].is_string() ? arguments[1].get<std::string>() : arguments[1].dump();
  return result;
}

namespace {

// Reads a JSON string literal at `position` that needs no decoding: no escape, no control
// character, valid UTF-8. nullopt otherwise (the full parser then decides).
std::optional<std::string_view> plain_json_string(std::string_view text, std::size_t& position) {
  if (position >= text.size() || text[position] != '"') return std::nullopt;
  const std::size_t start = position + 1;
  std::size_t end = start;
  while (end < text.size() && text[end] != '"') {
    const auto byte = static_cast<unsigned char>(text[end]);
    if (byte == '\\' || byte < 0x20) return std::nullopt;
    ++end;
  }
  if (end == text.size()) return std::nullopt;
  const std::string_view value = text.substr(start, end - start);
  if (!is_valid_utf8(value)) return std::nullopt;
  position = end + 1;
  return value;
}

// An integer of at most 18 digits (so it fits std::int64_t), JSON's form: no leading zero,
// no fraction or exponent after it.
std::optional<std::int64_t> plain_json_integer(std::string_view text, std::size_t& position) {
  constexpr std::size_t digits_max = 18;
  std::size_t cursor = position;
  const bool negative = cursor < text.size() && text[cursor] == '-';
  if (negative) ++cursor;
  const std::size_t first_digit = cursor;
  std::int64_t value = 0;
  // Digits past the 18th are counted but not added: 19 of them could overflow std::int64_t.
  while (cursor < text.size() && is_digit(text[cursor])) {
    if (cursor - first_digit < digits_max) value = value * 10 + (text[cursor] - '0');
    ++cursor;
  }
  const std::size_t digits = cursor - first_digit;
  if (digits == 0 || digits > digits_max || (digits > 1 && text[first_digit] == '0')) return std::nullopt;
  if (cursor < text.size() && (text[cursor] == '.' || text[cursor] == 'e' || text[cursor] == 'E')) return std::nullopt;
  position = cursor;
  return negative ? -value : value;
}

}  // namespace

std::optional<ChatEventArguments> parse_plain_chat_event(std::string_view text, std::string_view event_name) {
  std::size_t position = 0;
  const auto expect = [&](char character) {
    if (position >= text.size() || text[position] != character) return false;
    ++position;
    return true;
  };
  if (!expect(static_cast<char>('0' + static_cast<int>(PacketType::event))) || !expect('[')) return std::nullopt;
  const std::optional<std::string_view> name = plain_json_string(text, position);
  if (!name || *name != event_name || !expect(',')) return std::nullopt;
  const std::optional<std::string_view> content = plain_json_string(text, position);
  if (!content || !expect(',')) return std::nullopt;
  const std::optional<std::int64_t> id = plain_json_integer(text, position);
  if (!id) return std::nullopt;
  ChatEventArguments result{*id, std::string(*content), std::nullopt};
  if (position < text.size() && text[position] == ',') {
    ++position;
    const std::optional<std::string_view> trailing = plain_json_string(text, position);
    if (!trailing) return std::nullopt;
    result.trailing_string = std::string(*trailing);
  }
  if (!expect(']') || position != text.size()) return std::nullopt;
  return result;
}

std::string encode_ack(std::uint64_t ack_id, const nlohmann::json& arguments) {
  return encode_packet(Packet{PacketType::ack, "/", ack_id, arguments, 0});
}

std::string encode_connect(const nlohmann::json& data) {
  return encode_packet(Packet{PacketType::connect, "/", std::nullopt, data, 0});
}

std::string encode_connect_reply(std::string_view socket_id, std::optional<std::string_view> private_id) {
  nlohmann::ordered_json data = {{"sid", socket_id}};
  if (private_id) data["pid"] = *private_id;
  return std::to_string(static_cast<int>(PacketType::connect)) + data.dump();
}

std::string encode_connect_error(std::string_view namespace_name, std::string_view message) {
  return encode_packet(Packet{PacketType::connect_error, std::string(namespace_name), std::nullopt,
                              nlohmann::json{{"message", message}}, 0});
}

}  // namespace resync::protocol::socketio

#pragma once
// Cheap reads of a "42[\"chat message\",<text>,<id>]" frame for the load generator, which must
// not spend more time on a frame than the server did: no JSON parse, only what a figure needs.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace resync::bench {

inline bool is_chat_message(std::string_view frame) { return frame.rfind(R"(42["chat message",)", 0) == 0; }

// The number after `marker` in the frame ("fan-out 12" -> 12 for marker "fan-out ").
inline std::optional<std::int64_t> number_after(std::string_view frame, std::string_view marker) {
  const std::size_t at = frame.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::int64_t number = 0;
  const char* begin = frame.data() + at + marker.size();
  const auto parsed = std::from_chars(begin, frame.data() + frame.size(), number);
  if (parsed.ec != std::errc{}) return std::nullopt;
  return number;
}

// The message id: the argument after the text, a number or a quoted number. A server with
// connection-state recovery appends its own offset after it (socket.io does), so the id is not
// the last argument.
inline std::optional<std::int64_t> chat_message_id(std::string_view frame) {
  constexpr std::string_view prefix = R"(42["chat message",")";
  if (frame.rfind(prefix, 0) != 0) return std::nullopt;
  std::size_t at = prefix.size();
  while (at < frame.size() && frame[at] != '"') at += frame[at] == '\\' ? 2 : 1;  // the text's closing quote
  if (at + 2 >= frame.size() || frame[at + 1] != ',') return std::nullopt;
  at += 2;
  if (frame[at] == '"') ++at;
  std::int64_t number = 0;
  const auto parsed = std::from_chars(frame.data() + at, frame.data() + frame.size(), number);
  if (parsed.ec != std::errc{} || parsed.ptr == frame.data() + frame.size()) return std::nullopt;
  const char after = *parsed.ptr;
  if (after != ',' && after != ']' && after != '"') return std::nullopt;
  return number;
}

}  // namespace resync::bench

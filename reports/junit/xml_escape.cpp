#include "reports/junit/xml_escape.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace resync::reports {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at the start of `text` and its code point, or 0
// when the bytes there are not UTF-8 (overlong forms, surrogates and > U+10FFFF included).
std::size_t decode_utf8(std::string_view text, std::uint32_t& code_point) {
  const auto byte = [&](std::size_t index) { return static_cast<unsigned char>(text[index]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
    minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
    minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
    minimum = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (std::size_t index = 1; index < length; ++index) {
    if ((byte(index) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(index) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF) return 0;
  if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
  return length;
}

bool allowed_control(std::uint32_t code_point) {
  return code_point == '\t' || code_point == '\n' || code_point == '\r';
}

}  // namespace

std::string xml_representable_text(std::string_view text) {
  std::string safe;
  safe.reserve(text.size());
  while (!text.empty()) {
    std::uint32_t code_point = 0;
    const std::size_t length = decode_utf8(text, code_point);
    if (length == 0) {
      safe += replacement_character;
      text.remove_prefix(1);
      continue;
    }
    if (code_point < 0x20 && !allowed_control(code_point)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(code_point));
      safe += escaped;
    } else if (code_point == 0xFFFE || code_point == 0xFFFF) {
      safe += replacement_character;
    } else {
      safe.append(text.substr(0, length));
    }
    text.remove_prefix(length);
  }
  return safe;
}

std::string replace_with_entities(std::string_view representable_text, std::span<const Entity> entities) {
  std::string escaped;
  escaped.reserve(representable_text.size() + representable_text.size() / 8);
  for (char character : representable_text) {
    const auto entity = std::find_if(entities.begin(), entities.end(),
                                     [character](const Entity& candidate) { return candidate.character == character; });
    if (entity == entities.end()) {
      escaped += character;
    } else {
      escaped += entity->replacement;
    }
  }
  return escaped;
}

std::string escape_xml_text(std::string_view text) {
  // '>' also keeps "]]>" out of element content; a raw CR would be read back as LF.
  static constexpr Entity entities[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'\r', "&#13;"}};
  return replace_with_entities(xml_representable_text(text), entities);
}

std::string escape_xml_attribute(std::string_view text) {
  // Tab, LF and CR become references because parsers normalize them to spaces in attributes.
  static constexpr Entity entities[] = {{'&', "&amp;"},  {'<', "&lt;"},  {'>', "&gt;"},  {'"', "&quot;"},
                                        {'\'', "&apos;"}, {'\t', "&#9;"}, {'\n', "&#10;"}, {'\r', "&#13;"}};
  return replace_with_entities(xml_representable_text(text), entities);
}

}  // namespace resync::reports

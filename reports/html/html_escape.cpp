#include "reports/html/html_escape.hpp"

#include "reports/junit/xml_escape.hpp"

namespace resync::reports {
namespace {

std::string escape_markup(std::string_view text) {
  // xml_representable_text also turns C0 control characters into visible "\x01" text,
  // which is what a report reader wants to see instead of an invisible byte.
  static constexpr Entity entities[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};
  return replace_with_entities(xml_representable_text(text), entities);
}

}  // namespace

std::string escape_html_text(std::string_view text) { return escape_markup(text); }

std::string escape_html_attribute(std::string_view text) { return escape_markup(text); }

std::string json_for_script_element(const nlohmann::json& value) {
  const std::string json = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string escaped;
  escaped.reserve(json.size() + json.size() / 32);
  for (std::size_t index = 0; index < json.size(); ++index) {
    const char character = json[index];
    if (character == '<') {
      escaped += "\\u003c";
    } else if (character == '>') {
      escaped += "\\u003e";
    } else if (character == '&') {
      escaped += "\\u0026";
    } else if (character == '\xE2' && index + 2 < json.size() && json[index + 1] == '\x80' &&
               (json[index + 2] == '\xA8' || json[index + 2] == '\xA9')) {
      // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR (UTF-8 E2 80 A8 / E2 80 A9).
      escaped += json[index + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      index += 2;
    } else {
      escaped += character;
    }
  }
  return escaped;
}

}  // namespace resync::reports

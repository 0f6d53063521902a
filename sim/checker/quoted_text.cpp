#include "sim/checker/quoted_text.hpp"

#include <nlohmann/json.hpp>

namespace resync::checker {
namespace {

// The longest prefix of at most `bytes_max` bytes that does not end inside a UTF-8 sequence.
std::string_view cut_on_character_boundary(std::string_view text, std::size_t bytes_max, bool& was_cut) {
  was_cut = text.size() > bytes_max;
  if (!was_cut) return text;
  std::size_t cut = bytes_max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::string json_quoted(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string quote_text(std::string_view text, std::size_t chars_max) {
  bool was_cut = false;
  std::string quoted = json_quoted(cut_on_character_boundary(text, chars_max, was_cut));
  if (was_cut) quoted.insert(quoted.size() - 1, "...");
  return quoted;
}

std::string first_line_of(std::string_view text, std::size_t chars_max) {
  const std::size_t newline = text.find('\n');
  const bool more_lines = newline != std::string_view::npos && newline + 1 < text.size();
  std::string_view line = text.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool was_cut = false;
  std::string quoted = json_quoted(cut_on_character_boundary(line, chars_max, was_cut));
  std::string unquoted = quoted.substr(1, quoted.size() - 2);
  if (was_cut || more_lines) unquoted += " ...";
  return unquoted;
}

}  // namespace resync::checker

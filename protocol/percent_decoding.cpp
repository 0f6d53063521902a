#include "protocol/percent_decoding.hpp"

namespace resync::protocol {

namespace {

int hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, PlusSign plus) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    const char current = text[index];
    if (current == '+' && plus == PlusSign::space) {
      decoded.push_back(' ');
    } else if (current == '%' && index + 2 < text.size() && hex_value(text[index + 1]) >= 0 && hex_value(text[index + 2]) >= 0) {
      decoded.push_back(static_cast<char>(hex_value(text[index + 1]) * 16 + hex_value(text[index + 2])));
      index += 2;
    } else {
      decoded.push_back(current);
    }
  }
  return decoded;
}

}  // namespace resync::protocol

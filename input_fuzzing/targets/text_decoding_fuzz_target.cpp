// Text checks every reader relies on: UTF-8 validation (the server's text before it reaches
// the core, the clients' events, the history writer) and percent-decoding (handshake queries,
// the proxy's client tags and API paths).
#include <cstdint>
#include <string>

#include <boost/beast/websocket/detail/utf8_checker.hpp>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "protocol/percent_decoding.hpp"
#include "protocol/utf8.hpp"

namespace resync::input_fuzzing {

namespace {

std::string percent_encode_every_byte(std::string_view text) {
  static constexpr char hex_digits[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char character : text) {
    const auto byte = static_cast<unsigned char>(character);
    encoded += '%';
    encoded += hex_digits[byte >> 4];
    encoded += hex_digits[byte & 0x0F];
  }
  return encoded;
}

}  // namespace

void fuzz_text_decoding(std::string_view input) {
  // Two validators must agree: Beast's, which checks the server's WebSocket text frames, and
  // Resync's own, which checks text everywhere else.
  boost::beast::websocket::detail::utf8_checker beast_checker;
  const bool beast_valid =
      beast_checker.write(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()) && beast_checker.finish();
  RESYNC_ASSERT(protocol::is_valid_utf8(input) == beast_valid, "is_valid_utf8 agrees with Beast's UTF-8 checker");

  // Decoding never grows the text, and decodes what a full encoding makes of any bytes.
  for (protocol::PlusSign plus : {protocol::PlusSign::space, protocol::PlusSign::literal}) {
    RESYNC_ASSERT(protocol::percent_decode(input, plus).size() <= input.size(), "percent-decoding never grows the text");
    RESYNC_ASSERT(protocol::percent_decode(percent_encode_every_byte(input), plus) == input,
                  "percent_decode(percent-encoded bytes) gives the bytes back");
  }
}

}  // namespace resync::input_fuzzing

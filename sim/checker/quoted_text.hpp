#pragma once
// Message content and server output come from the system under test: before they go into
// a line of checker output they are quoted JSON-style (so control characters and terminal
// escapes show as \u001b rather than act), invalid UTF-8 becomes U+FFFD, and long text is
// cut on a character boundary.
#include <cstddef>
#include <string>
#include <string_view>

namespace resync::checker {

inline constexpr std::size_t quoted_text_chars_max = 60;

// "\"alice-3\"", or "\"very long...\"" cut after `chars_max` bytes.
std::string quote_text(std::string_view text, std::size_t chars_max = quoted_text_chars_max);

// The first line of `text`, without quotes but with control characters escaped; for
// one-line reasons such as a server's error output.
std::string first_line_of(std::string_view text, std::size_t chars_max = 200);

}  // namespace resync::checker

#pragma once
// JSON string literals written straight into a buffer, for the hot encoders that must not
// build a JSON tree per message (catch-up and broadcast write one event per row).
#include <string>
#include <string_view>

namespace resync::protocol {

// Appends `text` as a JSON string literal, byte for byte what nlohmann::json's
// dump(-1, ' ', false, error_handler_t::replace) writes for it: UTF-8 kept as is, quote,
// backslash and control characters escaped, invalid UTF-8 replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view text);

}  // namespace resync::protocol

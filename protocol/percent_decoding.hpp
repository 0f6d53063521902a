#pragma once
// Percent-decoding of URL parts, shared by the Engine.IO handshake, the fault injector's
// client tags and its HTTP API paths. Invalid escapes are kept verbatim.
#include <string>
#include <string_view>

namespace resync::protocol {

// A query component turns '+' into a space; a path segment keeps it.
enum class PlusSign { space, literal };

std::string percent_decode(std::string_view text, PlusSign plus = PlusSign::space);

}  // namespace resync::protocol

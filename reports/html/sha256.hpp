#pragma once
// SHA-256 (FIPS 180-4) and Base64, for the report's Content-Security-Policy: the page allows
// exactly its own inline <style> and <script> by hash ('sha256-...'), so markup that slipped
// past escaping could still not run a script or an event handler.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace resync::reports {

std::array<std::uint8_t, 32> sha256(std::string_view data);

// RFC 4648 Base64 with padding.
std::string base64(const std::uint8_t* bytes, std::size_t size);

// "'sha256-BASE64'", the CSP source expression that allows an inline element with this text.
std::string csp_hash_source(std::string_view element_text);

}  // namespace resync::reports

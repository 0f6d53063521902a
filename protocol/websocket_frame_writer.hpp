#pragma once
// Encodes RFC 6455 frames for the simulated network, and the data frames the live server
// writes past Beast (server/shell/write_behind_stream.hpp). Reading
// frames back is the fault injector's observing parser (fault_injector/core), so the bytes
// the toxics and triggers see in the simulator are the same bytes a real connection carries.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace resync::protocol::websocket {

enum class Opcode : std::uint8_t { text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

// One final (FIN) frame. Clients must mask (`mask_key`), servers must not.
std::string encode_frame(Opcode opcode, std::string_view payload, std::optional<std::array<std::uint8_t, 4>> mask_key);
// Appends one final, unmasked (server) frame to `out`.
void append_server_frame(std::string& out, Opcode opcode, std::string_view payload);

// The HTTP/1.1 upgrade request a client sends, and the 101 reply a server sends.
std::string encode_upgrade_request(std::string_view host, std::string_view target);
std::string encode_upgrade_response();

}  // namespace resync::protocol::websocket

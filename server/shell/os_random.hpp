#pragma once
// The operating system's CSPRNG for the live server's ids (see server/core/random_id_source.hpp).
#include <cstdint>
#include <span>

namespace resync::server {

// Fills `bytes` from getrandom(2) (the kernel's CSPRNG, the source of /dev/urandom). Blocks
// only until the kernel's pool is initialised at boot. Throws std::system_error if the
// kernel refuses (it never does for a few bytes on Linux >= 3.17).
void fill_from_os_random(std::span<std::uint8_t> bytes);

}  // namespace resync::server

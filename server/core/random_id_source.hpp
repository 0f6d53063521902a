#pragma once
// Where the server's unguessable ids come from: Engine.IO session ids, Socket.IO socket ids,
// the private ids (pids) of connection state recovery and the recovery offsets' run prefix.
//
// A pid is a bearer token: whoever presents it with an offset takes over that socket's
// identity and missed events. So ids must not be predictable from other ids a client can
// see, which rules out a general-purpose PRNG such as std::mt19937_64 (its state follows
// from 312 consecutive outputs). The live shell fills the bytes from the operating system's
// CSPRNG (getrandom(2), server/shell/os_random.hpp); the core itself never reads a random
// device, so the simulator passes a SeededRandomBytes and replays byte for byte.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/portable_random.hpp"

namespace resync::server {

// Fills the span with random bytes. Called only from the core's thread.
using RandomBytesSource = std::function<void(std::span<std::uint8_t>)>;

// 128 bits per id, encoded as unpadded base64url (22 characters), the alphabet socket.io's
// base64id uses.
inline constexpr std::size_t random_id_bytes = 16;
inline constexpr std::size_t random_id_length = 22;

std::string encode_base64url(std::span<const std::uint8_t> bytes);

// A deterministic source for the simulator and unit tests: the same seed gives the same
// bytes. Not for live servers (see above).
class SeededRandomBytes {
 public:
  explicit SeededRandomBytes(std::uint64_t seed) : generator_(seed) {}
  void operator()(std::span<std::uint8_t> bytes) {
    for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(generator_.next_u64() >> 56);
  }

 private:
  SeededRandom generator_;
};

}  // namespace resync::server

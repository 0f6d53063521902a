#include "reports/html/sha256.hpp"

#include <vector>

namespace resync::reports {
namespace {

constexpr std::array<std::uint32_t, 64> round_constants{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotate_right(std::uint32_t value, int bits) { return (value >> bits) | (value << (32 - bits)); }

void compress_block(std::array<std::uint32_t, 8>& state, const std::uint8_t* block) {
  std::array<std::uint32_t, 64> schedule{};
  for (int index = 0; index < 16; ++index) {
    schedule[index] = (std::uint32_t{block[index * 4]} << 24) | (std::uint32_t{block[index * 4 + 1]} << 16) |
                      (std::uint32_t{block[index * 4 + 2]} << 8) | std::uint32_t{block[index * 4 + 3]};
  }
  for (int index = 16; index < 64; ++index) {
    const std::uint32_t s0 = rotate_right(schedule[index - 15], 7) ^ rotate_right(schedule[index - 15], 18) ^
                             (schedule[index - 15] >> 3);
    const std::uint32_t s1 = rotate_right(schedule[index - 2], 17) ^ rotate_right(schedule[index - 2], 19) ^
                             (schedule[index - 2] >> 10);
    schedule[index] = schedule[index - 16] + s0 + schedule[index - 7] + s1;
  }
  std::array<std::uint32_t, 8> work = state;
  for (int index = 0; index < 64; ++index) {
    const std::uint32_t s1 = rotate_right(work[4], 6) ^ rotate_right(work[4], 11) ^ rotate_right(work[4], 25);
    const std::uint32_t choice = (work[4] & work[5]) ^ (~work[4] & work[6]);
    const std::uint32_t temp1 = work[7] + s1 + choice + round_constants[index] + schedule[index];
    const std::uint32_t s0 = rotate_right(work[0], 2) ^ rotate_right(work[0], 13) ^ rotate_right(work[0], 22);
    const std::uint32_t majority = (work[0] & work[1]) ^ (work[0] & work[2]) ^ (work[1] & work[2]);
    const std::uint32_t temp2 = s0 + majority;
    work[7] = work[6];
    work[6] = work[5];
    work[5] = work[4];
    work[4] = work[3] + temp1;
    work[3] = work[2];
    work[2] = work[1];
    work[1] = work[0];
    work[0] = temp1 + temp2;
  }
  for (int index = 0; index < 8; ++index) state[index] += work[index];
}

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint32_t, 8> state{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const std::size_t whole_blocks = data.size() / 64;
  for (std::size_t block = 0; block < whole_blocks; ++block) {
    compress_block(state, reinterpret_cast<const std::uint8_t*>(data.data()) + block * 64);
  }
  // The tail, the 0x80 terminator and the 64-bit length in bits: one or two more blocks.
  std::vector<std::uint8_t> tail(data.begin() + static_cast<std::ptrdiff_t>(whole_blocks * 64), data.end());
  tail.push_back(0x80);
  while (tail.size() % 64 != 56) tail.push_back(0);
  const std::uint64_t length_bits = static_cast<std::uint64_t>(data.size()) * 8;
  for (int shift = 56; shift >= 0; shift -= 8) tail.push_back(static_cast<std::uint8_t>(length_bits >> shift));
  for (std::size_t offset = 0; offset < tail.size(); offset += 64) compress_block(state, tail.data() + offset);

  std::array<std::uint8_t, 32> digest{};
  for (int index = 0; index < 8; ++index) {
    digest[index * 4] = static_cast<std::uint8_t>(state[index] >> 24);
    digest[index * 4 + 1] = static_cast<std::uint8_t>(state[index] >> 16);
    digest[index * 4 + 2] = static_cast<std::uint8_t>(state[index] >> 8);
    digest[index * 4 + 3] = static_cast<std::uint8_t>(state[index]);
  }
  return digest;
}

std::string base64(const std::uint8_t* bytes, std::size_t size) {
  static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  encoded.reserve((size + 2) / 3 * 4);
  for (std::size_t offset = 0; offset < size; offset += 3) {
    const std::size_t available = std::min<std::size_t>(3, size - offset);
    std::uint32_t group = std::uint32_t{bytes[offset]} << 16;
    if (available > 1) group |= std::uint32_t{bytes[offset + 1]} << 8;
    if (available > 2) group |= std::uint32_t{bytes[offset + 2]};
    encoded += alphabet[(group >> 18) & 0x3F];
    encoded += alphabet[(group >> 12) & 0x3F];
    encoded += available > 1 ? alphabet[(group >> 6) & 0x3F] : '=';
    encoded += available > 2 ? alphabet[group & 0x3F] : '=';
  }
  return encoded;
}

std::string csp_hash_source(std::string_view element_text) {
  const std::array<std::uint8_t, 32> digest = sha256(element_text);
  return "'sha256-" + base64(digest.data(), digest.size()) + "'";
}

}  // namespace resync::reports

#include "common/portable_random.hpp"

#include "common/invariant.hpp"

namespace resync {

std::uint64_t SeededRandom::uniform_below(std::uint64_t bound) {
  RESYNC_ASSERT(bound > 0, "uniform_below needs a non-empty range");
  unsigned __int128 product = static_cast<unsigned __int128>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    // 2^64 mod bound, computed in 64 bits: (2^64 - bound) mod bound.
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

std::int64_t SeededRandom::uniform_int(std::int64_t low, std::int64_t high) {
  RESYNC_ASSERT(low <= high, "uniform_int needs low <= high");
  // Unsigned arithmetic: the span of [INT64_MIN, INT64_MAX] does not fit an int64.
  const std::uint64_t span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  const std::uint64_t offset = span == UINT64_MAX ? next_u64() : uniform_below(span + 1);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + offset);
}

double SeededRandom::uniform_unit() {
  constexpr double two_to_minus_53 = 1.0 / 9007199254740992.0;
  return static_cast<double>(next_u64() >> 11) * two_to_minus_53;
}

bool SeededRandom::chance(double probability) { return uniform_unit() < probability; }

}  // namespace resync

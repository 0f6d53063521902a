#pragma once
// Seeds derived from the run's --seed so that every random choice is reproducible and
// independent of the order in which unrelated things happen (another connection's traffic,
// another toxic's chunks). Stable across compilers and runs, unlike std::hash.
#include <cstdint>
#include <string_view>

namespace resync::fault_injector {

constexpr std::uint64_t splitmix64(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

constexpr std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;
  for (char c : text) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

constexpr std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t value) { return splitmix64(seed ^ splitmix64(value)); }

}  // namespace resync::fault_injector

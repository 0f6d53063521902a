#pragma once
// The project's one mapping from a seed to random choices, so that a seed replays the same
// run with any standard library. std::mt19937_64's output sequence is fixed by the C++
// standard, but std::uniform_int_distribution, std::uniform_real_distribution and
// std::bernoulli_distribution are not: libstdc++ and libc++ turn the same engine output into
// different numbers. docs/SEEDS.md states the mapping; common/tests pins it with golden values.
//
// SeededRandom deliberately is not a UniformRandomBitGenerator (no operator(), min(), max()),
// so it cannot be handed to a std::*_distribution by mistake.
#include <cstdint>
#include <random>

namespace resync {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}

  // The engine's next raw 64 bits: std::mt19937_64 seeded with the single integer `seed`.
  std::uint64_t next_u64() { return engine_(); }

  // Uniform in [0, bound), bound > 0: Lemire's nearly divisionless method (multiply the
  // 64-bit draw by bound into 128 bits; keep the high half; reject the few draws whose low
  // half falls below 2^64 mod bound).
  std::uint64_t uniform_below(std::uint64_t bound);

  // Uniform in [low, high], low <= high, any span up to the whole int64 range.
  std::int64_t uniform_int(std::int64_t low, std::int64_t high);

  // Uniform in [0, 1) on the grid of multiples of 2^-53: the draw's top 53 bits times 2^-53.
  double uniform_unit();

  // True with probability `probability` (uniform_unit() < probability): never for <= 0,
  // always for >= 1.
  bool chance(double probability);

 private:
  std::mt19937_64 engine_;
};

}  // namespace resync

// Golden values pin the mapping of docs/SEEDS.md: if one of these changes, every recorded
// seed replays a different run, so change them only together with that document.
#include "common/portable_random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace resync {
namespace {

TEST(SeededRandomTest, RawDrawsAreTheStandardMt19937_64Sequence) {
  SeededRandom random(42);
  EXPECT_EQ(random.next_u64(), 13930160852258120406ULL);
  EXPECT_EQ(random.next_u64(), 11788048577503494824ULL);
  EXPECT_EQ(random.next_u64(), 13874630024467741450ULL);
  EXPECT_EQ(random.next_u64(), 2513787319205155662ULL);
  // The C++ standard's own check value: the 10000th output of a default-seeded engine.
  SeededRandom default_seeded(5489);
  std::uint64_t value = 0;
  for (int draw = 0; draw < 10000; ++draw) value = default_seeded.next_u64();
  EXPECT_EQ(value, 9981545732273789042ULL);
}

TEST(SeededRandomTest, UniformBelowGoldenValues) {
  SeededRandom random(42);
  const std::vector<std::uint64_t> expected = {7, 6, 7, 1, 9, 0};
  for (std::uint64_t value : expected) EXPECT_EQ(random.uniform_below(10), value);
}

TEST(SeededRandomTest, UniformIntGoldenValues) {
  SeededRandom random(7);
  const std::vector<std::int64_t> expected = {2544, 4493, -3826, 3920, -3588, -4450};
  for (std::int64_t value : expected) EXPECT_EQ(random.uniform_int(-5000, 5000), value);
}

TEST(SeededRandomTest, UniformUnitGoldenValues) {
  SeededRandom random(7);
  EXPECT_EQ(random.uniform_unit(), 0.75438530415285798);
  EXPECT_EQ(random.uniform_unit(), 0.94930120289264419);
  EXPECT_EQ(random.uniform_unit(), 0.11741428103451801);
  EXPECT_EQ(random.uniform_unit(), 0.89191317671247627);
}

TEST(SeededRandomTest, ChanceGoldenValues) {
  SeededRandom random(9);
  const std::vector<bool> expected = {false, true, false, false, true, true, false, true};
  for (bool value : expected) EXPECT_EQ(random.chance(0.5), value);
}

TEST(SeededRandomTest, UniformUnitIsTheTop53BitsOfOneDraw) {
  SeededRandom mapped(123);
  SeededRandom raw(123);
  for (int draw = 0; draw < 1000; ++draw) {
    const double unit = mapped.uniform_unit();
    EXPECT_EQ(unit, static_cast<double>(raw.next_u64() >> 11) / 9007199254740992.0);
    EXPECT_GE(unit, 0.0);
    EXPECT_LT(unit, 1.0);
  }
}

TEST(SeededRandomTest, UniformIntStaysInItsClosedRangeAndReachesBothEnds) {
  SeededRandom random(1);
  bool saw_low = false;
  bool saw_high = false;
  for (int draw = 0; draw < 2000; ++draw) {
    const std::int64_t value = random.uniform_int(-3, 3);
    ASSERT_GE(value, -3);
    ASSERT_LE(value, 3);
    saw_low = saw_low || value == -3;
    saw_high = saw_high || value == 3;
  }
  EXPECT_TRUE(saw_low);
  EXPECT_TRUE(saw_high);
  EXPECT_EQ(random.uniform_int(5, 5), 5);
}

TEST(SeededRandomTest, UniformIntOverTheWholeInt64RangeIsOneRawDraw) {
  SeededRandom mapped(0);
  SeededRandom raw(0);
  const std::int64_t value =
      mapped.uniform_int(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(value, -6275704758082610114LL);
  EXPECT_EQ(static_cast<std::uint64_t>(value) - static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::min()),
            raw.next_u64());
}

TEST(SeededRandomTest, UniformBelowIsRoughlyUniform) {
  // 60000 draws into 6 buckets: each expects 10000 with a standard deviation of about 91;
  // 500 is over five of them, so an unbiased mapping passes and a mapping off by 5% fails.
  SeededRandom random(2024);
  std::array<int, 6> counts{};
  for (int draw = 0; draw < 60000; ++draw) ++counts[random.uniform_below(6)];
  for (int count : counts) EXPECT_NEAR(count, 10000, 500);
}

TEST(SeededRandomTest, ChanceAtTheEndsNeverAndAlwaysButStillDraws) {
  SeededRandom random(5);
  SeededRandom twin(5);
  for (int draw = 0; draw < 100; ++draw) {
    EXPECT_FALSE(random.chance(0.0));
    EXPECT_TRUE(random.chance(1.0));
    twin.next_u64();
    twin.next_u64();
  }
  // Each chance() consumed exactly one draw, whatever the probability.
  EXPECT_EQ(random.next_u64(), twin.next_u64());
}

}  // namespace
}  // namespace resync

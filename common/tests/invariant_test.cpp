#include "common/invariant.hpp"

#include <gtest/gtest.h>

namespace resync {
namespace {

int queue_length_after_removal(int queue_length) {
  RESYNC_ASSERT(queue_length > 0, "a removal needs a queued item");
  return queue_length - 1;
}

TEST(InvariantDeathTest, BrokenInvariantStopsWithFileLineConditionAndMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(queue_length_after_removal(0),
               "invariant_test\\.cpp:[0-9]+: invariant broken: queue_length > 0: a removal needs a queued item");
}

TEST(InvariantDeathTest, HeldInvariantLetsTheProgramContinue) { EXPECT_EQ(queue_length_after_removal(3), 2); }

TEST(InvariantDeathTest, ExpensiveAssertionRunsOnlyWhereEnabled) {
  int evaluations = 0;
  auto counted_false = [&evaluations] {
    ++evaluations;
    return false;
  };
#if !defined(NDEBUG) || defined(RESYNC_EXPENSIVE_ASSERTIONS)
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(RESYNC_ASSERT_EXPENSIVE(counted_false(), "expensive check"), "invariant broken: counted_false\\(\\)");
#else
  RESYNC_ASSERT_EXPENSIVE(counted_false(), "expensive check");
  EXPECT_EQ(evaluations, 0) << "a disabled expensive assertion must not evaluate its condition";
#endif
}

}  // namespace
}  // namespace resync

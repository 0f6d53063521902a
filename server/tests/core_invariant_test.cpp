// Broken invariants in the server core stop the program (RESYNC_ASSERT) instead of being
// skipped: what the core relies on for exactly-once replay is checked where it is kept.
#include <gtest/gtest.h>

#include "server/core/connection_state_recovery.hpp"

namespace resync::server {
namespace {

TEST(CoreInvariantDeathTest, RecoveryBufferRefusesAnEventOutOfIdOrder) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ConnectionStateRecovery recovery(RecoveryLimits{}, "run", 0);
  recovery.record_event(2, "second", 0);
  EXPECT_DEATH(recovery.record_event(1, "first", 0), "invariant broken: .*events are recorded in increasing id order");
}

TEST(CoreInvariantDeathTest, RecoveryBufferRefusesAnEventItAlreadyCovers) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ConnectionStateRecovery recovery(RecoveryLimits{}, "run", 10);
  EXPECT_DEATH(recovery.record_event(10, "committed before the buffer started", 0), "increasing id order");
}

TEST(CoreInvariantDeathTest, RecoveryBufferAcceptsIncreasingIds) {
  ConnectionStateRecovery recovery(RecoveryLimits{}, "run", 10);
  recovery.record_event(11, "a", 0);
  recovery.record_event(13, "b", 0);
  EXPECT_EQ(recovery.buffered_events().size(), 2u);
}

}  // namespace
}  // namespace resync::server

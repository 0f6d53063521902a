// The RedisProcess tests. Those that need a real redis-server skip themselves without one
// (they fail under CI=true instead); a run with a skip then exits 77, ctest's SKIP_RETURN_CODE,
// so a skipped test never counts as passed. The tests of a missing redis-server run anyway.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int status = RUN_ALL_TESTS();
  if (status == 0 && ::testing::UnitTest::GetInstance()->skipped_test_count() > 0) return 77;
  return status;
}

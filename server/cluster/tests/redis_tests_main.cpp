// The tests against a real redis-server. Without one they cannot say anything: the run is
// skipped (exit 77, ctest's SKIP_RETURN_CODE) with the reason, except under CI=true, where a
// missing redis-server is a broken set-up and fails.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "server/cluster/tests/redis_server_process.hpp"

int main(int argc, char** argv) {
  if (!resync::server::cluster::testing::find_redis_server()) {
    const char* ci = std::getenv("CI");
    const bool in_ci = ci != nullptr && std::strcmp(ci, "true") == 0;
    std::cerr << "redis-server not found on PATH: install the Debian package redis-server (scripts/lib/install-deps.sh)"
              << (in_ci ? "; CI=true, so this fails\n" : "; skipping\n");
    return in_ci ? 1 : 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

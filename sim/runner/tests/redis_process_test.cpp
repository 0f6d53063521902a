// The harness's Redis: it starts on a free port and answers PING, a restart on the same
// directory and port keeps what the AOF holds (a SIGKILL included), it is always stopped
// (the destructor, on every path), and a missing or broken redis-server is an error that
// says what to do. Needs Debian's redis-server: skipped without it, failed under CI=true.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sim/runner/redis_connection.hpp"
#include "sim/runner/redis_process.hpp"
#include "sim/runner/redis_stream_log.hpp"

namespace resync::sim {
namespace {

namespace fs = std::filesystem;
using server::cluster::RespValue;

constexpr std::int64_t test_command_timeout_ms = 2000;

bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

class RedisProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!find_executable("redis-server")) {
      if (under_ci()) FAIL() << redis_server_missing_message("redis-server");
      GTEST_SKIP() << redis_server_missing_message("redis-server");
    }
    directory_ = fs::temp_directory_path() / ("resync-redis-test-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }

  RedisLaunch launch() const { return {(directory_ / "redis").string(), (directory_ / "redis.log").string()}; }

  static RespValue run(std::uint16_t port, const std::vector<std::string>& command) {
    std::string error;
    std::optional<RedisConnection> connection = RedisConnection::open(port, test_command_timeout_ms, error);
    EXPECT_TRUE(connection) << error;
    if (!connection) return RespValue::null();
    const auto reply = connection->command(command, test_command_timeout_ms, error);
    EXPECT_TRUE(reply) << error;
    return reply ? *reply : RespValue::null();
  }

  static bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

  fs::path directory_;
};

TEST_F(RedisProcessTest, StartsOnAFreeLoopbackPortAndAnswersPing) {
  RedisProcess redis(launch());
  ASSERT_EQ(redis.start(), std::nullopt);
  EXPECT_TRUE(redis.running());
  EXPECT_NE(redis.port(), 0);
  EXPECT_EQ(run(redis.port(), {"PING"}), RespValue::simple_string("PONG"));
  EXPECT_EQ(run(redis.port(), {"CONFIG", "GET", "appendfsync"}).elements.at(1), RespValue::bulk_string("always"));
  EXPECT_TRUE(fs::exists(launch().log_path));
}

TEST_F(RedisProcessTest, ProcessCrashDurabilityIsAppendfsyncEverysec) {
  RedisLaunch everysec = launch();
  everysec.fsync = RedisFsync::everysec;
  RedisProcess redis(everysec);
  ASSERT_EQ(redis.start(), std::nullopt);
  EXPECT_EQ(run(redis.port(), {"CONFIG", "GET", "appendfsync"}).elements.at(1), RespValue::bulk_string("everysec"));
}

TEST_F(RedisProcessTest, ARestartAfterSigkillKeepsThePortAndTheAppendOnlyFile) {
  RedisProcess redis(launch());
  ASSERT_EQ(redis.start(), std::nullopt);
  const std::uint16_t port = redis.port();
  EXPECT_EQ(run(port, {"XADD", "resync:log", "1-0", "content", "alice-1"}), RespValue::bulk_string("1-0"));
  EXPECT_EQ(run(port, {"XADD", "resync:log", "2-0", "content", "bob-1", "client_offset", "b-1"}), RespValue::bulk_string("2-0"));
  const pid_t first_pid = redis.pid();
  redis.stop(SIGKILL);
  EXPECT_FALSE(redis.running());
  EXPECT_FALSE(process_exists(first_pid));
  ASSERT_EQ(redis.start(), std::nullopt);
  EXPECT_EQ(redis.port(), port);
  EXPECT_EQ(redis.incarnation(), 2);
  std::string error;
  std::optional<RedisConnection> connection = RedisConnection::open(port, test_command_timeout_ms, error);
  ASSERT_TRUE(connection) << error;
  const auto log = read_stream_log(*connection, cluster_log_key(), error);
  ASSERT_TRUE(log) << error;
  const std::vector<history::CommittedMessage> expected = {{1, "alice-1", std::nullopt}, {2, "bob-1", "b-1"}};
  EXPECT_EQ(*log, expected);
}

TEST_F(RedisProcessTest, TheDestructorStopsIt) {
  pid_t pid = 0;
  {
    RedisProcess redis(launch());
    ASSERT_EQ(redis.start(), std::nullopt);
    pid = redis.pid();
    ASSERT_TRUE(process_exists(pid));
  }
  EXPECT_FALSE(process_exists(pid)) << "reaped, so not even a zombie is left";
  EXPECT_NE(::kill(-pid, 0), 0) << "nothing of its process group (an AOF rewrite child) is left";
}

TEST_F(RedisProcessTest, TrimKeepsTheNewestEntries) {
  RedisProcess redis(launch());
  ASSERT_EQ(redis.start(), std::nullopt);
  for (int id = 1; id <= 5; ++id) {
    run(redis.port(), {"XADD", "resync:log", std::to_string(id) + "-0", "content", "m-" + std::to_string(id)});
  }
  std::string error;
  std::optional<RedisConnection> connection = RedisConnection::open(redis.port(), test_command_timeout_ms, error);
  ASSERT_TRUE(connection) << error;
  const auto detail = trim_stream_keep_last(*connection, cluster_log_key(), 2, error);
  ASSERT_TRUE(detail) << error;
  EXPECT_EQ(*detail, "XTRIM resync:log MINID 4-0: 3 entries removed");
  const auto log = read_stream_log(*connection, cluster_log_key(), error);
  ASSERT_TRUE(log) << error;
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ(log->front().id, 4);
  const auto everything = trim_stream_keep_last(*connection, cluster_log_key(), 0, error);
  ASSERT_TRUE(everything) << error;
  EXPECT_TRUE(read_stream_log(*connection, cluster_log_key(), error)->empty());
}

TEST_F(RedisProcessTest, AMalformedStreamEntryIsAnErrorNotALog) {
  RedisProcess redis(launch());
  ASSERT_EQ(redis.start(), std::nullopt);
  run(redis.port(), {"XADD", "resync:log", "1-5", "content", "odd"});
  std::string error;
  std::optional<RedisConnection> connection = RedisConnection::open(redis.port(), test_command_timeout_ms, error);
  ASSERT_TRUE(connection) << error;
  EXPECT_FALSE(read_stream_log(*connection, cluster_log_key(), error));
  EXPECT_NE(error.find("malformed"), std::string::npos) << error;
}

TEST_F(RedisProcessTest, AMissingRedisServerSaysHowToInstallIt) {
  RedisLaunch missing = launch();
  missing.executable = "redis-server-that-is-not-installed";
  RedisProcess redis(missing);
  const std::optional<std::string> error = redis.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("install redis-server (scripts/lib/install-deps.sh"), std::string::npos) << *error;
  EXPECT_FALSE(redis.running());
}

TEST_F(RedisProcessTest, ARedisThatExitsAtOnceIsAnErrorNamingItsLog) {
  const fs::path script = directory_ / "broken-redis";
  {
    std::ofstream file(script);
    file << "#!/bin/sh\necho 'FATAL: cannot open the AOF' >&2\nexit 1\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  RedisLaunch broken = launch();
  broken.executable = script.string();
  RedisProcess redis(broken);
  const std::optional<std::string> error = redis.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find(broken.log_path), std::string::npos) << *error;
  EXPECT_NE(error->find("cannot open the AOF"), std::string::npos) << *error;
  EXPECT_FALSE(redis.running());
}

TEST_F(RedisProcessTest, ARedisThatNeverAnswersIsStoppedAtTheTimeout) {
  const fs::path script = directory_ / "silent-redis";
  {
    std::ofstream file(script);
    file << "#!/bin/sh\nexec sleep 30\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  RedisLaunch silent = launch();
  silent.executable = script.string();
  silent.start_timeout_ms = 300;
  RedisProcess redis(silent);
  const std::optional<std::string> error = redis.start();
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("did not answer PING"), std::string::npos) << *error;
  EXPECT_FALSE(redis.running()) << "killed, not left running";
}

}  // namespace
}  // namespace resync::sim

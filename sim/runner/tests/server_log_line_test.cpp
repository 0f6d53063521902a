#include "sim/runner/server_log_line.hpp"

#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/runner/server_log_relay.hpp"
#include "sim/runner/stderr_drain.hpp"

namespace resync::sim {
namespace {

TEST(ServerLogLine, ReadsTheShellsThreeLevels) {
  EXPECT_EQ(parse_server_log_line("resync serve: stopped", 2), (history::ServerLog{"info", "stopped", 2}));
  EXPECT_EQ(parse_server_log_line("resync serve: warning: slow consumer", 1),
            (history::ServerLog{"warning", "slow consumer", 1}));
  EXPECT_EQ(parse_server_log_line("resync serve: error: insert failed\r", 1),
            (history::ServerLog{"error", "insert failed", 1}));
}

TEST(ServerLogLine, IgnoresWhatIsNotALogLine) {
  EXPECT_FALSE(parse_server_log_line("==4242==ERROR: AddressSanitizer: heap-use-after-free", 1));
  EXPECT_FALSE(parse_server_log_line("", 1));
  EXPECT_FALSE(parse_server_log_line("resync serve", 1));
}

TEST(ServerLogLine, CutsAHugeLine) {
  const auto log = parse_server_log_line("resync serve: " + std::string(server_log_text_bytes_max + 50, 'x'), 1);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->text.size(), server_log_text_bytes_max + 3);
  EXPECT_TRUE(log->text.ends_with("..."));
}

TEST(ServerLogRelay, HandsOverLogLinesInOrderAndWakesOncePerBatch) {
  int wakes = 0;
  ServerLogRelay relay([&] { ++wakes; });
  relay.push(1, "resync serve: one");
  relay.push(1, "not a log line");
  relay.push(2, "resync serve: error: two");
  EXPECT_EQ(wakes, 1);
  const auto taken = relay.take();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0], (history::ServerLog{"info", "one", 1}));
  EXPECT_EQ(taken[1], (history::ServerLog{"error", "two", 2}));
  relay.push(2, "resync serve: three");
  EXPECT_EQ(wakes, 2);
  relay.close();
  relay.push(2, "resync serve: after the run");
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(relay.take().size(), 1u);  // "three" only
}

TEST(StderrDrain, HandsEveryLineToItsHandlerAndStillWritesTheFile) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / ("resync_drain_test_" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  std::mutex mutex;
  std::vector<std::string> lines;
  std::string error;
  auto drain = StderrDrain::start(path.string(), error, [&](std::string line) {
    std::lock_guard lock(mutex);
    lines.push_back(std::move(line));
  });
  ASSERT_TRUE(drain) << error;
  const std::string bytes = "resync serve: one\nresync serve: tw";
  ASSERT_EQ(::write(drain->write_fd(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  const std::string rest = "o\nlast without newline";
  ASSERT_EQ(::write(drain->write_fd(), rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
  ASSERT_TRUE(drain->finish(5000));
  std::lock_guard lock(mutex);
  EXPECT_EQ(lines, (std::vector<std::string>{"resync serve: one", "resync serve: two", "last without newline"}));
  EXPECT_EQ(std::filesystem::file_size(path), bytes.size() + rest.size());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace resync::sim

#include "sim/history/history_writer.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/history/history_reader.hpp"

namespace resync::history {
namespace {

std::filesystem::path temporary_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("resync_history_writer_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
          name);
}

std::string file_contents(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

RunStarted small_run() {
  RunStarted run;
  run.scenario = "small";
  run.clients = {"alice"};
  return run;
}

TEST(HistoryWriter, WritesOneJsonObjectPerLine) {
  std::ostringstream output;
  HistoryWriter writer(output);
  writer.write_run_started(0, small_run());
  writer.write(5, MessageReceived{"alice", 1, "hi", true});
  writer.write(HistoryEvent{9, RunFinished{true, ""}, 0});
  EXPECT_TRUE(writer.good());

  std::istringstream lines(output.str());
  std::string line;
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_TRUE(nlohmann::json::parse(line).is_object()) << line;
  }
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(output.str().back(), '\n');
}

TEST(HistoryWriter, EveryLineIsOnDiskBeforeTheNextIsWritten) {
  // What a killed harness leaves behind: the writer is still alive (never flushed by a
  // destructor) and the file already holds every line written so far.
  const std::filesystem::path path = temporary_path("flush.jsonl");
  std::string error;
  std::optional<HistoryWriter> writer = HistoryWriter::create_file(path, error);
  ASSERT_TRUE(writer.has_value()) << error;
  writer->write_run_started(0, small_run());
  writer->write(5, MessageReceived{"alice", 1, "hi", true});

  const HistoryReadResult read = read_history(path);
  ASSERT_TRUE(read.ok()) << read.error_text();
  EXPECT_EQ(read.history->events.size(), 1u);
  writer.reset();
  std::filesystem::remove(path);
}

TEST(HistoryWriter, InvalidUtf8FromAServerBecomesReplacementCharacters) {
  std::ostringstream output;
  HistoryWriter writer(output);
  writer.write_run_started(0, small_run());
  writer.write(5, MessageReceived{"alice", 1, "bad \xFF\xC0 bytes", true});

  std::istringstream input(output.str());
  const HistoryReadResult read = parse_history(input);
  ASSERT_TRUE(read.ok()) << read.error_text();
  EXPECT_EQ(read.history->events[0].as<MessageReceived>()->content, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
}

TEST(HistoryWriter, ReportsAFileItCannotCreate) {
  std::string error;
  const auto writer = HistoryWriter::create_file("/nonexistent-directory/history.jsonl", error);
  EXPECT_FALSE(writer.has_value());
  EXPECT_NE(error.find("/nonexistent-directory/history.jsonl: cannot create the history file"), std::string::npos)
      << error;
}

TEST(HistoryWriter, AMovedWriterKeepsWritingToTheSameFile) {
  const std::filesystem::path path = temporary_path("moved.jsonl");
  std::string error;
  std::optional<HistoryWriter> first = HistoryWriter::create_file(path, error);
  ASSERT_TRUE(first.has_value()) << error;
  first->write_run_started(0, small_run());
  HistoryWriter second = std::move(*first);
  first.reset();
  second.write(3, PhaseChanged{"heal"});
  const std::string contents = file_contents(path);
  EXPECT_EQ(std::count(contents.begin(), contents.end(), '\n'), 2);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace resync::history

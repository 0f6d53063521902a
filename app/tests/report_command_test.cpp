#include "app/report_command.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "reports/html/report_files.hpp"
#include "reports/html/tests/report_test_histories.hpp"

namespace resync::reports {
namespace {

class ReportCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("resync-report-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_ / "runs" / "1");
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write(const std::filesystem::path& relative, const std::string& text) {
    const std::filesystem::path path = directory_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }
  static std::string read(const std::filesystem::path& path) {
    std::ifstream input(path);
    std::stringstream text;
    text << input.rdbuf();
    return text.str();
  }

  std::filesystem::path directory_;
};

TEST_F(ReportCommandTest, WritesOneFileFromHistoriesAndDirectories) {
  write("runs/1/history.jsonl", testing::race_after_reconnect().text());
  write("runs/2/history.jsonl", testing::race_after_reconnect().text());
  ReportCommandOptions options;
  options.history_paths = {(directory_ / "runs").string()};
  options.output_path = (directory_ / "out" / "report.html").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_report_command(options, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("2 scenarios, 2 not passing"), std::string::npos) << out.str();
  const std::string page = read(options.output_path);
  EXPECT_NE(page.find("id=\"scenario-data-1\""), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(options.output_path + ".partial"));
}

TEST_F(ReportCommandTest, AnUnreadableHistoryIsListedAsUnknownAndExitsTwo) {
  const std::string broken = write("broken.jsonl", "{\"type\":\"run_started\"\nnot json\n");
  ReportCommandOptions options;
  options.history_paths = {broken};
  options.output_path = (directory_ / "report.html").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_report_command(options, out, err), 2);
  EXPECT_NE(err.str().find("broken.jsonl"), std::string::npos) << err.str();
  const std::string page = read(options.output_path);
  EXPECT_NE(page.find("data-status=\"unknown\""), std::string::npos);
  EXPECT_NE(page.find("no readable history"), std::string::npos);
}

TEST_F(ReportCommandTest, AnEmptyDirectoryIsAnError) {
  ReportCommandOptions options;
  options.history_paths = {(directory_ / "runs" / "1").string()};
  options.output_path = (directory_ / "report.html").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_report_command(options, out, err), 2);
  EXPECT_NE(err.str().find("no history files"), std::string::npos);
}

TEST_F(ReportCommandTest, AFuzzFindingShowsItsReproducerSteps) {
  write("found/fuzz-seed1-run3.json",
        R"({"name": "fuzz-seed1-run3", "clients": [{"name": "a"}],
            "timeline": [{"at_ms": 0, "send": {"clients": "a"}}, {"at_ms": 20, "reload": "a"}]})");
  const std::string history = write("found/fuzz-seed1-run3.history.jsonl", testing::race_after_reconnect().text());
  const std::optional<ReproducerInfo> reproducer = reproducer_next_to(history);
  ASSERT_TRUE(reproducer.has_value());
  EXPECT_EQ(reproducer->steps, (std::vector<std::string>{R"({"at_ms":0,"send":{"clients":"a"}})",
                                                          R"({"at_ms":20,"reload":"a"})"}));
  EXPECT_FALSE(reproducer_next_to((directory_ / "runs/1/history.jsonl").string()).has_value());

  ReportCommandOptions options;
  options.history_paths = {history};
  options.output_path = (directory_ / "report.html").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_report_command(options, out, err), 0) << err.str();
  const std::string page = read(options.output_path);
  EXPECT_NE(page.find("\"reproducer\":{\"path\""), std::string::npos);
  // The hand-written history names replay commands of its own, which win.
  EXPECT_NE(page.find("\"sim\":\"resync run scenarios/race-after-reconnect.json --mode sim --seed 7\""), std::string::npos);
}

TEST_F(ReportCommandTest, AnUnwritableOutputExitsTwo) {
  write("runs/1/history.jsonl", testing::race_after_reconnect().text());
  write("blocker", "a file where a directory should be");
  ReportCommandOptions options;
  options.history_paths = {(directory_ / "runs").string()};
  options.output_path = (directory_ / "blocker" / "report.html").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_report_command(options, out, err), 2);
  EXPECT_NE(err.str().find("cannot write"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace resync::reports

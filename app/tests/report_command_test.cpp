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

TEST_F(ReportCommandTest, ComparesTwoRunDirectoriesByScenario) {
  // Run A: the race fails (expected valid) and `calm` passes; run B expects the race's
  // anomalies (so it passes) and has a scenario A does not.
  testing::TimedHistory expected_race = testing::race_after_reconnect();
  expected_race.expect(sim::Verdict::invalid, {"duplicated", "reordered"});
  const auto calm = [](const std::string& name) {
    testing::TimedHistory history({"alice"}, name);
    history.expect(sim::Verdict::valid).connects(0, "alice").sends(10, "alice", "hi").renders(11, "alice", 1, "hi");
    history.committed({{1, "hi", std::nullopt}}).finishes(20);
    return history;
  };
  write("a/runs/1-race/history.jsonl", testing::race_after_reconnect().text());
  write("a/runs/2-calm/history.jsonl", calm("calm").text());
  write("b/runs/1-race/history.jsonl", expected_race.text());
  write("b/runs/2-calm/history.jsonl", calm("calm").text());
  write("b/runs/3-extra/history.jsonl", calm("extra").text());
  ReportCommandOptions options;
  options.compare_directories = {(directory_ / "a").string(), (directory_ / "b").string()};
  options.output_path = (directory_ / "compare.html").string();
  std::ostringstream out, err;
  ASSERT_EQ(run_report_command(options, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("3 scenarios: 1 changed, 0 only in A, 1 only in B, 1 unchanged"), std::string::npos) << out.str();
  const std::string page = read(options.output_path);
  EXPECT_NE(page.find("<tr data-change=\"changed\"><th scope=\"row\">race-after-reconnect</th>"), std::string::npos);
  EXPECT_NE(page.find("root: bob"), std::string::npos);  // A's root anomaly of the race
  EXPECT_NE(page.find("<tr data-change=\"only-in-B\"><th scope=\"row\">extra</th>"), std::string::npos);
}

TEST_F(ReportCommandTest, CompareRefusesWhatIsNotTwoRunDirectories) {
  std::ostringstream out, err;
  ReportCommandOptions options;
  options.output_path = (directory_ / "compare.html").string();
  options.compare_directories = {(directory_ / "missing").string(), (directory_ / "runs").string()};
  EXPECT_EQ(run_report_command(options, out, err), 2);
  EXPECT_NE(err.str().find("is not a directory: give two directories written by `resync run --report DIR`"),
            std::string::npos)
      << err.str();
  err.str("");
  options.compare_directories = {(directory_ / "runs").string(), (directory_ / "runs").string()};
  EXPECT_EQ(run_report_command(options, out, err), 2);  // runs/1 is empty: no histories
  EXPECT_NE(err.str().find("no history files (*.jsonl) found there"), std::string::npos) << err.str();
  err.str("");
  options.history_paths = {"x.jsonl"};
  EXPECT_EQ(run_report_command(options, out, err), 2);
  EXPECT_NE(err.str().find("--compare takes exactly two directories and no histories"), std::string::npos) << err.str();
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
}

}  // namespace
}  // namespace resync::reports

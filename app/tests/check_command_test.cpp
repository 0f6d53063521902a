#include "app/check_command.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

class CheckCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("resync_check_command_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                  "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write_file(const std::string& name, const std::string& contents) {
    const std::filesystem::path path = directory_ / name;
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }

  int run(std::vector<std::string> paths, std::optional<std::string> junit = std::nullopt) {
    out_.str("");
    err_.str("");
    return run_check_command({std::move(paths), std::move(junit)}, out_, err_);
  }

  static std::string valid_history() {
    return HistoryBuilder({"alice"}).scenario("fine").renders("alice", {1}).committed_ids({1}).finished().text();
  }
  static std::string lossy_history() {
    return HistoryBuilder({"alice"}).scenario("lossy").committed_ids({1}).finished().text();
  }

  std::filesystem::path directory_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CheckCommand, ExitsZeroWhenEveryHistoryPasses) {
  EXPECT_EQ(run({write_file("a.jsonl", valid_history())}), 0);
  EXPECT_EQ(out_.str().rfind("scenario fine: valid (expected valid) PASS", 0), 0u) << out_.str();
  EXPECT_NE(out_.str().find("1 history: 1 passed, 0 failed, 0 unknown\n"), std::string::npos) << out_.str();
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CheckCommand, ExitsOneAndPrintsTheFailureTextWhenOneFails) {
  EXPECT_EQ(run({write_file("a.jsonl", valid_history()), write_file("b.jsonl", lossy_history())}), 1);
  EXPECT_NE(out_.str().find("scenario lossy: invalid (expected valid) FAIL"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("  replay (sim): resync sim"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("2 histories: 1 passed, 1 failed, 0 unknown\n"), std::string::npos) << out_.str();
}

TEST_F(CheckCommand, ExitsTwoForAnUnreadableOrMissingHistory) {
  const std::string broken = write_file("broken.jsonl", "{\"t_ms\":0,\n");
  EXPECT_EQ(run({write_file("a.jsonl", valid_history()), broken}), 2);
  EXPECT_NE(err_.str().find(broken + ":1: not valid JSON"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("history " + broken + ": UNKNOWN"), std::string::npos) << out_.str();

  EXPECT_EQ(run({(directory_ / "missing.jsonl").string()}), 2);
  EXPECT_NE(err_.str().find("no such history file"), std::string::npos) << err_.str();
}

TEST_F(CheckCommand, ATruncatedHistoryIsUnknownWithAWarning) {
  std::string text = HistoryBuilder({"alice"}).renders("alice", {1}).committed_ids({1}).text();
  text += R"({"t_ms":99,"type":"run_fini)";
  EXPECT_EQ(run({write_file("killed.jsonl", text)}), 2);
  EXPECT_NE(err_.str().find("warning: "), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("UNKNOWN"), std::string::npos) << out_.str();
}

TEST_F(CheckCommand, WritesJUnitWhenAsked) {
  const std::string junit = (directory_ / "junit.xml").string();
  EXPECT_EQ(run({write_file("b.jsonl", lossy_history())}, junit), 1);
  std::ifstream file(junit);
  std::stringstream contents;
  contents << file.rdbuf();
  // The failure message names the kind nobody expected (the JUnit reader sees only this line).
  EXPECT_NE(contents.str().find("<failure message=\"root cause (first of 1): "), std::string::npos) << contents.str();
  EXPECT_NE(contents.str().find(
                "\u2014 invalid (expected valid): lost 1; reported but not expected: lost\""),
            std::string::npos)
      << contents.str();
}

TEST_F(CheckCommand, RegistersAsASubcommand) {
  CLI::App app;
  int exit_code = -1;
  register_check_command(app, exit_code);
  const std::string path = write_file("a.jsonl", valid_history());
  std::vector<std::string> arguments{path, "check"};  // CLI11 takes them in reverse order
  ::testing::internal::CaptureStdout();
  app.parse(arguments);
  ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(exit_code, 0);
}

}  // namespace
}  // namespace resync::checker

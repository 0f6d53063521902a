// The suite library without the command line: the replay line, the --planted-bug rules,
// loading (a broken or missing path stops everything) and one simulated run.
#include "sim/suite/suite_runner.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/suite/replay_command.hpp"

namespace resync::sim {
namespace {

TEST(ReplayCommand, SimIgnoresTheTargetAndLiveQuotesIt) {
  const ReplayTarget target{"http://127.0.0.1:3000", "node server.js", "chat.db", std::nullopt};
  EXPECT_EQ(replay_command("scenarios/a.json", "sim", 7, target), "resync run scenarios/a.json --mode sim --seed 7");
  EXPECT_EQ(replay_command("scenarios/a.json", "live", 7, target),
            "resync run scenarios/a.json --seed 7 --target http://127.0.0.1:3000 --target-cmd 'node server.js' "
            "--target-db chat.db");
}

TEST(ReplayCommand, QuotesAFileNameWithAQuote) {
  EXPECT_EQ(replay_command("it's.json", "sim", 1), "resync run 'it'\\''s.json' --mode sim --seed 1");
}

TEST(ReplayCommand, NamesThePlantedBug) {
  EXPECT_EQ(replay_command("a.json", "sim", 2, {std::nullopt, std::nullopt, std::nullopt, "ack-before-insert"}),
            "resync run a.json --mode sim --seed 2 --planted-bug ack-before-insert");
}

std::vector<Scenario> one_embedded_scenario() {
  Scenario scenario;
  scenario.name = "one";
  scenario.file = "one.json";
  return {scenario};
}

TEST(PlantBug, PlantsInEveryEmbeddedScenario) {
  SuiteOptions options;
  options.planted_bug = "drop-every-10th-plain";
  std::vector<Scenario> scenarios = one_embedded_scenario();
  EXPECT_EQ(plant_bug(options, scenarios), "");
  EXPECT_EQ(scenarios[0].server.planted_bug, "drop-every-10th-plain");
}

TEST(PlantBug, RefusesAnUnknownBugAndAnExternalTarget) {
  SuiteOptions options;
  options.planted_bug = "no-such-bug";
  std::vector<Scenario> scenarios = one_embedded_scenario();
  EXPECT_NE(plant_bug(options, scenarios).find("unknown bug 'no-such-bug'"), std::string::npos);
  options.planted_bug = "drop-every-10th-plain";
  options.target_url = "http://127.0.0.1:3000";
  EXPECT_NE(plant_bug(options, scenarios).find("cannot go with --target"), std::string::npos);
}

TEST(PlantBug, RefusesALiveOnlyBugInTheSimulator) {
  SuiteOptions options;
  options.mode = "sim";
  options.planted_bug = "crash-after-20-messages";
  std::vector<Scenario> scenarios = one_embedded_scenario();
  EXPECT_NE(plant_bug(options, scenarios).find("cannot run with --mode sim"), std::string::npos);
  options.mode = "live";
  EXPECT_EQ(plant_bug(options, scenarios), "");
}

TEST(LoadSuite, AMissingFileLoadsNothing) {
  std::ostringstream err;
  EXPECT_FALSE(load_suite({"/nonexistent/resync-suite-test.json"}, err).has_value());
  EXPECT_NE(err.str().find("found no readable file"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("fix the scenario files above"), std::string::npos) << err.str();
}

TEST(LoadSuite, ADirectoryWithoutScenariosLoadsNothing) {
  const std::filesystem::path empty = std::filesystem::temp_directory_path() / "resync-suite-test-empty";
  std::filesystem::create_directories(empty);
  std::ostringstream err;
  EXPECT_FALSE(load_suite({empty.string()}, err).has_value());
  EXPECT_NE(err.str().find("no scenario files (*.json) found there"), std::string::npos) << err.str();
  std::filesystem::remove_all(empty);
}

TEST(RunSuite, RunsAScenarioInTheSimulatorAndSkipsOneForTheOtherMode) {
  std::ostringstream err;
  auto loaded = load_suite({std::string(RESYNC_SCENARIOS_DIR) + "/baseline-no-faults.json"}, err);
  ASSERT_TRUE(loaded.has_value()) << err.str();
  Scenario live_only = loaded->front();
  live_only.name = "live-only-copy";
  live_only.only_mode = "live";
  live_only.only_mode_reason = "for the test";
  loaded->push_back(live_only);

  SuiteOptions options;
  options.mode = "sim";
  const std::filesystem::path work_root = std::filesystem::temp_directory_path() / "resync-suite-runner-test";
  std::filesystem::remove_all(work_root);
  std::ostringstream out;
  const SuiteResult result = run_suite(std::move(*loaded), options, work_root, out, err);
  ASSERT_EQ(result.outcomes.size(), 1u) << out.str() << err.str();
  EXPECT_EQ(result.skipped, 1u);
  EXPECT_EQ(checker::outcome_status(result.outcomes[0]), checker::CheckStatus::passed) << out.str();
  EXPECT_NE(out.str().find("scenario live-only-copy: skipped (live only: for the test)"), std::string::npos) << out.str();
  EXPECT_TRUE(std::filesystem::exists(work_root / "1-baseline-no-faults" / "history.jsonl"));
  std::filesystem::remove_all(work_root);
}

}  // namespace
}  // namespace resync::sim

// find_scenario_files, and the scenario suite in scenarios/: every file loads, is named
// after its file, and the suite covers every kind of timeline step and fault.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "common/tests/temporary_directory.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace resync::sim {
namespace {

namespace fs = std::filesystem;

using resync::test_support::TemporaryDirectory;

TEST(FindScenarioFiles, DirectoryIsSearchedRecursivelyForJsonExceptTheSchemaAndSorted) {
  TemporaryDirectory dir;
  dir.write("b.json", "{}");
  dir.write("a.json", "{}");
  dir.write("schema.json", "{}");
  dir.write("notes.md", "");
  dir.write("nested/deeper/c.json", "{}");
  dir.write("nested/schema.json", "{}");
  const std::vector<std::string> files = find_scenario_files(dir.path().string());
  const std::string root = dir.path().string();
  EXPECT_EQ(files, (std::vector<std::string>{root + "/a.json", root + "/b.json", root + "/nested/deeper/c.json"}));
}

TEST(FindScenarioFiles, AFileIsItselfAndAMissingPathIsLeftForTheLoaderToReport) {
  TemporaryDirectory dir;
  dir.write("one.txt", "{}");
  const std::string file = (dir.path() / "one.txt").string();
  EXPECT_EQ(find_scenario_files(file), std::vector<std::string>{file});
  const std::string missing = (dir.path() / "missing.json").string();
  EXPECT_EQ(find_scenario_files(missing), std::vector<std::string>{missing});
  EXPECT_FALSE(load_scenario_file(missing).ok());
}

TEST(FindScenarioFiles, EmptyDirectoryHasNoScenarios) {
  TemporaryDirectory dir;
  EXPECT_TRUE(find_scenario_files(dir.path().string()).empty());
}

std::vector<Scenario> load_suite() {
  std::vector<Scenario> scenarios;
  for (const std::string& file : find_scenario_files(RESYNC_SCENARIOS_DIR)) {
    LoadResult result = load_scenario_file(file);
    EXPECT_TRUE(result.ok()) << result.error_text();
    if (result.ok()) scenarios.push_back(std::move(*result.scenario));
  }
  return scenarios;
}

TEST(ScenarioSuite, EveryFileInScenariosLoadsAndIsNamedAfterItsFile) {
  const std::vector<Scenario> scenarios = load_suite();
  ASSERT_GE(scenarios.size(), 22u);
  std::set<std::string> names;
  for (const Scenario& scenario : scenarios) {
    EXPECT_EQ(scenario.name, fs::path(scenario.file).stem().string()) << scenario.file;
    EXPECT_TRUE(names.insert(scenario.name).second) << "two scenarios named " << scenario.name;
    EXPECT_GE(scenario.description.size(), 80u) << scenario.file << ": say what it proves and why it matters";
    EXPECT_FALSE(scenario.timeline.empty()) << scenario.file;
  }
}

TEST(ScenarioSuite, EachScenarioStaysShort) {
  for (const Scenario& scenario : load_suite()) {
    std::int64_t end_ms = 0;
    for (const Step& step : scenario.timeline) {
      end_ms = std::max(end_ms, step.at_ms);
      if (const auto* send = std::get_if<SendStep>(&step.action)) {
        end_ms = std::max(end_ms, step.at_ms + (send->count - 1) * send->interval_ms);
      }
    }
    // The one field report that needs time itself: recovery failed when the disconnect came
    // more than about 10 s after connecting (socketio/socket.io-redis-streams-adapter#48).
    const bool needs_ten_seconds = scenario.name.rfind("disconnect-after-10s", 0) == 0;
    EXPECT_LE(end_ms, needs_ten_seconds ? 15000 : 8000)
        << scenario.file << ": keep the timeline short (the suite runs in about 2 minutes)";
    EXPECT_LE(scenario.converge_within_ms, 30000) << scenario.file;
  }
}

TEST(ScenarioSuite, CoversWhatTheHarnessMustExercise) {
  bool tutorial_server_expected_invalid = false;
  bool sigkill_under_acked_load = false;
  bool sigterm = false;
  bool reload = false;
  bool many_clients = false;
  bool recovery_window = false;
  std::set<std::string> toxic_types;
  bool trigger_used = false;
  bool kill_on_ack_under_acked_load = false;  // the window between an ack and its commit
  for (const Scenario& scenario : load_suite()) {
    const bool acked = std::any_of(scenario.clients.begin(), scenario.clients.end(),
                                   [](const ClientSpec& client) { return client.send_mode == SendMode::acked; });
    if (scenario.server.delivery == "tutorial" && scenario.expect.verdict == Verdict::invalid) {
      tutorial_server_expected_invalid = true;
    }
    many_clients = many_clients || scenario.clients.size() >= 20;
    recovery_window = recovery_window || (scenario.server.recovery && scenario.server.recovery_window_ms < 5000);
    for (const Step& step : scenario.timeline) {
      if (const auto* kill = std::get_if<KillServerStep>(&step.action)) {
        sigkill_under_acked_load = sigkill_under_acked_load || (kill->signal == "SIGKILL" && acked);
        sigterm = sigterm || kill->signal == "SIGTERM";
        kill_on_ack_under_acked_load = kill_on_ack_under_acked_load ||
                                       (acked && kill->on && kill->on->trigger.contains("after_acks"));
      }
      reload = reload || std::holds_alternative<ReloadStep>(step.action);
      if (const auto* fault = std::get_if<FaultStep>(&step.action)) {
        toxic_types.insert(fault->toxic.at("type").get<std::string>());
        trigger_used = trigger_used || fault->toxic.contains("trigger");
      }
    }
  }
  EXPECT_TRUE(tutorial_server_expected_invalid);
  EXPECT_TRUE(sigkill_under_acked_load);
  EXPECT_TRUE(sigterm);
  EXPECT_TRUE(reload);
  EXPECT_TRUE(many_clients);
  EXPECT_TRUE(recovery_window);
  EXPECT_TRUE(trigger_used);
  EXPECT_TRUE(kill_on_ack_under_acked_load) << "no scenario kills the server on an ACK while acked clients send";
  for (const char* type : {"reset_peer", "timeout", "pause", "latency", "bandwidth", "slicer"}) {
    EXPECT_TRUE(toxic_types.count(type)) << "no scenario uses the " << type << " toxic";
  }
}

}  // namespace
}  // namespace resync::sim

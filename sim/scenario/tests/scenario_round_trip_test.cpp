// A loaded scenario written back by scenario_to_json (the fuzzer's reproducer writer) loads
// again into the same scenario: reproducers are ordinary scenario files.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/scenario_writer.hpp"
#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

std::string text_of(const Scenario& scenario) {
  return scenario_to_json(scenario).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

void expect_round_trip(const Scenario& scenario) {
  const std::string written = text_of(scenario);
  const LoadResult again = load_scenario_text(written, scenario.file);
  ASSERT_TRUE(again.ok()) << scenario.file << " written back does not load:\n" << again.error_text() << written;
  EXPECT_EQ(text_of(*again.scenario), written) << scenario.file;
}

TEST(ScenarioRoundTrip, EverySuiteScenarioWrittenBackLoadsTheSame) {
  for (const std::string& file : find_scenario_files(RESYNC_SCENARIOS_DIR)) {
    const LoadResult loaded = load_scenario_file(file);
    ASSERT_TRUE(loaded.ok()) << loaded.error_text();
    expect_round_trip(*loaded.scenario);
  }
}

TEST(ScenarioRoundTrip, TheTestScenarioWrittenBackLoadsTheSame) {
  const LoadResult loaded = testing::load_json(testing::valid_scenario_json());
  ASSERT_TRUE(loaded.ok()) << loaded.error_text();
  expect_round_trip(*loaded.scenario);
}

}  // namespace
}  // namespace resync::sim

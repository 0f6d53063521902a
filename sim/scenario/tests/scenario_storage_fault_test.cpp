// Storage fault steps (lock_database, storage_read_only, storage_full): read, checked across
// the timeline (one at a time), and written back by the scenario writer unchanged.
#include <gtest/gtest.h>

#include "sim/scenario/scenario_writer.hpp"
#include "sim/scenario/storage_fault_kind.hpp"
#include "sim/scenario/tests/scenario_test_support.hpp"

namespace resync::sim {
namespace {

using testing::error_at;
using testing::has_error_at;
using testing::load_json;
using testing::valid_scenario_json;

LoadResult load_timeline(const char* timeline) {
  nlohmann::json document = valid_scenario_json();
  document["timeline"] = nlohmann::json::parse(timeline);
  return load_json(document);
}

TEST(ScenarioStorageFaults, EachKindIsReadWithItsDuration) {
  const LoadResult result = load_timeline(R"([
    {"at_ms": 100, "lock_database": {"duration_ms": 1500}},
    {"at_ms": 2000, "storage_read_only": {"duration_ms": 800}},
    {"at_ms": 3000, "storage_full": {"duration_ms": 1}}])");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const auto& timeline = result.scenario->timeline;
  ASSERT_EQ(timeline.size(), 3u);
  const StorageFaultKind kinds[] = {StorageFaultKind::lock_database, StorageFaultKind::read_only, StorageFaultKind::full};
  const std::int64_t durations[] = {1500, 800, 1};
  for (std::size_t index = 0; index < 3; ++index) {
    const auto* step = std::get_if<StorageFaultStep>(&timeline[index].action);
    ASSERT_NE(step, nullptr) << index;
    EXPECT_EQ(step->kind, kinds[index]);
    EXPECT_EQ(step->duration_ms, durations[index]);
  }
}

TEST(ScenarioStorageFaults, AMissingOrBadDurationOrAnUnknownKeyIsAnErrorAtItsPath) {
  EXPECT_TRUE(has_error_at(load_timeline(R"([{"at_ms": 0, "lock_database": {}}])"), "$.timeline[0].lock_database.duration_ms",
                          "missing"));
  EXPECT_TRUE(has_error_at(load_timeline(R"([{"at_ms": 0, "storage_full": {"duration_ms": 0}}])"),
                           "$.timeline[0].storage_full.duration_ms", "0"));
  EXPECT_TRUE(has_error_at(load_timeline(R"([{"at_ms": 0, "storage_read_only": {"duration_ms": "1s"}}])"),
                           "$.timeline[0].storage_read_only.duration_ms"));
  EXPECT_TRUE(has_error_at(load_timeline(R"([{"at_ms": 0, "storage_full": {"duration_ms": 10, "bytes": 5}}])"),
                           "$.timeline[0].storage_full.bytes"));
  EXPECT_TRUE(has_error_at(load_timeline(R"([{"at_ms": 0, "storage_full": true}])"), "$.timeline[0].storage_full"));
  EXPECT_TRUE(has_error_at(load_timeline(R"([{"at_ms": 599000, "lock_database": {"duration_ms": 2000}}])"),
                           "$.timeline[0].lock_database.duration_ms", "601000"));
}

TEST(ScenarioStorageFaults, OverlappingWindowsAreRefusedWithWhereTheEarlierOneEnds) {
  const LoadResult result = load_timeline(R"([
    {"at_ms": 100, "lock_database": {"duration_ms": 1000}},
    {"at_ms": 600, "storage_full": {"duration_ms": 100}}])");
  ASSERT_TRUE(has_error_at(result, "$.timeline[1].storage_full", "lasts until 1100 ms"));
  EXPECT_NE(error_at(result, "$.timeline[1].storage_full").fix.find("1100 ms or later"), std::string::npos);
  EXPECT_TRUE(load_timeline(R"([
    {"at_ms": 100, "lock_database": {"duration_ms": 1000}},
    {"at_ms": 1100, "storage_full": {"duration_ms": 100}}])").ok()) << "back to back is fine";
}

TEST(ScenarioStorageFaults, TheWriterWritesWhatTheLoaderReadsBack) {
  const LoadResult result = load_timeline(R"([
    {"at_ms": 100, "lock_database": {"duration_ms": 1500}},
    {"at_ms": 2000, "storage_read_only": {"duration_ms": 800}},
    {"at_ms": 3000, "storage_full": {"duration_ms": 7}}])");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const nlohmann::json written = scenario_to_json(*result.scenario);
  EXPECT_EQ(written["timeline"][0], nlohmann::json::parse(R"({"at_ms": 100, "lock_database": {"duration_ms": 1500}})"));
  const LoadResult again = load_json(written);
  ASSERT_TRUE(again.ok()) << again.error_text();
  ASSERT_EQ(again.scenario->timeline.size(), 3u);
  const auto* full = std::get_if<StorageFaultStep>(&again.scenario->timeline[2].action);
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(full->kind, StorageFaultKind::full);
  EXPECT_EQ(full->duration_ms, 7);
}

TEST(ScenarioStorageFaults, NamesAndKindsMapBothWays) {
  for (StorageFaultKind kind : kStorageFaultKinds) EXPECT_EQ(storage_fault_kind_named(storage_fault_name(kind)), kind);
  EXPECT_FALSE(storage_fault_kind_named("storage_slow"));
}

}  // namespace
}  // namespace resync::sim

#include "sim/fuzz/scenario_generator.hpp"

#include <set>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/scenario_writer.hpp"

namespace resync::sim {
namespace {

// A reproducer is only useful if it loads back as the scenario that failed.
RC_GTEST_PROP(ScenarioGenerator, EveryGeneratedScenarioWritesAndLoadsBackUnchanged, ()) {
  const Scenario scenario = *scenario_generator(FuzzProfile{});
  const nlohmann::json written = scenario_to_json(scenario);
  const LoadResult loaded = load_scenario_text(written.dump(), "generated.json");
  RC_ASSERT(loaded.ok());
  RC_ASSERT(scenario_to_json(*loaded.scenario) == written);
}

RC_GTEST_PROP(ScenarioGenerator, GeneratedScenariosStayWithinTheProfile, ()) {
  FuzzProfile profile;
  profile.clients_max = 3;
  profile.messages_max = 30;
  profile.faults_max = 4;
  const Scenario scenario = *scenario_generator(profile);
  RC_ASSERT(scenario.clients.size() >= 1u && scenario.clients.size() <= 3u);
  int messages = 0, faults = 0;
  for (const Step& step : scenario.timeline) {
    if (const auto* send = std::get_if<SendStep>(&step.action)) messages += send->count * static_cast<int>(send->clients.size());
    if (std::holds_alternative<FaultStep>(step.action)) ++faults;
  }
  RC_ASSERT(messages <= 30);
  RC_ASSERT(faults <= 4);
  RC_ASSERT(std::is_sorted(scenario.timeline.begin(), scenario.timeline.end(),
                           [](const Step& a, const Step& b) { return a.at_ms < b.at_ms; }));
}

// The ack-before-commit window is only reached by a kill on a protocol trigger: the
// generator must produce them, of every kind, with and without a delay.
TEST(ScenarioGenerator, KillsOnAckEventAndTextTriggersAreGenerated) {
  const FuzzProfile profile;
  std::set<std::string> kinds;
  bool delayed = false;
  bool at_once = false;
  int kills_on_triggers = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    for (const Step& step : generate_scenario(profile, seed, 50).value().timeline) {
      const auto* kill = std::get_if<KillServerStep>(&step.action);
      if (kill == nullptr || !kill->on) continue;
      ++kills_on_triggers;
      for (const auto& [key, value] : kill->on->trigger.items()) {
        if (key != "direction") kinds.insert(key);
      }
      (kill->on->delay_us == 0 ? at_once : delayed) = true;
    }
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"after_acks", "after_events", "frame_contains"})) << kills_on_triggers << " kills";
  EXPECT_TRUE(delayed);
  EXPECT_TRUE(at_once);
}

TEST(ScenarioGenerator, SameSeedGeneratesTheSameScenario) {
  const FuzzProfile profile;
  for (std::uint64_t seed : {1u, 2u, 99u}) {
    EXPECT_EQ(scenario_to_json(generate_scenario(profile, seed, 50).value()),
              scenario_to_json(generate_scenario(profile, seed, 50).value()));
  }
  EXPECT_NE(scenario_to_json(generate_scenario(profile, 1, 50).value()),
            scenario_to_json(generate_scenario(profile, 2, 50).value()));
}

TEST(ScenarioGenerator, GeneratesEveryStorageFaultKindAndAtMostTheProfilesNumber) {
  FuzzProfile profile;
  profile.storage_faults_max = 1;
  std::set<StorageFaultKind> seen;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const Scenario scenario = generate_scenario(profile, seed, 50).value();
    int storage_faults = 0;
    for (const Step& step : scenario.timeline) {
      if (const auto* storage = std::get_if<StorageFaultStep>(&step.action)) {
        seen.insert(storage->kind);
        ++storage_faults;
      }
    }
    EXPECT_LE(storage_faults, profile.storage_faults_max) << "seed " << seed;
  }
  EXPECT_EQ(seen.size(), 3u) << "every kind within 300 seeds";
  profile.storage_faults_max = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    for (const Step& step : generate_scenario(profile, seed, 50).value().timeline) {
      EXPECT_FALSE(std::holds_alternative<StorageFaultStep>(step.action)) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace resync::sim

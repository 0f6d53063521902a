#include "sim/fuzz/fuzz_campaign.hpp"

#include <gtest/gtest.h>

#include "sim/simulator/simulator.hpp"

namespace resync::sim {
namespace {

// The campaign the issue names: seed fixed, 2000 runs, the standard profile.
constexpr std::uint64_t campaign_seed = 2;
constexpr std::uint64_t campaign_runs = 2000;

std::string simulate(const Scenario& scenario, std::uint64_t seed) {
  SimulationOptions options;
  options.seed = seed;
  return simulate_scenario(scenario, options);
}

CampaignOptions campaign(const std::string& delivery) {
  CampaignOptions options;
  options.profile.delivery = delivery;
  options.seed = campaign_seed;
  options.runs = campaign_runs;
  options.jobs = 2;
  return options;
}

TEST(FuzzCampaign, CatchesTheTutorialServerAndShrinksToAHandfulOfSteps) {
  const CampaignResult result = run_campaign(campaign("tutorial"), simulate);
  ASSERT_TRUE(result.failure) << "the tutorial server's catch-up race went unnoticed in " << result.runs << " runs";
  const CampaignFailure& failure = *result.failure;
  EXPECT_LE(failure.shrunk.timeline.size(), 5u) << "shrinking left " << failure.shrunk.timeline.size() << " steps";
  EXPECT_LE(failure.shrunk.timeline.size(), failure.original.timeline.size());
  // The reproducer fails again on its own, with the same seed (it is deterministic).
  EXPECT_TRUE(property_violation(simulate(failure.shrunk, failure.run_seed)));
  EXPECT_EQ(simulate(failure.shrunk, failure.run_seed), failure.shrunk_history);
}

TEST(FuzzCampaign, StrictServerSurvivesTheSameCampaign) {
  const CampaignResult result = run_campaign(campaign("strict"), simulate);
  EXPECT_EQ(result.runs, campaign_runs);
  EXPECT_FALSE(result.failure) << "run " << result.failure->run_index << ":\n" << result.failure->verdict_text;
}

}  // namespace
}  // namespace resync::sim

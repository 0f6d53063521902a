// The fuzz driver without the command line: the campaign's options per mode. The runners
// are exercised by fuzz_campaign_tests (sim) and tests/node/fuzz_live_target.mjs (live).
#include "sim/fuzz/fuzz_driver.hpp"

#include <gtest/gtest.h>


namespace resync::sim {
namespace {

TEST(FuzzCampaignOptions, SimRunsTheDefaultCountWithOneTryPerCandidate) {
  FuzzDriverOptions options;
  options.seed = 5;
  options.jobs = 2;
  const CampaignOptions campaign = fuzz_campaign_options(options, FuzzBudget(std::nullopt), false);
  EXPECT_EQ(campaign.runs, std::optional<std::uint64_t>(1000));
  EXPECT_EQ(campaign.seed, 5u);
  EXPECT_EQ(campaign.jobs, 2);
  EXPECT_EQ(campaign.shrink_tries, 1);
  EXPECT_EQ(campaign.size_step, 1);
  EXPECT_FALSE(campaign.run_lower_bound_ms);
  EXPECT_EQ(campaign.profile.storage_faults_max, 1);  // the command's default, not the profile's 0
}

TEST(FuzzCampaignOptions, ABudgetWithoutRunsSetsNoCount) {
  const CampaignOptions campaign = fuzz_campaign_options(FuzzDriverOptions{}, FuzzBudget(60000), true);
  EXPECT_FALSE(campaign.runs.has_value());
  ASSERT_TRUE(campaign.budget.has_value());
  EXPECT_EQ(campaign.budget->budget_ms(), std::optional<std::int64_t>(60000));
}

TEST(FuzzCampaignOptions, LiveGetsShortTimelinesCoarseSizesAndTries) {
  FuzzDriverOptions options;
  options.mode = "live";
  options.shrink_tries = 4;
  options.profile.timeline_ms_max = 100000;
  options.profile.converge_within_ms = 100000;
  const CampaignOptions campaign = fuzz_campaign_options(options, FuzzBudget(std::nullopt), false);
  EXPECT_EQ(campaign.profile.timeline_ms_max, 3000);
  EXPECT_EQ(campaign.profile.converge_within_ms, 20000);
  EXPECT_EQ(campaign.size_step, 10);
  EXPECT_EQ(campaign.shrink_tries, 4);
  EXPECT_TRUE(campaign.shrink_removals_first);
  EXPECT_TRUE(campaign.run_lower_bound_ms);
}

}  // namespace
}  // namespace resync::sim

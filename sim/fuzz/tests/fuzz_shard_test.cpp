#include <set>

#include <gtest/gtest.h>

#include "sim/fuzz/fuzz_shard_partition.hpp"
#include "sim/fuzz/fuzz_shard_result.hpp"

namespace resync::sim {
namespace {

TEST(FuzzShardPartition, EveryRunBelongsToExactlyOneShardWhateverTheCount) {
  constexpr std::uint64_t runs = 1001;
  for (std::uint64_t total : {1u, 2u, 3u, 4u, 7u, 64u}) {
    std::multiset<std::uint64_t> seen;
    std::uint64_t counted = 0;
    for (std::uint64_t index = 1; index <= total; ++index) {
      const FuzzShard shard{index, total};
      counted += shard_run_count(shard, runs);
      for (std::uint64_t position = 0; position < shard_run_count(shard, runs); ++position) {
        const std::uint64_t run = shard_run_index(shard, position);
        EXPECT_TRUE(shard_owns_run(shard, run));
        EXPECT_LT(run, runs);
        seen.insert(run);
      }
    }
    EXPECT_EQ(counted, runs) << total << " shards";
    ASSERT_EQ(seen.size(), runs) << total << " shards";
    for (std::uint64_t run = 0; run < runs; ++run) EXPECT_EQ(seen.count(run), 1u) << "run " << run << ", " << total << " shards";
  }
}

TEST(FuzzShardPartition, ShardCountsCoverFewerRunsThanShards) {
  EXPECT_EQ(shard_run_count({1, 4}, 2), 1u);
  EXPECT_EQ(shard_run_count({3, 4}, 2), 0u);
  EXPECT_EQ(shard_run_count({2, 4}, 0), 0u);
  EXPECT_EQ(shard_file_name({3, 8}), "shard-3-of-8.json");
}

TEST(FuzzShardPartition, ParsesKOfNAndRefusesAnythingElseWithAReason) {
  const FuzzShardParse parsed = parse_fuzz_shard("3/8");
  ASSERT_TRUE(parsed.shard) << parsed.error;
  EXPECT_EQ(parsed.shard->index, 3u);
  EXPECT_EQ(parsed.shard->total, 8u);
  EXPECT_TRUE(parse_fuzz_shard("1/1").shard);
  EXPECT_NE(parse_fuzz_shard("0/4").error.find("K must be between 1 and N"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("0/4").error.find("0-based"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("5/4").error.find("K must be between 1 and N"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("1/0").error.find("N must be between 1 and"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("1/20000").error.find("N must be between 1 and"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("4").error.find("no '/'"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("a/4").error.find("not two whole numbers"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("-1/4").error.find("not two whole numbers"), std::string::npos);
  EXPECT_NE(parse_fuzz_shard("1/").error.find("not two whole numbers"), std::string::npos);
}

Scenario small_scenario(const std::string& name) {
  Scenario scenario;
  scenario.name = name;
  scenario.description = "a hand-made finding";
  scenario.clients = {ClientSpec{}};
  scenario.clients[0].name = "c1";
  return scenario;
}

ShardResult shard_result(std::uint64_t index, std::uint64_t total, std::optional<std::uint64_t> failing_run) {
  FuzzDriverOptions options;
  options.seed = 7;
  options.runs = 100;
  ShardResult result{fuzz_campaign_identity(options), FuzzShard{index, total}, {}};
  result.result.runs = 25;
  result.result.seconds = static_cast<double>(index);
  if (failing_run) {
    CampaignFailure failure;
    failure.run_index = *failing_run;
    failure.run_seed = 1000 + *failing_run;
    failure.original = small_scenario("original");
    failure.shrunk = small_scenario("shrunk");
    failure.shrunk_history = "{\"type\":\"run_started\"}\n";
    failure.failure_class = {Verdict::invalid, {"lost"}};
    failure.shrink_runs = 10;
    failure.shrinks = {{3, 40, 2}};
    result.result.failure = failure;
    result.result.failures = 1;
  }
  return result;
}

TEST(FuzzShardResult, TheFileReadsBackWithItsFinding) {
  const ShardResult written = shard_result(2, 4, 9);
  const ShardResultRead read = parse_shard_result(shard_result_text(written), "shard-2-of-4.json");
  ASSERT_TRUE(read.shard_result) << read.error;
  EXPECT_EQ(read.shard_result->campaign, written.campaign);
  EXPECT_EQ(read.shard_result->shard.index, 2u);
  EXPECT_EQ(read.shard_result->result.runs, 25u);
  ASSERT_TRUE(read.shard_result->result.failure);
  const CampaignFailure& failure = *read.shard_result->result.failure;
  EXPECT_EQ(failure.run_index, 9u);
  EXPECT_EQ(failure.run_seed, 1009u);
  EXPECT_EQ(failure.shrunk.name, "shrunk");
  EXPECT_EQ(failure.shrunk_history, written.result.failure->shrunk_history);
  EXPECT_EQ(failure.failure_class.kinds, std::set<std::string>{"lost"});
  ASSERT_EQ(failure.shrinks.size(), 1u);
  EXPECT_EQ(failure.shrinks[0].steps_after, 2u);
  EXPECT_EQ(shard_result_text(*read.shard_result), shard_result_text(written));
}

TEST(FuzzShardResult, RefusesOtherFilesAndAFindingOutsideTheShard) {
  EXPECT_NE(parse_shard_result("not json", "x.json").error.find("x.json: not JSON"), std::string::npos);
  EXPECT_NE(parse_shard_result("{}", "x.json").error.find("not a shard result"), std::string::npos);
  // Run 8 is shard 1's of 4 (8 mod 4 = 0), not shard 2's.
  EXPECT_NE(parse_shard_result(shard_result_text(shard_result(2, 4, 8)), "x.json").error.find("is not one of shard 2/4"),
            std::string::npos);
}

std::vector<ShardResult> four_shards() {
  return {shard_result(1, 4, std::nullopt), shard_result(2, 4, 13), shard_result(3, 4, std::nullopt),
          shard_result(4, 4, 7)};
}
const std::vector<std::string> sources = {"a.json", "b.json", "c.json", "d.json"};

TEST(FuzzShardMerge, AddsUpTheShardsAndTakesTheLowestFailingRun) {
  const ShardMerge merge = merge_shard_results(four_shards(), sources);
  ASSERT_TRUE(merge.merged) << merge.error;
  const CampaignResult& result = merge.merged->result;
  EXPECT_EQ(result.runs, 100u);
  EXPECT_EQ(result.failures, 2u);
  EXPECT_EQ(result.seconds, 4.0);  // the slowest shard
  EXPECT_EQ(merge.shard_seconds_total, 10.0);
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->run_index, 7u);  // shard 4's run 7 comes before shard 2's run 13
}

TEST(FuzzShardMerge, TheFindingDoesNotDependOnTheOrderResultsAreGiven) {
  std::vector<ShardResult> reversed = four_shards();
  std::reverse(reversed.begin(), reversed.end());
  const ShardMerge merge = merge_shard_results(reversed, sources);
  ASSERT_TRUE(merge.merged) << merge.error;
  EXPECT_EQ(merge.merged->result.failure->run_index, 7u);
}

TEST(FuzzShardMerge, RefusesAMissingShardAShardTwiceAndAnotherCampaign) {
  std::vector<ShardResult> three = four_shards();
  three.pop_back();
  EXPECT_NE(merge_shard_results(three, sources).error.find("missing: 4/4"), std::string::npos);

  std::vector<ShardResult> twice = four_shards();
  twice[3] = shard_result(3, 4, std::nullopt);
  EXPECT_NE(merge_shard_results(twice, sources).error.find("shard 3/4 is given twice: c.json and d.json"), std::string::npos);

  std::vector<ShardResult> other_split = four_shards();
  other_split[1] = shard_result(2, 5, std::nullopt);
  EXPECT_NE(merge_shard_results(other_split, sources).error.find("b.json is one of 5 shards"), std::string::npos);

  std::vector<ShardResult> other_seed = four_shards();
  other_seed[2].campaign["seed"] = 8;
  EXPECT_NE(merge_shard_results(other_seed, sources).error.find("c.json is from another campaign than a.json: seed 7 vs 8"),
            std::string::npos);

  EXPECT_NE(merge_shard_results({}, {}).error.find("no shard results"), std::string::npos);
}

TEST(FuzzShardMerge, TheCampaignIdentityGivesBackTheOptionsItWasMadeFrom) {
  FuzzDriverOptions options;
  options.seed = 42;
  options.runs = 300;
  options.profile.delivery = "tutorial";
  options.profile.clients_max = 3;
  options.target_database = "chat.db";
  const DriverOptionsRead read = driver_options_from_identity(fuzz_campaign_identity(options));
  ASSERT_TRUE(read.options) << read.error;
  EXPECT_EQ(fuzz_campaign_identity(*read.options), fuzz_campaign_identity(options));
  EXPECT_NE(driver_options_from_identity(nlohmann::json::object()).error.find("not readable"), std::string::npos);
}

}  // namespace
}  // namespace resync::sim

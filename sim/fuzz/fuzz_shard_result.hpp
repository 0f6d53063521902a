#pragma once
// A shard's result (`resync fuzz --shard K/N --out DIR` writes DIR/shard-K-of-N.json) and the
// merge of all N (`resync fuzz merge`). The file names its campaign (seed, runs, mode, the
// profile, the target), says how many runs the shard judged and how many failed, its timing,
// and carries the shard's finding whole (original and shrunk scenario, the failing history,
// the failure class, the shrink record), so the merge writes the reproducer without running
// the campaign again. The merge picks the finding by campaign_finding_position, as one process
// does, so it writes the same reproducer, byte for byte.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fuzz/fuzz_campaign.hpp"
#include "sim/fuzz/fuzz_driver.hpp"
#include "sim/fuzz/fuzz_shard_partition.hpp"

namespace resync::sim {

// What makes two shards parts of the same campaign: everything that decides which scenarios
// run i generates and how its finding is written (seed, runs, mode, profile, target).
nlohmann::json fuzz_campaign_identity(const FuzzDriverOptions& options);

struct DriverOptionsRead {
  std::optional<FuzzDriverOptions> options;
  std::string error;
};
// The options a campaign identity was made from (the merge writes the reproducer with them).
DriverOptionsRead driver_options_from_identity(const nlohmann::json& identity);

struct ShardResult {
  nlohmann::json campaign;  // fuzz_campaign_identity
  FuzzShard shard;
  CampaignResult result;    // the shard's runs, failures, timing and finding
};

// The file's text: pretty JSON, one key per line, so a CI log shows it readably.
std::string shard_result_text(const ShardResult& shard_result);

struct ShardResultRead {
  std::optional<ShardResult> shard_result;
  std::string error;  // names the file and what in it is wrong
};
ShardResultRead parse_shard_result(const std::string& text, const std::string& source);
ShardResultRead read_shard_result_file(const std::string& path);

struct ShardMerge {
  std::optional<ShardResult> merged;  // shard 1/1 of the whole campaign; set exactly when error is ""
  std::string error;
  double shard_seconds_total = 0;  // the shards' wall times added up (the merged result's seconds is the slowest)
};
// Checks the results are the N shards of one campaign, each exactly once, then adds up runs,
// failures and abandoned runs, keeps the slowest shard's times, and takes the finding the
// single-process campaign would have reported. `sources` names each result in errors.
ShardMerge merge_shard_results(const std::vector<ShardResult>& shard_results, const std::vector<std::string>& sources);

}  // namespace resync::sim

#pragma once
// How a campaign of R runs splits into N disjoint shares (`resync fuzz --shard K/N`), so N
// processes on N machines run the same campaign. Run i belongs to share (i mod N) + 1: every
// run's seed and scenario come from (campaign seed, i) alone (campaign_run_seed), so a share
// runs exactly the runs one process would, whatever N is, and the shares interleave, so
// each holds early (small) and late (big) runs alike.
#include <cstdint>
#include <optional>
#include <string>

namespace resync::sim {

struct FuzzShard {
  std::uint64_t index = 1;  // K, from 1
  std::uint64_t total = 1;  // N
};

// The most shards a campaign splits into: beyond a CI matrix's or an Indexed Job's size.
inline constexpr std::uint64_t fuzz_shards_max = 10000;

struct FuzzShardParse {
  std::optional<FuzzShard> shard;
  std::string error;  // why `text` is not K/N with 1 <= K <= N <= fuzz_shards_max
};
// "3/8" -> {3, 8}.
FuzzShardParse parse_fuzz_shard(const std::string& text);

bool shard_owns_run(const FuzzShard& shard, std::uint64_t run_index);
// The run index of the shard's `position`-th run (from 0): K-1, K-1+N, K-1+2N, ...
std::uint64_t shard_run_index(const FuzzShard& shard, std::uint64_t position);
// How many of the campaign's first `runs` runs the shard owns.
std::uint64_t shard_run_count(const FuzzShard& shard, std::uint64_t runs);
// "shard-3-of-8.json": the file a shard's result is written to in --out.
std::string shard_file_name(const FuzzShard& shard);

}  // namespace resync::sim

#include "sim/fuzz/fuzz_shard_partition.hpp"

#include <cctype>

namespace resync::sim {

namespace {

// Digits only, at most 19 of them (fits in 64 bits); nullopt otherwise.
std::optional<std::uint64_t> parse_count(const std::string& text) {
  constexpr std::size_t digits_max = 19;
  if (text.empty() || text.size() > digits_max) return std::nullopt;
  std::uint64_t value = 0;
  for (const char character : text) {
    if (!std::isdigit(static_cast<unsigned char>(character))) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(character - '0');
  }
  return value;
}

}  // namespace

FuzzShardParse parse_fuzz_shard(const std::string& text) {
  const std::string expected = "write K/N with 1 <= K <= N, e.g. --shard 1/4 for the first of four shards";
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return {std::nullopt, "--shard '" + text + "' has no '/': " + expected};
  const auto index = parse_count(text.substr(0, slash));
  const auto total = parse_count(text.substr(slash + 1));
  if (!index || !total) return {std::nullopt, "--shard '" + text + "' is not two whole numbers: " + expected};
  if (*total < 1 || *total > fuzz_shards_max) {
    return {std::nullopt, "--shard '" + text + "': N must be between 1 and " + std::to_string(fuzz_shards_max)};
  }
  if (*index < 1 || *index > *total) {
    return {std::nullopt, "--shard '" + text + "': K must be between 1 and N (" + std::to_string(*total) +
                              "); a 0-based index such as JOB_COMPLETION_INDEX needs +1"};
  }
  return {FuzzShard{*index, *total}, ""};
}

bool shard_owns_run(const FuzzShard& shard, std::uint64_t run_index) { return run_index % shard.total == shard.index - 1; }

std::uint64_t shard_run_index(const FuzzShard& shard, std::uint64_t position) {
  return shard.index - 1 + position * shard.total;
}

std::uint64_t shard_run_count(const FuzzShard& shard, std::uint64_t runs) {
  if (runs < shard.index) return 0;
  return (runs - shard.index) / shard.total + 1;
}

std::string shard_file_name(const FuzzShard& shard) {
  return "shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.total) + ".json";
}

}  // namespace resync::sim

#pragma once
// The shell-quoted `resync run` command line that replays one scenario with one seed: what a
// run records in each history and prints for a failure, and what the fuzzer writes beside
// a reproducer.
#include <cstdint>
#include <optional>
#include <string>

namespace resync::sim {

struct ReplayTarget {
  std::optional<std::string> url;       // --target
  std::optional<std::string> command;   // --target-cmd
  std::optional<std::string> database;  // --target-db
  std::optional<std::string> planted_bug;
  bool cluster = false;                 // --target-cluster
};
std::string replay_command(const std::string& file, const std::string& mode, std::uint64_t seed,
                           const ReplayTarget& target = {});

}  // namespace resync::sim

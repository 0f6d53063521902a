#pragma once
// `resync run PATH... [--mode live|sim] [--target URL] [--target-cmd CMD] [--report DIR]
//  [--junit FILE] [--seed N] [--jobs N] [--check-determinism]`: runs scenario files and
// decides, per scenario, whether every client ended with exactly the full ordered message set.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace resync::sim {

struct RunCommandOptions {
  std::vector<std::string> paths;
  std::string mode = "live";
  std::optional<std::string> target_url;
  std::optional<std::string> target_command;
  std::optional<std::string> target_database;  // --target-db: the external server's SQLite file
  std::optional<std::string> report_directory;
  std::optional<std::string> junit_path;
  std::optional<std::uint64_t> seed;
  int jobs = 1;
  bool check_determinism = false;
  bool trace = false;  // sim: print every frame on stderr
  std::string resync_executable;  // for the embedded server; defaults to this executable
  // For testing Resync itself: overrides every embedded scenario's server.planted_bug.
  std::optional<std::string> planted_bug;
};

int run_run_command(const RunCommandOptions& options, std::ostream& out, std::ostream& err);
void register_run_command(CLI::App& app, int& exit_code);

// The shell-quoted command that replays one scenario.
struct ReplayTarget {
  std::optional<std::string> url;       // --target
  std::optional<std::string> command;   // --target-cmd
  std::optional<std::string> database;  // --target-db
  std::optional<std::string> planted_bug;
};
std::string replay_command(const std::string& file, const std::string& mode, std::uint64_t seed,
                           const ReplayTarget& target = {});

}  // namespace resync::sim

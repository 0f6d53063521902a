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

#include "sim/suite/replay_command.hpp"
#include "sim/suite/suite_runner.hpp"

namespace resync::sim {

// The suite's options (sim/suite) and what only the command has: the files and the reports.
struct RunCommandOptions : SuiteOptions {
  std::vector<std::string> paths;
  std::optional<std::string> report_directory;
  std::optional<std::string> junit_path;
};

int run_run_command(const RunCommandOptions& options, std::ostream& out, std::ostream& err);
void register_run_command(CLI::App& app, int& exit_code);

}  // namespace resync::sim

#pragma once
// `resync check HISTORY... [--junit FILE] [--figures]`: checks recorded histories again, offline. Prints
// a summary line per history and, for one that did not pass, the failure text. Exit code:
// 0 every scenario passed, 1 one failed, 2 one is unknown or its history is unreadable
// (see run_exit_code).
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace resync::checker {

struct CheckCommandOptions {
  std::vector<std::string> history_paths;
  std::optional<std::string> junit_path;  // also write JUnit XML there
  // Also print a "figures PATH: acked A, stored S, lost L, duplicated D" line per history
  // (sim/checker/delivery_figures.hpp), for soak runs that report counts.
  bool print_figures = false;
};

// The command without the command line, for tests: results to `out`, problems to `err`.
int run_check_command(const CheckCommandOptions& options, std::ostream& out, std::ostream& err);

// Adds `resync check` to the command line; its callback stores the process exit code.
void register_check_command(CLI::App& app, int& exit_code);

}  // namespace resync::checker

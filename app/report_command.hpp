#pragma once
// `resync report HISTORY... -o report.html [--title TEXT]`: one self-contained HTML report
// from history files (or directories of them), read and checked again offline. Exit code:
// 0 the report was written and every history was readable; 2 otherwise (an unreadable
// history is still listed in the report, as unknown, with the reason).
// `resync report --compare DIR_A DIR_B -o FILE`: two runs' `--report` directories side by
// side (reports/html/run_comparison.hpp); the same exit codes.
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace resync::reports {

struct ReportCommandOptions {
  std::vector<std::string> history_paths;
  std::vector<std::string> compare_directories;  // --compare DIR_A DIR_B
  std::string output_path = "report.html";
  std::string title = "Resync report";
};

int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err);

void register_report_command(CLI::App& app, int& exit_code);

}  // namespace resync::reports

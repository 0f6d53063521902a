#include "app/report_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

#include "reports/html/report_files.hpp"

namespace resync::reports {

int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
  ReportPage page;
  page.title = options.title;
  bool all_readable = true;
  for (const std::string& path : options.history_paths) {
    const std::vector<std::string> files = find_history_files(path);
    if (files.empty()) {
      err << "resync report: " << path << ": no history files (*.jsonl) found there\n";
      all_readable = false;
    }
    for (const std::string& file : files) {
      ScenarioReport scenario = report_history_file(file, reproducer_next_to(file).value_or(ReproducerInfo{}));
      if (!scenario.read_error.empty()) {
        err << "resync report: " << scenario.read_error << "\n";
        all_readable = false;
      }
      page.scenarios.push_back(std::move(scenario));
    }
  }
  sort_failures_first(page.scenarios);
  if (const std::string problem = write_report_file(page, options.output_path); !problem.empty()) {
    err << "resync report: " << problem << "\n";
    return 2;
  }
  std::size_t not_passed = 0;
  for (const ScenarioReport& scenario : page.scenarios) not_passed += scenario.summary.status != checker::CheckStatus::passed;
  std::error_code error;
  const auto bytes = std::filesystem::file_size(options.output_path, error);
  out << "resync report: wrote " << options.output_path << " (" << page.scenarios.size() << " scenarios, " << not_passed
      << " not passing, " << (error ? 0 : bytes) << " bytes)\n";
  return all_readable ? 0 : 2;
}

void register_report_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "Write one self-contained HTML report (timelines, anomalies, per-client message lists, latency, "
                "replay commands) from history files. Exit 0: written; 2: a history was unreadable or the file "
                "could not be written.");
  command->add_option("histories", options->history_paths, "History files (*.jsonl) or directories of them")->required();
  command->add_option("-o,--output", options->output_path, "The HTML file to write")->capture_default_str();
  command->add_option("--title", options->title, "The report's title")->capture_default_str();
  command->callback([options, &exit_code] { exit_code = run_report_command(*options, std::cout, std::cerr); });
}

}  // namespace resync::reports

#include "app/report_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "reports/html/report_files.hpp"
#include "reports/html/run_comparison.hpp"

namespace resync::reports {

namespace {

// One run's scenarios from its `--report` directory (its runs/ holds the histories), or why not.
std::optional<std::vector<ScenarioReport>> read_run_directory(const std::string& directory, std::ostream& err,
                                                              bool& all_readable) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    err << "resync report --compare: " << directory
        << " is not a directory: give two directories written by `resync run --report DIR`\n";
    return std::nullopt;
  }
  const std::filesystem::path runs = std::filesystem::path(directory) / "runs";
  const std::vector<std::string> files = find_history_files(std::filesystem::is_directory(runs, error) ? runs.string() : directory);
  if (files.empty()) {
    err << "resync report --compare: " << directory
        << ": no history files (*.jsonl) found there: was it written by `resync run --report DIR`?\n";
    return std::nullopt;
  }
  std::vector<ScenarioReport> scenarios;
  for (const std::string& file : files) {
    scenarios.push_back(report_history_file(file));
    if (!scenarios.back().read_error.empty()) {
      err << "resync report --compare: " << scenarios.back().read_error << "\n";
      all_readable = false;
    }
  }
  return scenarios;
}

int run_compare_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
  bool all_readable = true;
  const auto run_a = read_run_directory(options.compare_directories[0], err, all_readable);
  const auto run_b = read_run_directory(options.compare_directories[1], err, all_readable);
  if (!run_a || !run_b) return 2;
  const RunComparisonResult compared =
      compare_runs(*run_a, *run_b, options.compare_directories[0], options.compare_directories[1]);
  if (!compared.comparison) {
    err << "resync report --compare: " << compared.error << "\n";
    return 2;
  }
  const RunComparison& comparison = *compared.comparison;
  if (const std::string problem = write_file_atomically(
          options.output_path, [&](std::ostream& output) { write_comparison_html(comparison, output); });
      !problem.empty()) {
    err << "resync report --compare: " << problem << "\n";
    return 2;
  }
  out << "resync report --compare: wrote " << options.output_path << " (" << comparison.scenarios.size()
      << " scenarios: " << comparison.count(ComparisonChange::changed) << " changed, "
      << comparison.count(ComparisonChange::only_in_a) << " only in A, " << comparison.count(ComparisonChange::only_in_b)
      << " only in B, " << comparison.count(ComparisonChange::unchanged) << " unchanged)\n";
  return all_readable ? 0 : 2;
}

}  // namespace

int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.compare_directories.empty()) {
    if (options.compare_directories.size() != 2 || !options.history_paths.empty()) {
      err << "resync report: --compare takes exactly two directories and no histories: "
             "resync report --compare DIR_A DIR_B -o FILE\n";
      return 2;
    }
    return run_compare_command(options, out, err);
  }
  if (options.history_paths.empty()) {
    err << "resync report: give history files or directories, or --compare DIR_A DIR_B\n";
    return 2;
  }
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
  command->add_option("histories", options->history_paths, "History files (*.jsonl) or directories of them");
  command->add_option("--compare", options->compare_directories,
                      "Two `resync run --report` directories (DIR_A DIR_B): which scenarios changed verdict, which "
                      "are in one run only, and each one's root anomaly in both")
      ->expected(2);
  command->add_option("-o,--output", options->output_path, "The HTML file to write")->capture_default_str();
  command->add_option("--title", options->title, "The report's title")->capture_default_str();
  command->callback([options, &exit_code] { exit_code = run_report_command(*options, std::cout, std::cerr); });
}

}  // namespace resync::reports

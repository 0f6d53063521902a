#include "app/check_command.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include "reports/junit/junit_writer.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/checker/delivery_figures.hpp"
#include "sim/checker/scenario_outcome.hpp"
#include "sim/history/history_reader.hpp"

namespace resync::checker {
namespace {

ScenarioOutcome check_one(const std::string& path, bool print_figures, std::ostream& out, std::ostream& err) {
  history::HistoryReadResult read = history::read_history(path);
  if (!read.ok()) {
    err << read.error_text();
    out << "history " << path << ": UNKNOWN \u2014 unreadable: " << read.errors.front().to_string() << "\n";
    return outcome_from_error("", path, read.error_text());
  }
  if (read.history->truncated_last_line) err << "warning: " << *read.history->truncated_last_line << "\n";
  CheckResult result = check_history(*read.history);
  out << summary_line(result) << "\n";
  if (print_figures) out << delivery_figures_line(path, delivery_figures(*read.history, result)) << "\n";
  out << failure_text(result);
  return outcome_from_result(std::move(result), path);
}

}  // namespace

int run_check_command(const CheckCommandOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<ScenarioOutcome> outcomes;
  outcomes.reserve(options.history_paths.size());
  for (const std::string& path : options.history_paths) outcomes.push_back(check_one(path, options.print_figures, out, err));

  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t unknown = 0;
  for (const ScenarioOutcome& outcome : outcomes) {
    switch (outcome_status(outcome)) {
      case CheckStatus::passed:
        ++passed;
        break;
      case CheckStatus::failed:
        ++failed;
        break;
      case CheckStatus::unknown:
        ++unknown;
        break;
    }
  }
  out << outcomes.size() << (outcomes.size() == 1 ? " history: " : " histories: ") << passed << " passed, "
      << failed << " failed, " << unknown << " unknown\n";

  int exit_code = run_exit_code(outcomes);
  if (options.junit_path) {
    std::ofstream junit(*options.junit_path, std::ios::out | std::ios::trunc | std::ios::binary);
    if (junit.is_open()) reports::write_junit(outcomes, junit, std::nullopt);
    if (!junit.is_open() || !junit.good()) {
      err << *options.junit_path << ": cannot write the JUnit file\n";
      if (exit_code == 0) exit_code = 2;
    }
  }
  return exit_code;
}

void register_check_command(CLI::App& app, int& exit_code) {
  struct CommandLine {
    std::vector<std::string> history_paths;
    std::string junit_path;
    bool print_figures = false;
  };
  auto command_line = std::make_shared<CommandLine>();
  CLI::App* command = app.add_subcommand(
      "check",
      "Check recorded histories again (docs/HISTORY.md): a summary line per history, the anomalies and replay "
      "commands of those that did not pass. Exit 0 all passed, 1 one failed, 2 one unknown or unreadable.");
  command->add_option("history", command_line->history_paths, "History files (JSON lines) written by `resync run`")
      ->required();
  command->add_option("--junit", command_line->junit_path, "Also write JUnit XML to this file");
  command->add_flag("--figures", command_line->print_figures,
                    "Also print 'figures PATH: acked A, stored S, lost L, duplicated D' per history: distinct "
                    "acknowledged sends, stored rows, acknowledged sends not stored, messages stored twice");
  command->callback([command_line, &exit_code] {
    CheckCommandOptions options{command_line->history_paths, std::nullopt, command_line->print_figures};
    if (!command_line->junit_path.empty()) options.junit_path = command_line->junit_path;
    exit_code = run_check_command(options, std::cout, std::cerr);
  });
}

}  // namespace resync::checker

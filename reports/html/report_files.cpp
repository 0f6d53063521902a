#include "reports/html/report_files.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <system_error>

#include <nlohmann/json.hpp>

#include "sim/checker/check_history.hpp"
#include "sim/history/history_reader.hpp"

namespace resync::reports {
namespace {

constexpr std::string_view history_suffix = ".history.jsonl";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::vector<std::string> find_history_files(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) return {path};
  std::vector<std::string> files;
  for (auto entry = std::filesystem::recursive_directory_iterator(path, error);
       !error && entry != std::filesystem::recursive_directory_iterator(); entry.increment(error)) {
    if (entry->is_regular_file(error) && entry->path().extension() == ".jsonl") files.push_back(entry->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

ScenarioReport report_history_file(const std::string& history_path, const ReproducerInfo& reproducer) {
  const history::HistoryReadResult read = history::read_history(history_path);
  if (!read.ok()) return scenario_report_from_error("", history_path, read.error_text());
  const checker::CheckResult result = checker::check_history(*read.history);
  ScenarioReport report = build_scenario_report(*read.history, result, history_path, reproducer);
  report.evidence = collect_run_evidence(*read.history, result, history_path);
  report.details["evidence"] = run_evidence_json(report.evidence);
  return report;
}

std::optional<ReproducerInfo> reproducer_next_to(const std::string& history_path) {
  if (!ends_with(history_path, history_suffix)) return std::nullopt;
  const std::string scenario_path = history_path.substr(0, history_path.size() - history_suffix.size()) + ".json";
  std::error_code error;
  if (!std::filesystem::is_regular_file(scenario_path, error)) return std::nullopt;
  return ReproducerInfo{scenario_path, scenario_steps_from_file(scenario_path)};
}

std::vector<std::string> scenario_steps_from_file(const std::string& scenario_path) {
  std::ifstream input(scenario_path);
  const nlohmann::json scenario = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> steps;
  if (!scenario.is_object() || !scenario.contains("timeline") || !scenario["timeline"].is_array()) return steps;
  for (const nlohmann::json& step : scenario["timeline"]) {
    steps.push_back(step.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return steps;
}

std::string write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  std::filesystem::path temporary = path;
  temporary += ".partial";
  {
    std::ofstream output(temporary, std::ios::binary | std::ios::trunc);
    if (!output) return "cannot write '" + temporary.string() + "' (check the directory exists and is writable)";
    write(output);
    output.flush();
    if (!output) return "writing '" + temporary.string() + "' failed (disk full?)";
  }
  std::filesystem::rename(temporary, path, error);
  if (error) return "cannot rename '" + temporary.string() + "' to '" + path.string() + "': " + error.message();
  return "";
}

std::string write_report_file(const ReportPage& page, const std::filesystem::path& path) {
  return write_file_atomically(path, [&](std::ostream& output) { write_html_report(page, output, path.parent_path()); });
}

std::string write_run_report(const std::vector<checker::ScenarioOutcome>& outcomes, const std::filesystem::path& path) {
  ReportPage page;
  page.title = "Resync run";
  for (const checker::ScenarioOutcome& outcome : outcomes) {
    if (outcome.not_applicable) {
      page.scenarios.push_back(
          scenario_report_not_applicable(outcome.scenario_name, outcome.scenario_file, *outcome.not_applicable));
      continue;
    }
    if (!outcome.result || outcome.history_path.empty()) {
      page.scenarios.push_back(scenario_report_from_error(outcome.scenario_name, outcome.history_path, outcome.error));
      continue;
    }
    page.scenarios.push_back(report_history_file(outcome.history_path));
  }
  sort_failures_first(page.scenarios);
  return write_report_file(page, path);
}

}  // namespace resync::reports

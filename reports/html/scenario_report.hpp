#pragma once
// One scenario of the HTML report: the summary row (rendered into the page as HTML) and the
// details (embedded as JSON and drawn by report_script.js when the scenario is opened).
// A pure function of a history and its check result.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html/run_evidence.hpp"
#include "reports/html/scenario_triage.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

struct ScenarioSummary {
  std::string name;
  std::string file;          // the scenario file the history names ("" when none)
  std::string history_path;
  std::string verdict;       // valid | invalid | unknown
  std::string expected;      // e.g. "invalid with lost, duplicated"
  checker::CheckStatus status = checker::CheckStatus::unknown;
  std::string headline;      // why it did not pass; "" when it passed
  std::array<std::size_t, checker::all_anomaly_kinds.size()> anomaly_counts{};
  std::size_t clients = 0;
  std::size_t messages = 0;  // in the committed log
  std::size_t faults = 0;
  std::int64_t duration_ms = 0;
  std::string seed;          // text: a 64-bit seed does not survive a JavaScript number
  std::string mode;
  std::string delivery;
  std::string target;
  // Why the scenario was not run on this target ("" = it was): the probe before the run
  // found the target lacks what it needs. Shown with its own status, never as passed or unknown.
  std::string not_applicable_reason;
};

struct ScenarioReport {
  ScenarioSummary summary;
  ScenarioTriage triage;   // the index's description, root anomaly and worst client
  RunEvidence evidence;    // the header's date, target, replay directory and links (report_files.cpp fills it)
  nlohmann::json details;  // see scenario_report.cpp for the top-level keys
  std::string read_error;  // why the history could not be read; "" when it was
};

// For fuzz findings: the shrunk reproducer, shown with the scenario.
struct ReproducerInfo {
  std::string path;                // the scenario file that replays the finding
  std::vector<std::string> steps;  // its timeline, one step per line
};

inline constexpr std::size_t anomaly_table_rows_per_kind_max = 100;

ScenarioReport build_scenario_report(const history::History& history, const checker::CheckResult& result,
                                     const std::string& history_path, const ReproducerInfo& reproducer = {});

// A history that could not be read: listed as unknown with the reason.
ScenarioReport scenario_report_from_error(const std::string& name, const std::string& history_path,
                                          const std::string& error);

// A scenario not run because the target lacks what it needs: listed with the reason.
ScenarioReport scenario_report_not_applicable(const std::string& name, const std::string& file, const std::string& reason);

// The word the page's filters and CSS classes use for a row: status_name, or "not-applicable".
std::string_view row_status_name(const ScenarioSummary& summary);

// Failures first, then unknown, then passed, then not applicable; otherwise the given order.
void sort_failures_first(std::vector<ScenarioReport>& reports);

// "failed", "unknown" or "passed": the word the page's filters and CSS classes use.
std::string_view status_name(checker::CheckStatus status);

}  // namespace resync::reports

#pragma once
// Two runs of one suite side by side (`resync report --compare DIR_A DIR_B`): two servers, two
// commits, or before and after a fix. Scenarios are matched by name; the page says which
// changed verdict or status, which exist in one run only, and each one's root anomaly in both.
// A pure function of the two runs' scenario reports.
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reports/html/scenario_report.hpp"

namespace resync::reports {

// What one run says of a scenario.
struct ComparedSide {
  std::string verdict;  // valid | invalid | unknown
  std::string status;   // passed | failed | unknown | not-applicable (row_status_name)
  std::string expected;
  std::string root;     // root_line_text of its root anomaly; "" when it has none
  std::string anomaly_counts;  // "lost 2, duplicated 1"; "no anomalies"
  std::string history_path;
  std::string read_error;  // the history could not be read; "" when it was
};

enum class ComparisonChange {
  changed,    // in both runs, with a different verdict or status
  only_in_a,
  only_in_b,
  unchanged,  // same verdict and status (the root anomaly may still differ: root_changed)
};

struct ComparedScenario {
  std::string name;
  ComparisonChange change = ComparisonChange::unchanged;
  std::optional<ComparedSide> a;
  std::optional<ComparedSide> b;
  bool root_changed = false;  // both runs have it and their root anomalies differ
};

struct RunComparison {
  std::string label_a;  // the directories as the user named them
  std::string label_b;
  // Changed first, then only in A, only in B, unchanged; by name within each.
  std::vector<ComparedScenario> scenarios;

  std::size_t count(ComparisonChange change) const;
};

struct RunComparisonResult {
  std::optional<RunComparison> comparison;
  std::string error;  // why the runs cannot be compared (a name twice in one run); "" when they can
};

// Matches the scenarios of two runs by name. A name that appears twice in one run cannot be
// matched: that is an error naming both histories.
RunComparisonResult compare_runs(const std::vector<ScenarioReport>& run_a, const std::vector<ScenarioReport>& run_b,
                                 std::string label_a, std::string label_b);

std::string_view comparison_change_name(ComparisonChange change);  // "changed", "only in A", ...

// A self-contained HTML page (inline CSS, no script, no network).
void write_comparison_html(const RunComparison& comparison, std::ostream& output);

}  // namespace resync::reports

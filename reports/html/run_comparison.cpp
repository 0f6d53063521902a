#include "reports/html/run_comparison.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "reports/html/html_escape.hpp"
#include "reports/html/scenario_triage.hpp"

namespace resync::reports {

namespace {

std::string counts_text(const ScenarioSummary& summary) {
  std::string text;
  for (std::size_t kind = 0; kind < checker::all_anomaly_kinds.size(); ++kind) {
    if (summary.anomaly_counts[kind] == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::string(checker::anomaly_kind_name(checker::all_anomaly_kinds[kind])) + " " +
            std::to_string(summary.anomaly_counts[kind]);
  }
  return text.empty() ? "no anomalies" : text;
}

ComparedSide side_of(const ScenarioReport& report) {
  ComparedSide side;
  side.verdict = report.summary.verdict;
  side.status = std::string(row_status_name(report.summary));
  side.expected = report.summary.expected;
  if (report.triage.root) side.root = root_line_text(*report.triage.root);
  side.anomaly_counts = counts_text(report.summary);
  side.history_path = report.summary.history_path;
  side.read_error = report.read_error;
  return side;
}

// One run's scenarios by name, or the first name that appears twice.
std::pair<std::map<std::string, const ScenarioReport*>, std::string> by_name(const std::vector<ScenarioReport>& run,
                                                                             const std::string& label) {
  std::map<std::string, const ScenarioReport*> named;
  for (const ScenarioReport& report : run) {
    auto [place, inserted] = named.emplace(report.summary.name, &report);
    if (!inserted) {
      return {{}, "scenario '" + report.summary.name + "' appears twice in " + label + " (" +
                      place->second->summary.history_path + " and " + report.summary.history_path +
                      "): compare two `resync run --report` directories of one suite each"};
    }
  }
  return {std::move(named), ""};
}

int change_order(ComparisonChange change) { return static_cast<int>(change); }

}  // namespace

std::size_t RunComparison::count(ComparisonChange change) const {
  return static_cast<std::size_t>(std::count_if(scenarios.begin(), scenarios.end(),
                                                [change](const ComparedScenario& scenario) { return scenario.change == change; }));
}

std::string_view comparison_change_name(ComparisonChange change) {
  switch (change) {
    case ComparisonChange::changed: return "changed";
    case ComparisonChange::only_in_a: return "only in A";
    case ComparisonChange::only_in_b: return "only in B";
    case ComparisonChange::unchanged: return "unchanged";
  }
  return "unchanged";
}

RunComparisonResult compare_runs(const std::vector<ScenarioReport>& run_a, const std::vector<ScenarioReport>& run_b,
                                 std::string label_a, std::string label_b) {
  auto [named_a, problem_a] = by_name(run_a, label_a);
  if (!problem_a.empty()) return {std::nullopt, problem_a};
  auto [named_b, problem_b] = by_name(run_b, label_b);
  if (!problem_b.empty()) return {std::nullopt, problem_b};

  RunComparison comparison;
  comparison.label_a = std::move(label_a);
  comparison.label_b = std::move(label_b);
  for (const auto& [name, report] : named_a) {
    ComparedScenario scenario;
    scenario.name = name;
    scenario.a = side_of(*report);
    if (auto found = named_b.find(name); found != named_b.end()) {
      scenario.b = side_of(*found->second);
      const bool same = scenario.a->verdict == scenario.b->verdict && scenario.a->status == scenario.b->status;
      scenario.change = same ? ComparisonChange::unchanged : ComparisonChange::changed;
      scenario.root_changed = scenario.a->root != scenario.b->root;
    } else {
      scenario.change = ComparisonChange::only_in_a;
    }
    comparison.scenarios.push_back(std::move(scenario));
  }
  for (const auto& [name, report] : named_b) {
    if (named_a.count(name)) continue;
    ComparedScenario scenario;
    scenario.name = name;
    scenario.b = side_of(*report);
    scenario.change = ComparisonChange::only_in_b;
    comparison.scenarios.push_back(std::move(scenario));
  }
  // Maps are ordered by name, so a stable sort by change keeps names in order within each.
  std::stable_sort(comparison.scenarios.begin(), comparison.scenarios.end(),
                   [](const ComparedScenario& left, const ComparedScenario& right) {
                     return change_order(left.change) < change_order(right.change);
                   });
  return {std::move(comparison), ""};
}

namespace {

constexpr std::string_view comparison_style = R"(
:root { --ink: #1b1b1b; --muted: #5a5a5a; --line: #d0d0d0; --changed: #d55e00; --only: #0072b2; --same: #009e73; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0 auto; padding: 16px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.runs { color: var(--muted); margin: 0 0 12px; } .runs code { color: var(--ink); }
.counts span { display: inline-block; margin-right: 16px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f4f4f4; } th.name { width: 20%; } th.change { width: 10%; }
.change-changed { color: var(--changed); font-weight: 600; } .change-changed::before { content: "\25B2 "; }
.change-only-in-a, .change-only-in-b { color: var(--only); font-weight: 600; } .change-only-in-a::before, .change-only-in-b::before { content: "\25CF "; }
.change-unchanged { color: var(--same); } .change-unchanged::before { content: "= "; }
.status { font-weight: 600; } .root { display: block; color: var(--muted); margin-top: 2px; }
.absent { color: var(--muted); font-style: italic; }
details summary { cursor: pointer; margin: 16px 0 8px; font-weight: 600; }
a:focus-visible, summary:focus-visible { outline: 3px solid #0072b2; outline-offset: 2px; }
@media (max-width: 800px) { th.name { width: 28%; } th.change { width: 16%; } }
)";

void write_side(std::ostream& output, const std::optional<ComparedSide>& side) {
  output << "<td>";
  if (!side) {
    output << "<span class=\"absent\">not in this run</span></td>";
    return;
  }
  output << "<span class=\"status\">" << escape_html_text(side->status) << "</span>: " << escape_html_text(side->verdict)
         << " (expected " << escape_html_text(side->expected) << "), " << escape_html_text(side->anomaly_counts);
  if (!side->read_error.empty()) output << "<span class=\"root\">" << escape_html_text(side->read_error) << "</span>";
  if (!side->root.empty()) output << "<span class=\"root\">root: " << escape_html_text(side->root) << "</span>";
  if (!side->history_path.empty()) {
    output << "<span class=\"root\"><a href=\"file://" << escape_html_attribute(side->history_path) << "\">history</a></span>";
  }
  output << "</td>";
}

void write_table(std::ostream& output, const RunComparison& comparison, bool unchanged) {
  output << "<table>\n<thead><tr><th scope=\"col\" class=\"name\">scenario</th><th scope=\"col\" class=\"change\">change</th>"
         << "<th scope=\"col\">A: " << escape_html_text(comparison.label_a) << "</th><th scope=\"col\">B: "
         << escape_html_text(comparison.label_b) << "</th></tr></thead>\n<tbody>\n";
  for (const ComparedScenario& scenario : comparison.scenarios) {
    if ((scenario.change == ComparisonChange::unchanged) != unchanged) continue;
    std::string change_class(comparison_change_name(scenario.change));
    std::replace(change_class.begin(), change_class.end(), ' ', '-');
    output << "<tr data-change=\"" << change_class << "\"><th scope=\"row\">" << escape_html_text(scenario.name)
           << "</th><td class=\"change-" << change_class << "\">" << comparison_change_name(scenario.change)
           << (scenario.root_changed ? ", root anomaly differs" : "") << "</td>";
    write_side(output, scenario.a);
    write_side(output, scenario.b);
    output << "</tr>\n";
  }
  output << "</tbody>\n</table>\n";
}

}  // namespace

void write_comparison_html(const RunComparison& comparison, std::ostream& output) {
  output << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<meta name=\"generator\" content=\"resync report --compare\">\n<title>Resync: two runs compared</title>\n<style>"
         << comparison_style << "</style>\n</head>\n<body>\n<h1>Two runs compared</h1>\n<p class=\"runs\">A: <code>"
         << escape_html_text(comparison.label_a) << "</code> &nbsp; B: <code>" << escape_html_text(comparison.label_b)
         << "</code></p>\n<p class=\"counts\">";
  for (ComparisonChange change : {ComparisonChange::changed, ComparisonChange::only_in_a, ComparisonChange::only_in_b,
                                  ComparisonChange::unchanged}) {
    output << "<span>" << comparison.count(change) << " " << comparison_change_name(change) << "</span>";
  }
  output << "</p>\n<h2>Changed, or in one run only</h2>\n";
  if (comparison.count(ComparisonChange::unchanged) == comparison.scenarios.size()) {
    output << "<p>Every scenario has the same verdict and status in both runs.</p>\n";
  } else {
    write_table(output, comparison, false);
  }
  if (comparison.count(ComparisonChange::unchanged) > 0) {
    output << "<details>\n<summary>" << comparison.count(ComparisonChange::unchanged)
           << " unchanged scenarios</summary>\n";
    write_table(output, comparison, true);
    output << "</details>\n";
  }
  output << "</body>\n</html>\n";
}

}  // namespace resync::reports

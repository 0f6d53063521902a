#include "reports/html/scenario_report.hpp"

#include <algorithm>

#include "reports/html/client_model.hpp"
#include "reports/html/flow_diagram.hpp"
#include "reports/html/report_text.hpp"
#include "reports/html/scenario_analysis.hpp"
#include "reports/html/timeline_model.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/checker/quoted_text.hpp"
#include "sim/history/verdict_names.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

// Details keys: kinds, counts, anomalies {total, rows: [[kind, client, id, t, detail]],
// not_shown: [per kind]}, timeline (timeline_model.hpp), clients (client_model.hpp),
// flow (flow_diagram.hpp), recoveries [[t, what]], replay {sim, live}, reproducer {path, steps}, and the summary's
// fields for the header.
json anomaly_table(const checker::CheckResult& result, const ScenarioAnalysis& analysis) {
  std::vector<std::size_t> shown(checker::all_anomaly_kinds.size(), 0);
  std::vector<std::size_t> not_shown(checker::all_anomaly_kinds.size(), 0);
  json rows = json::array();
  for (const checker::Anomaly& anomaly : result.anomalies) {
    const auto kind = static_cast<std::size_t>(anomaly.kind);
    if (shown[kind] >= anomaly_table_rows_per_kind_max) {
      ++not_shown[kind];
      continue;
    }
    ++shown[kind];
    rows.push_back({kind, anomaly.client, anomaly.id ? json(*anomaly.id) : json(nullptr),
                    anomaly_timeline_t_ms(anomaly, result, analysis), anomaly.detail});
  }
  return {{"total", result.anomalies.size()}, {"rows", std::move(rows)}, {"not_shown", std::move(not_shown)}};
}

ScenarioSummary summarize(const checker::CheckResult& result, const std::string& history_path) {
  ScenarioSummary summary;
  summary.name = result.run.scenario.empty() ? history_path : result.run.scenario;
  summary.file = result.run.file;
  summary.history_path = history_path;
  summary.verdict = std::string(history::verdict_name(result.verdict));
  summary.expected = checker::expectation_text(result.run.expect);
  summary.status = result.status();
  if (summary.status != checker::CheckStatus::passed) summary.headline = checker::failure_headline(result);
  for (checker::AnomalyKind kind : checker::all_anomaly_kinds) {
    summary.anomaly_counts[static_cast<std::size_t>(kind)] = result.count(kind);
  }
  summary.clients = result.clients.size();
  summary.messages = result.committed_log.size();
  summary.faults = result.fault_count;
  summary.duration_ms = result.duration_ms;
  summary.seed = std::to_string(result.run.seed);
  summary.mode = result.run.mode;
  summary.delivery = result.run.delivery;
  summary.target = result.run.target;
  return summary;
}

json summary_json(const ScenarioSummary& summary) {
  return {{"name", summary.name},         {"file", summary.file},         {"history", summary.history_path},
          {"verdict", summary.verdict},   {"expected", summary.expected}, {"status", status_name(summary.status)},
          {"headline", summary.headline}, {"clients", summary.clients},   {"messages", summary.messages},
          {"faults", summary.faults},     {"duration_ms", summary.duration_ms}, {"seed", summary.seed},
          {"mode", summary.mode},         {"delivery", summary.delivery}, {"target", summary.target}};
}

}  // namespace

std::string_view status_name(checker::CheckStatus status) {
  switch (status) {
    case checker::CheckStatus::passed:
      return "passed";
    case checker::CheckStatus::failed:
      return "failed";
    case checker::CheckStatus::unknown:
      return "unknown";
  }
  return "unknown";
}

ScenarioReport build_scenario_report(const history::History& history, const checker::CheckResult& result,
                                     const std::string& history_path, const ReproducerInfo& reproducer) {
  ScenarioReport report;
  report.summary = summarize(result, history_path);
  const ScenarioAnalysis analysis = analyze_scenario(history, result);
  report.triage = triage_scenario(history, result, analysis);
  report.summary.headline = report.triage.headline;  // the row shows verdict and expectation already

  json details = summary_json(report.summary);
  details["triage"] = triage_json(report.triage, report.summary.name);
  json kinds = json::array();
  for (checker::AnomalyKind kind : checker::all_anomaly_kinds) kinds.push_back(checker::anomaly_kind_name(kind));
  details["kinds"] = std::move(kinds);
  details["counts"] = report.summary.anomaly_counts;
  details["unknown_reason"] = result.unknown_reason;
  details["note"] = result.history_note;
  details["server_error_output"] = shorten_text(result.server_error_output, 20000);
  details["log"] = {{"count", result.committed_log.size()},
                    {"origin", result.committed_log_description}};
  details["replay"] = {{"sim", result.run.replay_sim}, {"live", result.run.replay_live}};
  if (result.run.replay_sim.empty() && result.run.replay_live.empty() && !reproducer.path.empty()) {
    // A fuzz finding's history names no replay command; its reproducer file pins the seed,
    // so running the file replays it.
    details["replay"] = {{"sim", "resync run " + shell_quoted(reproducer.path) + " --mode sim"},
                         {"live", "resync run " + shell_quoted(reproducer.path)}};
  }
  if (!reproducer.path.empty() || !reproducer.steps.empty()) {
    details["reproducer"] = {{"path", reproducer.path}, {"steps", reproducer.steps}};
  }
  details["anomalies"] = anomaly_table(result, analysis);
  json recoveries = json::array();
  for (const Recovery& recovery : analysis.recoveries) recoveries.push_back({recovery.t_ms, recovery.what});
  details["recoveries"] = std::move(recoveries);
  details["timeline"] = build_timeline_model(history, result, analysis);
  details["flow"] = build_flow_diagram(history, result, analysis);
  details["clients"] = build_client_models(history, result, analysis);
  report.details = std::move(details);
  return report;
}

ScenarioReport scenario_report_from_error(const std::string& name, const std::string& history_path,
                                          const std::string& error) {
  ScenarioReport report;
  report.summary.name = name.empty() ? history_path : name;
  report.summary.history_path = history_path;
  report.summary.verdict = "unknown";
  report.summary.expected = "";
  report.summary.status = checker::CheckStatus::unknown;
  report.summary.headline = "no readable history: " + checker::first_line_of(error);
  report.details = summary_json(report.summary);
  report.details["error"] = shorten_text(error, 20000);
  report.read_error = error.empty() ? "no history" : error;
  return report;
}

ScenarioReport scenario_report_not_applicable(const std::string& name, const std::string& file, const std::string& reason) {
  ScenarioReport report;
  report.summary.name = name;
  report.summary.file = file;
  report.summary.verdict = "not applicable";
  report.summary.status = checker::CheckStatus::unknown;
  report.summary.headline = "not applicable: " + reason;
  report.summary.not_applicable_reason = reason;
  report.details = summary_json(report.summary);
  report.details["status"] = row_status_name(report.summary);
  report.details["error"] = "Not run: the probe before the run found that the " + reason + ".";
  report.read_error = "not run";  // no history: the row shows dashes, not zeros
  return report;
}

std::string_view row_status_name(const ScenarioSummary& summary) {
  return summary.not_applicable_reason.empty() ? status_name(summary.status) : "not-applicable";
}

void sort_failures_first(std::vector<ScenarioReport>& reports) {
  const auto rank = [](const ScenarioSummary& summary) {
    if (!summary.not_applicable_reason.empty()) return 3;
    return summary.status == checker::CheckStatus::failed ? 0 : summary.status == checker::CheckStatus::unknown ? 1 : 2;
  };
  std::stable_sort(reports.begin(), reports.end(), [&](const ScenarioReport& left, const ScenarioReport& right) {
    return rank(left.summary) < rank(right.summary);
  });
}

}  // namespace resync::reports

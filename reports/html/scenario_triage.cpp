#include "reports/html/scenario_triage.hpp"

#include <limits>
#include <map>

#include "reports/html/report_text.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/checker/fault_windows.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

std::string fault_active_at(const std::vector<checker::FaultWindow>& windows, const std::string& client, std::int64_t t_ms) {
  for (const checker::FaultWindow& window : windows) {
    if (window.active_during(t_ms, t_ms) && (client.empty() || window.applies_to(client))) return window.description();
  }
  return "";
}

std::optional<RootLine> root_line(const history::History& history, const checker::CheckResult& result,
                                  const ScenarioAnalysis& analysis) {
  if (!result.root_causes.empty()) {
    const checker::RootCause& cause = result.root_causes.front();
    RootLine root{cause.client, std::string(checker::anomaly_kind_name(cause.kind)), cause.id, cause.span_first_id,
                  cause.span_last_id, 0, cause.active_fault, cause.explanation, result.root_causes.size() - 1};
    const bool indexed = cause.anomaly_index < result.anomalies.size();
    root.t_ms = cause.t_ms ? *cause.t_ms : indexed ? anomaly_timeline_t_ms(result.anomalies[cause.anomaly_index], result, analysis) : 0;
    if (root.explanation.empty() && indexed) root.explanation = result.anomalies[cause.anomaly_index].detail;
    return root;
  }
  // Until the checker names causes: the earliest anomaly that makes the run invalid.
  const checker::Anomaly* earliest = nullptr;
  std::int64_t earliest_t_ms = std::numeric_limits<std::int64_t>::max();
  for (const checker::Anomaly& anomaly : result.anomalies) {
    if (!checker::makes_run_invalid(anomaly.kind)) continue;
    const std::int64_t t_ms = anomaly_timeline_t_ms(anomaly, result, analysis);
    if (t_ms < earliest_t_ms) earliest = &anomaly, earliest_t_ms = t_ms;
  }
  if (!earliest) return std::nullopt;
  const std::vector<checker::FaultWindow> windows =
      result.fault_windows.empty() ? checker::collect_fault_windows(history) : result.fault_windows;
  return RootLine{earliest->client, std::string(checker::anomaly_kind_name(earliest->kind)), earliest->id, std::nullopt,
                  std::nullopt, earliest_t_ms, fault_active_at(windows, earliest->client, earliest_t_ms), earliest->detail, 0};
}

struct ClientTally {
  std::size_t invalid = 0;
  std::int64_t earliest_t_ms = std::numeric_limits<std::int64_t>::max();
};

std::string headline_of(const checker::CheckResult& result) {
  if (result.status() == checker::CheckStatus::passed) return "";
  if (result.verdict == sim::Verdict::unknown) return result.unknown_reason;
  return checker::kinds_mismatch_text(result, "; ");
}

}  // namespace

ScenarioTriage triage_scenario(const history::History& history, const checker::CheckResult& result,
                               const ScenarioAnalysis& analysis) {
  ScenarioTriage triage;
  triage.description = result.run.description.value_or("");
  triage.root = root_line(history, result, analysis);
  triage.headline = headline_of(result);
  std::map<std::string, ClientTally, std::less<>> tallies;
  for (const checker::Anomaly& anomaly : result.anomalies) {
    if (anomaly.client.empty() || !checker::makes_run_invalid(anomaly.kind)) continue;
    ClientTally& tally = tallies[anomaly.client];
    ++tally.invalid;
    tally.earliest_t_ms = std::min(tally.earliest_t_ms, anomaly_timeline_t_ms(anomaly, result, analysis));
  }
  const ClientTally* worst = nullptr;
  for (const auto& [client, tally] : tallies) {
    if (!worst || tally.invalid > worst->invalid || (tally.invalid == worst->invalid && tally.earliest_t_ms < worst->earliest_t_ms)) {
      worst = &tally;
      triage.worst_client = client;
      triage.worst_client_anomalies = tally.invalid;
    }
  }
  return triage;
}

std::string root_line_text(const RootLine& root) {
  const std::string separator = " \u00B7 ";
  std::string text = (root.client.empty() ? "the run" : root.client) + separator + root.kind;
  if (root.span_first_id && root.span_last_id && *root.span_first_id != *root.span_last_id) {
    text += separator + "ids " + std::to_string(*root.span_first_id) + ".." + std::to_string(*root.span_last_id);
  } else if (root.id) {
    text += separator + "id " + std::to_string(*root.id);
  }
  text += separator + "at " + std::to_string(root.t_ms) + " ms";
  text += separator + (root.active_fault.empty() ? "no fault active" : "during " + root.active_fault);
  if (!root.explanation.empty()) text += separator + root.explanation;
  return text;
}

std::string deep_link(const std::string& scenario, const std::string& client, std::int64_t t_ms) {
  return "#" + percent_encoded(scenario, false) + "/" + percent_encoded(client, false) + "/" + std::to_string(t_ms);
}

json triage_json(const ScenarioTriage& triage, const std::string& scenario) {
  json root = nullptr;
  if (triage.root) {
    const RootLine& line = *triage.root;
    root = {{"client", line.client},
            {"kind", line.kind},
            {"id", line.id ? json(*line.id) : json(nullptr)},
            {"span", line.span_first_id && line.span_last_id ? json::array({*line.span_first_id, *line.span_last_id}) : json(nullptr)},
            {"t", line.t_ms},
            {"fault", line.active_fault},
            {"explanation", line.explanation},
            {"text", root_line_text(line)},
            {"link", deep_link(scenario, line.client, line.t_ms)},
            {"other_causes", line.other_causes}};
  }
  return {{"description", triage.description},
          {"root", std::move(root)},
          {"worst_client", triage.worst_client},
          {"worst_client_anomalies", triage.worst_client_anomalies},
          {"headline", triage.headline}};
}

}  // namespace resync::reports

#include "sim/checker/check_text.hpp"

#include <algorithm>
#include <string_view>

#include "sim/checker/quoted_text.hpp"
#include "sim/history/verdict_names.hpp"

namespace resync::checker {
namespace {

std::string anomaly_line(const Anomaly& anomaly) {
  std::string line = "    ";
  if (!anomaly.client.empty()) line += anomaly.client + ": ";
  if (anomaly.id) line += "id " + std::to_string(*anomaly.id) + ": ";
  return line + anomaly.detail + "\n";
}

std::string server_output_lines(std::string_view output) {
  std::string text;
  std::size_t lines = 0;
  while (!output.empty() && lines < failure_text_server_output_lines_max) {
    const std::size_t newline = output.find('\n');
    text += "    " + first_line_of(output.substr(0, newline)) + "\n";
    ++lines;
    output = newline == std::string_view::npos ? std::string_view() : output.substr(newline + 1);
  }
  if (!output.empty()) text += "    ... (more output in the history's server_failed line)\n";
  return text;
}

// Where the messages were counted from, unless it is the server's database (the usual case,
// and every simulated run): " (catch-up audit from offset 40)".
std::string log_source_note(const CheckResult& result) {
  if (result.committed_log_origin == CommittedLogOrigin::database || result.committed_log_label.empty()) return "";
  return " (" + result.committed_log_label + ")";
}

}  // namespace

std::string expectation_text(const sim::Expectation& expectation) {
  std::string text(history::verdict_name(expectation.verdict));
  for (std::size_t index = 0; index < expectation.anomalies.size(); ++index) {
    text += (index == 0 ? " with " : ", ") + expectation.anomalies[index];
  }
  for (std::size_t index = 0; index < expectation.allow.size(); ++index) {
    text += (index == 0 ? " (allowing " : ", ") + expectation.allow[index];
  }
  if (!expectation.allow.empty()) text += ")";
  return text;
}

std::string kinds_mismatch_text(const CheckResult& result, std::string_view separator) {
  std::string text;
  const auto add = [&](std::string_view label, const std::vector<std::string>& kinds) {
    if (kinds.empty()) return;
    if (!text.empty()) text += separator;
    text += label;
    for (std::size_t index = 0; index < kinds.size(); ++index) text += (index == 0 ? " " : ", ") + kinds[index];
  };
  add("expected but not reported:", result.expected_kinds_not_reported(result.run.expect));
  add("reported but not expected:", result.unexpected_kinds_reported(result.run.expect));
  return text;
}

std::string root_cause_line(const CheckResult& result, const RootCause& cause) {
  std::string line = "root cause (first of " + std::to_string(result.root_causes.size()) + "): " + cause.explanation;
  if (cause.t_ms) line += " at " + std::to_string(*cause.t_ms) + " ms";
  if (!cause.active_fault.empty()) line += ", during " + cause.active_fault;
  // A cause's words come from anomaly details, which are one line each; keep it so.
  std::replace(line.begin(), line.end(), '\n', ' ');
  return line;
}

std::vector<std::string> root_cause_lines(const CheckResult& result) {
  std::vector<std::string> lines;
  std::vector<std::string_view> clients_seen;
  for (const RootCause& cause : result.root_causes) {
    if (std::find(clients_seen.begin(), clients_seen.end(), cause.client) != clients_seen.end()) continue;
    clients_seen.push_back(cause.client);
    lines.push_back(root_cause_line(result, cause));
  }
  return lines;
}

std::string failure_headline(const CheckResult& result) {
  std::string headline;
  if (!result.root_causes.empty()) headline = root_cause_line(result, result.root_causes.front()) + " \u2014 ";
  headline += std::string(history::verdict_name(result.verdict)) + " (expected " +
                         expectation_text(result.run.expect) + "): ";
  if (result.verdict == sim::Verdict::unknown) headline += result.unknown_reason;
  if (result.verdict != sim::Verdict::unknown) headline += anomaly_counts_text(result);
  if (const std::string mismatch = kinds_mismatch_text(result, "; "); !mismatch.empty()) headline += "; " + mismatch;
  return headline;
}

std::string_view status_word(CheckStatus status) {
  switch (status) {
    case CheckStatus::passed:
      return "PASS";
    case CheckStatus::failed:
      return "FAIL";
    case CheckStatus::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::string summary_line(const CheckResult& result) {
  std::string line = "scenario " + result.run.scenario + ": " + std::string(history::verdict_name(result.verdict)) +
                     " (expected " + expectation_text(result.run.expect) + ") " +
                     std::string(status_word(result.status())) + " \u2014 " +
                     std::to_string(result.clients.size()) + " clients, " +
                     std::to_string(result.committed_log.size()) + " messages" + log_source_note(result) + ", " +
                     std::to_string(result.fault_count) + " faults, " + anomaly_counts_text(result);
  return line;
}

std::string anomaly_counts_text(const CheckResult& result) {
  std::string text;
  for (AnomalyKind kind : all_anomaly_kinds) {
    const std::size_t count = result.count(kind);
    if (count == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::string(anomaly_kind_name(kind)) + " " + std::to_string(count);
  }
  return text.empty() ? "no anomalies" : text;
}

std::string failure_text(const CheckResult& result, std::size_t anomalies_per_kind_max) {
  const CheckStatus status = result.status();
  if (status == CheckStatus::passed) return {};

  std::string text = "scenario " + result.run.scenario;
  if (!result.run.file.empty()) text += " (" + result.run.file + ")";
  text += " " + std::string(status_word(status)) + ": verdict " +
          std::string(history::verdict_name(result.verdict)) + ", expected " + expectation_text(result.run.expect) +
          "\n";
  // The cause leads: one line per client, before the symptoms they explain.
  for (const std::string& line : root_cause_lines(result)) text += "  " + line + "\n";
  if (const std::string mismatch = kinds_mismatch_text(result, "\n  "); !mismatch.empty()) {
    text += "  " + mismatch + "\n";
  }
  if (!result.unknown_reason.empty()) text += "  unknown: " + result.unknown_reason + "\n";
  if (!result.server_error_output.empty()) {
    text += "  server output:\n" + server_output_lines(result.server_error_output);
  }
  if (!result.history_note.empty()) text += "  history: " + result.history_note + "\n";
  text += "  seed " + std::to_string(result.run.seed) + ", mode " + result.run.mode + ", delivery " +
          result.run.delivery + ", target " + result.run.target + "\n";
  text += "  committed log: " + std::to_string(result.committed_log.size()) + " messages, " +
          result.committed_log_description + "\n";

  bool any_positions = false;
  for (AnomalyKind kind : all_anomaly_kinds) {
    const std::size_t count = result.count(kind);
    if (count == 0) continue;
    text += "  " + std::string(anomaly_kind_name(kind)) + ": " + std::to_string(count) +
            (makes_run_invalid(kind) ? "" : " (informational)") + "\n";
    std::size_t listed = 0;
    for (const Anomaly& anomaly : result.anomalies) {
      if (anomaly.kind != kind || listed == anomalies_per_kind_max) continue;
      text += anomaly_line(anomaly);
      any_positions = any_positions || !anomaly.positions.empty();
      ++listed;
    }
    if (listed < count) {
      text += "    ... and " + std::to_string(count - listed) + " more " + std::string(anomaly_kind_name(kind)) + "\n";
    }
  }
  if (any_positions) text += "  (positions count from 0 in each client's rendered list since its last reload)\n";

  if (!result.run.replay_sim.empty()) text += "  replay (sim): " + result.run.replay_sim + "\n";
  if (!result.run.replay_live.empty()) text += "  replay (live): " + result.run.replay_live + "\n";
  if (result.run.replay_sim.empty() && result.run.replay_live.empty()) {
    text += "  replay: the history records no replay command\n";
  }
  return text;
}

}  // namespace resync::checker

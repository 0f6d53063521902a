#include "sim/checker/check_history.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <tuple>

#include "sim/checker/log_agreement.hpp"
#include "sim/checker/quoted_text.hpp"
#include "sim/checker/recovery_continuity.hpp"
#include "sim/checker/send_accounting.hpp"
#include "sim/checker/server_exits.hpp"
#include "sim/checker/stored_once.hpp"

namespace resync::checker {
namespace {

// What the run itself said about how it ended.
struct RunEnding {
  const history::ServerFailed* server_failed = nullptr;  // the first one
  const history::RunFinished* run_finished = nullptr;    // the last one
  std::size_t fault_count = 0;
  const history::StorageFaultChanged* storage_fault_refused = nullptr;  // the first one
};

RunEnding find_run_ending(const history::History& history) {
  RunEnding ending;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* failed = event.as<history::ServerFailed>()) {
      if (ending.server_failed == nullptr) ending.server_failed = failed;
    } else if (const auto* finished = event.as<history::RunFinished>()) {
      ending.run_finished = finished;
    } else if (const auto* fault = event.as<history::FaultChanged>()) {
      if (fault->action == "start") ++ending.fault_count;
    } else if (const auto* storage = event.as<history::StorageFaultChanged>()) {
      if (storage->action == "start") ++ending.fault_count;
      if (storage->action == "refused" && ending.storage_fault_refused == nullptr) ending.storage_fault_refused = storage;
    }
  }
  return ending;
}

// Kind, then client in the order of `clients` (run-wide anomalies first), then id. Stable,
// so anomalies without an id (sends) keep the order in which they happened.
void sort_anomalies(std::vector<Anomaly>& anomalies, const std::vector<ClientRendering>& clients) {
  std::map<std::string, std::size_t, std::less<>> client_rank{{"", 0}};
  for (const ClientRendering& client : clients) client_rank.try_emplace(client.client, client_rank.size());
  const auto rank_of = [&](const std::string& client) {
    const auto found = client_rank.find(client);
    return found != client_rank.end() ? found->second : client_rank.size();
  };
  std::stable_sort(anomalies.begin(), anomalies.end(), [&](const Anomaly& left, const Anomaly& right) {
    return std::tuple(left.kind, rank_of(left.client), left.id) < std::tuple(right.kind, rank_of(right.client), right.id);
  });
}

}  // namespace

std::size_t CheckResult::count(AnomalyKind kind) const {
  return static_cast<std::size_t>(
      std::count_if(anomalies.begin(), anomalies.end(), [&](const Anomaly& anomaly) { return anomaly.kind == kind; }));
}

std::vector<std::string> CheckResult::expected_kinds_not_reported(const sim::Expectation& expectation) const {
  std::vector<std::string> missing;
  for (const std::string& name : expectation.anomalies) {
    const std::optional<AnomalyKind> kind = anomaly_kind_from_name(name);
    // An unknown kind name can never be reported, so it is always missing: a typo in a
    // scenario's expectation fails loudly instead of passing silently.
    if (!kind || count(*kind) == 0) missing.push_back(name);
  }
  return missing;
}

std::vector<std::string> CheckResult::unexpected_kinds_reported(const sim::Expectation& expectation) const {
  const auto listed = [](const std::vector<std::string>& kinds, std::string_view kind) {
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  };
  std::vector<std::string> unexpected;
  for (AnomalyKind kind : all_anomaly_kinds) {
    const std::string_view name = anomaly_kind_name(kind);
    if (count(kind) != 0 && !listed(expectation.anomalies, name) && !listed(expectation.allow, name)) {
      unexpected.emplace_back(name);
    }
  }
  return unexpected;
}

bool CheckResult::passes(const sim::Expectation& expectation) const {
  return verdict == expectation.verdict && expected_kinds_not_reported(expectation).empty() &&
         unexpected_kinds_reported(expectation).empty();
}

CheckStatus CheckResult::status(const sim::Expectation& expectation) const {
  if (passes(expectation)) return CheckStatus::passed;
  return verdict == sim::Verdict::unknown ? CheckStatus::unknown : CheckStatus::failed;
}

CheckResult check_history(const history::History& history) {
  CheckResult result;
  result.run = history.run;
  result.history_note = history.truncated_last_line.value_or("");
  result.duration_ms = history.events.empty() ? history.run_started_t_ms : history.events.back().t_ms;

  ResolvedCommittedLog resolved = resolve_committed_log(history);
  result.committed_log = std::move(resolved.messages);
  result.committed_log_origin = resolved.origin;
  result.committed_log_description = resolved.description;
  result.committed_log_label = resolved.label;
  const CommittedLogIndex log(result.committed_log);

  result.clients = collect_client_renderings(history);
  for (const ClientRendering& client : result.clients) {
    std::vector<Anomaly> found = compare_rendering_with_log(client, log, history);
    std::move(found.begin(), found.end(), std::back_inserter(result.anomalies));
  }
  for (std::vector<Anomaly> found : {check_sends(history, log, result.committed_log_origin),
                                     check_recovery_continuity(history, log), check_server_exits(history),
                                     check_catch_up_against_database(history),
                                     check_stored_once(history, result.committed_log)}) {
    std::move(found.begin(), found.end(), std::back_inserter(result.anomalies));
  }

  const RunEnding ending = find_run_ending(history);
  result.fault_count = ending.fault_count;
  if (ending.run_finished != nullptr && !ending.run_finished->converged) {
    result.anomalies.push_back({AnomalyKind::no_convergence, "", std::nullopt, {},
                                ending.run_finished->detail.empty() ? "the run did not converge"
                                                                    : first_line_of(ending.run_finished->detail),
                                result.duration_ms});
  }
  sort_anomalies(result.anomalies, result.clients);
  result.fault_windows = collect_fault_windows(history);
  result.root_causes =
      find_root_causes({result.anomalies, result.clients, result.committed_log, result.fault_windows, history});

  const bool any_invalidating = std::any_of(result.anomalies.begin(), result.anomalies.end(),
                                            [](const Anomaly& anomaly) { return makes_run_invalid(anomaly.kind); });
  if (ending.server_failed != nullptr) {
    result.verdict = sim::Verdict::unknown;
    result.unknown_reason = "the server could not start: " + first_line_of(ending.server_failed->detail);
    result.server_error_output = ending.server_failed->detail;
  } else if (ending.run_finished == nullptr) {
    result.verdict = sim::Verdict::unknown;
    result.unknown_reason = "the history has no run_finished line: the run did not finish (killed or crashed)";
    if (history.truncated_last_line) result.unknown_reason += "; its last line is incomplete";
  } else if (!ending.run_finished->converged && history.run.mode == "live" &&
             result.count(AnomalyKind::server_crashed) == 0) {
    // Live timing is not ours to control: not converging may be a slow machine, not a bug.
    // The simulator owns time, so there it is an anomaly like any other. A server that
    // crashed explains why a live run did not converge, so that run is invalid instead.
    result.verdict = sim::Verdict::unknown;
    result.unknown_reason = "the run did not converge (live mode): " +
                            (ending.run_finished->detail.empty() ? std::string("no detail given")
                                                                 : first_line_of(ending.run_finished->detail));
  } else if (!any_invalidating && !resolved.unavailable.empty()) {
    // The runner could not read a source of the committed log it was promised (the audit
    // failed, or the target's database): what was checked may be a guess, and a guess
    // that finds nothing wrong must not read as valid.
    result.verdict = sim::Verdict::unknown;
    result.unknown_reason = resolved.unavailable + " (the committed log: " + resolved.label + ")";
  } else if (!any_invalidating && ending.storage_fault_refused != nullptr) {
    // A storage-fault scenario whose fault never happened was a plain run: "valid" would
    // claim what it did not test. What it did find wrong (invalid) still stands.
    result.verdict = sim::Verdict::unknown;
    result.unknown_reason = "the storage fault " + ending.storage_fault_refused->kind +
                            " could not be made, so the run did not test it: " +
                            first_line_of(ending.storage_fault_refused->detail);
  } else {
    result.verdict = any_invalidating ? sim::Verdict::invalid : sim::Verdict::valid;
  }
  return result;
}

}  // namespace resync::checker

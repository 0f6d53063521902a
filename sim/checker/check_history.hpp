#pragma once
// The checker: a pure function from a history to a verdict and the anomalies behind it,
// exactly the rules of docs/HISTORY.md ("Verdicts").
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/checker/fault_windows.hpp"
#include "sim/checker/root_cause.hpp"
#include "sim/checker/client_rendering.hpp"
#include "sim/checker/committed_log.hpp"
#include "sim/history/history.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::checker {

enum class CheckStatus {
  passed,   // the verdict and anomalies meet the expectation
  failed,   // a definite verdict that does not meet it
  unknown,  // the verdict is unknown and that was not expected
};

struct CheckResult {
  history::RunStarted run;  // scenario, seed, mode, expectation, replay commands, clients
  sim::Verdict verdict = sim::Verdict::unknown;
  std::string unknown_reason;  // why the verdict is unknown; "" otherwise

  // Sorted by kind (AnomalyKind order), then client (run_started order; run-wide first),
  // then id; sends keep the order in which they happened. Same history, same list.
  std::vector<Anomaly> anomalies;

  // Causes behind the anomalies, earliest first (sim/checker/root_cause.hpp); every invalid
  // anomaly belongs to exactly one cause.
  std::vector<RootCause> root_causes;
  std::vector<FaultWindow> fault_windows;  // every fault of the run (collect_fault_windows)

  std::vector<history::CommittedMessage> committed_log;  // what clients were compared with, by id
  CommittedLogOrigin committed_log_origin = CommittedLogOrigin::database;
  // Where the log came from, for people ("catch-up audit from offset 40", "read from the
  // server's database (compared with a catch-up audit from offset 0)", a failed audit...).
  std::string committed_log_description;
  std::string committed_log_label;  // a few words for the summary line: "catch-up audit from offset 40"
  std::vector<ClientRendering> clients;  // positions in anomalies index into these lists

  std::size_t fault_count = 0;  // `fault` lines with action "start"
  std::int64_t duration_ms = 0;  // t_ms of the last line
  std::string history_note;     // e.g. the truncated last line; "" when none
  std::string server_error_output;  // a `server_failed` line's detail, in full; "" when none

  std::size_t count(AnomalyKind kind) const;
  // docs/HISTORY.md: the verdict equals the expected one, every expected kind was reported,
  // and every reported kind is expected or allowed.
  bool passes(const sim::Expectation& expectation) const;
  bool passes() const { return passes(run.expect); }  // against the expectation the run recorded
  // Expected kinds that were not reported, in the expectation's order.
  std::vector<std::string> expected_kinds_not_reported(const sim::Expectation& expectation) const;
  // Reported kinds that are neither expected nor allowed, in AnomalyKind order.
  std::vector<std::string> unexpected_kinds_reported(const sim::Expectation& expectation) const;
  CheckStatus status(const sim::Expectation& expectation) const;
  CheckStatus status() const { return status(run.expect); }
};

CheckResult check_history(const history::History& history);

}  // namespace resync::checker

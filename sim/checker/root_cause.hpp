#pragma once
// Root causes: the checker groups an anomaly's consequences under the anomaly that caused
// them, so a reader sees one cause per client instead of a thousand symptoms. A block of ids
// rendered after one early id is one reordering with its span; the rows a duplicate shifts
// are that duplicate. Every anomaly stays in CheckResult::anomalies with its exact detail.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/checker/client_rendering.hpp"
#include "sim/checker/fault_windows.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

struct RootCause {
  AnomalyKind kind = AnomalyKind::lost;
  std::string client;                // "" for a run-wide cause (no_convergence, server_crashed)
  std::optional<std::int64_t> id;    // the root anomaly's message id, when it has one
  std::optional<std::int64_t> t_ms;  // when it became visible
  std::size_t anomaly_index = 0;     // the root anomaly in CheckResult::anomalies
  // The anomalies it explains, itself included (indexes into CheckResult::anomalies).
  std::vector<std::size_t> consequence_indexes;
  // The ids its consequences cover, lowest and highest ("ids 101..1074"); nullopt when none.
  std::optional<std::int64_t> span_first_id;
  std::optional<std::int64_t> span_last_id;
  std::string active_fault;  // FaultWindow::description() of the fault active at t_ms; "" none
  // One sentence for people: "bob received ids 101..1074 after 1075: the catch-up
  // interleaved with a live broadcast".
  std::string explanation;

  friend bool operator==(const RootCause&, const RootCause&) = default;
};

// What the finder reads: the checker's sorted anomalies and the lists they index into.
struct RootCauseInputs {
  const std::vector<Anomaly>& anomalies;
  const std::vector<ClientRendering>& clients;  // Anomaly::positions index into these
  const std::vector<history::CommittedMessage>& committed_log;
  const std::vector<FaultWindow>& fault_windows;
  const history::History& history;  // connects and server restarts, for the explanation
};

// The causes behind every invalid anomaly, earliest first (a cause without a time last).
// Groups: the reordered ids rendered after one early id (continuing runs of them merged)
// are one cause, rooted at that early id's duplicate when it has one; duplicates rendered
// again as one consecutive block are one; lost runs of consecutive committed ids are one;
// every other invalid anomaly is its own cause. Informational anomalies (sent_unknown) are
// no cause. Every invalid anomaly is in exactly one cause's consequence_indexes.
std::vector<RootCause> find_root_causes(const RootCauseInputs& inputs);

// "ids 101..1074", or "id 7" when the span is one id; "" when it has none.
std::string span_text(const RootCause& cause);

}  // namespace resync::checker

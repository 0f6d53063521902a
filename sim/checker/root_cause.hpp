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

}  // namespace resync::checker

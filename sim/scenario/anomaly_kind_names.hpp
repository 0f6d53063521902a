#pragma once
// The names of the anomaly kinds the checker reports (docs/HISTORY.md, "Verdicts"), in the
// checker's listing order. Scenario expectations name these kinds, and sim/scenario must not
// depend on sim/checker, so the one list lives here, below both: the scenario loader checks
// `expect` against it, and sim/checker/anomaly.cpp takes every kind's name from it (its
// AnomalyKind enum follows this order; a static_assert there keeps the lengths equal).
#include <array>
#include <string_view>

namespace resync::sim {

inline constexpr std::array<std::string_view, 13> anomaly_kind_names{
    "lost",         "duplicated",   "reordered",       "unexpected",     "altered",        "acknowledged_not_stored",
    "sent_unknown", "recovery_gap", "recovery_repeat", "server_crashed", "no_convergence",
    "catch_up_disagrees_with_database", "stored_twice",
};

// The only kind that does not make a run invalid: a send a fault could have eaten.
inline constexpr std::string_view informational_anomaly_kind = "sent_unknown";

}  // namespace resync::sim

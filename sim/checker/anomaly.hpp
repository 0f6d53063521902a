#pragma once
// What the checker can find wrong with a run (docs/HISTORY.md, "Verdicts").
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace resync::checker {

// Declaration order is the order of every listing (summary, failure text, reports).
enum class AnomalyKind {
  lost,                     // a committed id the client never rendered
  duplicated,               // an id rendered more than once
  reordered,                // an id first rendered after a higher id
  unexpected,               // a rendered id that is not in the committed log
  altered,                  // rendered content differs from the stored content
  acknowledged_not_stored,  // the server acknowledged a send that is not in the committed log
  sent_unknown,             // informational: sent, never acknowledged, not in the log, and a fault could have eaten it
  recovery_gap,             // after a recovered connect, the next event skipped committed ids
  recovery_repeat,          // after a recovered connect, the next event repeated one already received
  server_crashed,           // the server exited when no step asked it to, or wrote a sanitizer report
  no_convergence,           // the run did not converge within its bound
  catch_up_disagrees_with_database,  // the target's catch-up (audit) and its database hold different rows
  stored_twice,             // one send (one client_offset) stored under more than one id
};

inline constexpr std::array all_anomaly_kinds{
    AnomalyKind::lost,       AnomalyKind::duplicated,   AnomalyKind::reordered,
    AnomalyKind::unexpected, AnomalyKind::altered,      AnomalyKind::acknowledged_not_stored,
    AnomalyKind::sent_unknown, AnomalyKind::recovery_gap, AnomalyKind::recovery_repeat,
    AnomalyKind::server_crashed, AnomalyKind::no_convergence, AnomalyKind::catch_up_disagrees_with_database,
    AnomalyKind::stored_twice,
};

std::string_view anomaly_kind_name(AnomalyKind kind);
std::optional<AnomalyKind> anomaly_kind_from_name(std::string_view name);

// sent_unknown is informational: a plain send lost with its transport is the tutorial's
// documented at-most-once behaviour, not a broken promise.
constexpr bool makes_run_invalid(AnomalyKind kind) { return kind != AnomalyKind::sent_unknown; }

struct Anomaly {
  AnomalyKind kind = AnomalyKind::lost;
  std::string client;              // "" for run-wide anomalies (no_convergence)
  std::optional<std::int64_t> id;  // the message id, when the anomaly is about one
  // 0-based indexes into the client's rendered list since its last reload: every rendering
  // of a duplicated id, the first rendering of a reordered one, each offending rendering of
  // an unexpected or altered one. Empty for lost and the global kinds.
  std::vector<std::size_t> positions;
  std::string detail;                // one line for people, e.g. "rendered after id 9 (position 4)"
  std::optional<std::int64_t> t_ms;  // when it became visible (first offending line), if known

  friend bool operator==(const Anomaly&, const Anomaly&) = default;
};

}  // namespace resync::checker

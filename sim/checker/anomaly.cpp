#include "sim/checker/anomaly.hpp"

namespace resync::checker {

std::string_view anomaly_kind_name(AnomalyKind kind) {
  switch (kind) {
    case AnomalyKind::lost:
      return "lost";
    case AnomalyKind::duplicated:
      return "duplicated";
    case AnomalyKind::reordered:
      return "reordered";
    case AnomalyKind::unexpected:
      return "unexpected";
    case AnomalyKind::altered:
      return "altered";
    case AnomalyKind::acknowledged_not_stored:
      return "acknowledged_not_stored";
    case AnomalyKind::sent_unknown:
      return "sent_unknown";
    case AnomalyKind::recovery_gap:
      return "recovery_gap";
    case AnomalyKind::recovery_repeat:
      return "recovery_repeat";
    case AnomalyKind::server_crashed:
      return "server_crashed";
    case AnomalyKind::no_convergence:
      return "no_convergence";
  }
  return "unknown_anomaly_kind";
}

std::optional<AnomalyKind> anomaly_kind_from_name(std::string_view name) {
  for (AnomalyKind kind : all_anomaly_kinds) {
    if (anomaly_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace resync::checker

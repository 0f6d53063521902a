#include "sim/checker/anomaly.hpp"

#include <cstddef>

#include "sim/scenario/anomaly_kind_names.hpp"

namespace resync::checker {
namespace {

// The names come from the list scenario expectations are checked against; the enum and
// that list must line up one to one.
static_assert(all_anomaly_kinds.size() == sim::anomaly_kind_names.size());

constexpr bool kinds_are_in_declaration_order() {
  for (std::size_t index = 0; index < all_anomaly_kinds.size(); ++index) {
    if (static_cast<std::size_t>(all_anomaly_kinds[index]) != index) return false;
  }
  return true;
}
static_assert(kinds_are_in_declaration_order());
static_assert(sim::anomaly_kind_names[static_cast<std::size_t>(AnomalyKind::sent_unknown)] ==
              sim::informational_anomaly_kind);

}  // namespace

std::string_view anomaly_kind_name(AnomalyKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < sim::anomaly_kind_names.size() ? sim::anomaly_kind_names[index] : "unknown_anomaly_kind";
}

std::optional<AnomalyKind> anomaly_kind_from_name(std::string_view name) {
  for (AnomalyKind kind : all_anomaly_kinds) {
    if (anomaly_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace resync::checker

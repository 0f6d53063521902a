#pragma once
// The names of the storage faults: the timeline step's key in a scenario file and the
// `kind` of a history's `storage_fault` line are the same word.
#include <array>
#include <optional>
#include <string_view>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

inline constexpr std::array<StorageFaultKind, 3> kStorageFaultKinds = {
    StorageFaultKind::lock_database, StorageFaultKind::read_only, StorageFaultKind::full};

constexpr std::string_view storage_fault_name(StorageFaultKind kind) {
  switch (kind) {
    case StorageFaultKind::lock_database: return "lock_database";
    case StorageFaultKind::read_only: return "storage_read_only";
    case StorageFaultKind::full: return "storage_full";
  }
  return "lock_database";
}

constexpr std::optional<StorageFaultKind> storage_fault_kind_named(std::string_view name) {
  for (StorageFaultKind kind : kStorageFaultKinds) {
    if (storage_fault_name(kind) == name) return kind;
  }
  return std::nullopt;
}

}  // namespace resync::sim

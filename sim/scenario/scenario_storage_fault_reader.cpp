// {"lock_database" | "storage_read_only" | "storage_full": {"duration_ms": N}}: a window in
// which the server's database refuses writes (docs/SCENARIOS.md, "Storage faults").
#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"
#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim::scenario_parts {

std::optional<StorageFaultStep> read_storage_fault(StorageFaultKind kind, const nlohmann::json& value,
                                                   const std::string& path, std::int64_t at_ms, ScenarioErrors& errors) {
  const std::string example = "write e.g. {\"duration_ms\": 1500}";
  scenario_json::ObjectReader reader(value, path, errors, "a " + std::string(storage_fault_name(kind)) + " action",
                                     example);
  if (!reader.is_object()) return std::nullopt;
  const std::size_t errors_before = errors.count();
  StorageFaultStep step;
  step.kind = kind;
  reader.required("duration_ms", "how long the fault lasts, in milliseconds", "add \"duration_ms\": 1500");
  if (auto duration = reader.integer("duration_ms", {1, scenario_bounds::kDurationMsMax, "milliseconds"})) {
    step.duration_ms = *duration;
  }
  reader.reject_unknown_keys();
  if (errors.count() != errors_before) return std::nullopt;
  if (at_ms + step.duration_ms > scenario_bounds::kTimelineMsMax) {
    errors.add(reader.path_of("duration_ms"),
               std::to_string(step.duration_ms) + " ms from " + std::to_string(at_ms) + " ms, ending at " +
                   std::to_string(at_ms + step.duration_ms) + " ms",
               "a fault that ends within " + std::to_string(scenario_bounds::kTimelineMsMax) + " ms (10 minutes)",
               "shorten duration_ms or start the fault earlier");
    return std::nullopt;
  }
  return step;
}

}  // namespace resync::sim::scenario_parts

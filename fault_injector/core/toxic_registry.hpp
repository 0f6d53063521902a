#pragma once
// Toxic types by their snake_case name (the `type` field of the Toxiproxy API).
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fault_injector/core/result.hpp"
#include "fault_injector/core/toxic.hpp"

namespace resync::fault_injector {

// Where a new toxic instance sits and how it draws randomness.
struct ToxicPlacement {
  std::uint64_t seed = 0;                      // feeds the toxic's own PRNG
  std::array<bool, 2> in_direction{false, true};  // indexed by index_of(Direction)
  bool in(Direction direction) const { return in_direction[index_of(direction)]; }
};

struct ToxicType {
  std::string_view name;
  // Checks a JSON object of attributes and returns it complete (defaults filled in), or a
  // 400 error naming the offending attribute. Unknown attributes are ignored, as Toxiproxy does.
  Result<nlohmann::json> (*normalize_attributes)(const nlohmann::json& attributes);
  // A fresh per-connection state for already-normalized attributes.
  std::shared_ptr<Toxic> (*create)(const nlohmann::json& normalized_attributes, const ToxicPlacement& placement);
};

const ToxicType* find_toxic_type(std::string_view name);
const std::vector<ToxicType>& all_toxic_types();

}  // namespace resync::fault_injector

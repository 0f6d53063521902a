#pragma once
// Reads toxic attributes from untrusted JSON. Toxiproxy decodes attributes into Go int64
// fields, so anything but an integer is a bad request; unlike Toxiproxy, negative values
// are refused too (they mean nothing for a delay, a rate or a byte count).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fault_injector/core/result.hpp"

namespace resync::fault_injector {

// Large enough for any sane delay (ms) or size, small enough that converting to
// microseconds or nanoseconds can never overflow an int64.
inline constexpr std::int64_t attribute_value_max = std::int64_t{1} << 40;

class AttributeReader {
 public:
  explicit AttributeReader(const nlohmann::json& attributes);

  // The attribute, or `default_value` when absent; records an error when it is present but
  // not an integer in [0, attribute_value_max].
  std::int64_t non_negative_integer(const char* key, std::int64_t default_value);

  // The normalized attributes so far, or the first error met.
  Result<nlohmann::json> finish() const;

 private:
  const nlohmann::json& attributes_;
  nlohmann::json normalized_ = nlohmann::json::object();
  std::optional<ApiError> error_;
};

}  // namespace resync::fault_injector

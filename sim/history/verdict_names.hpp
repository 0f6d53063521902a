#pragma once
// The spelling of verdicts in histories, scenario files and output: "valid", "invalid", "unknown".
#include <optional>
#include <string_view>

#include "sim/scenario/scenario.hpp"

namespace resync::history {

constexpr std::string_view verdict_name(sim::Verdict verdict) {
  switch (verdict) {
    case sim::Verdict::valid:
      return "valid";
    case sim::Verdict::invalid:
      return "invalid";
    case sim::Verdict::unknown:
      return "unknown";
  }
  return "unknown";
}

constexpr std::optional<sim::Verdict> verdict_from_name(std::string_view name) {
  if (name == "valid") return sim::Verdict::valid;
  if (name == "invalid") return sim::Verdict::invalid;
  if (name == "unknown") return sim::Verdict::unknown;
  return std::nullopt;
}

}  // namespace resync::history

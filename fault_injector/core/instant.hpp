#pragma once
// Time and direction as the pure fault-injection core sees them.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace resync::fault_injector {

// Microseconds since an epoch chosen by whoever drives the core: the proxy's start for the
// TCP shell, zero for the step-4 simulator. Nothing in the core reads a clock; time only
// arrives as an argument, so the same code runs on real and on virtual time.
using Instant = std::chrono::microseconds;

// Upstream is client -> server, downstream is server -> client (Toxiproxy's naming).
enum class Direction : std::uint8_t { upstream = 0, downstream = 1 };
inline constexpr Direction kBothDirections[] = {Direction::upstream, Direction::downstream};

constexpr std::size_t index_of(Direction direction) { return static_cast<std::size_t>(direction); }
constexpr Direction opposite(Direction direction) {
  return direction == Direction::upstream ? Direction::downstream : Direction::upstream;
}
constexpr std::string_view direction_name(Direction direction) {
  return direction == Direction::upstream ? "upstream" : "downstream";
}
inline std::optional<Direction> parse_direction(std::string_view text) {
  if (text == "upstream") return Direction::upstream;
  if (text == "downstream") return Direction::downstream;
  return std::nullopt;
}

}  // namespace resync::fault_injector

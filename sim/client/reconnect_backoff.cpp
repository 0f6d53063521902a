#include "sim/client/reconnect_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace resync::sim {
namespace {

// Past 2^40 every delay is clamped to the maximum anyway; the cap keeps pow() finite.
constexpr int exponent_max = 40;

}  // namespace

std::int64_t ReconnectBackoff::next_delay_ms(SeededRandom& random) {
  const int exponent = std::min(attempts_++, exponent_max);
  double delay = static_cast<double>(delay_ms_) * std::pow(2.0, exponent);
  if (randomization_factor_ > 0) {
    const double rand = random.uniform_unit();
    const double deviation = std::floor(rand * randomization_factor_ * delay);
    delay = (static_cast<std::int64_t>(std::floor(rand * 10)) & 1) == 0 ? delay - deviation : delay + deviation;
  }
  return static_cast<std::int64_t>(std::min(delay, static_cast<double>(delay_ms_max_)));
}

}  // namespace resync::sim

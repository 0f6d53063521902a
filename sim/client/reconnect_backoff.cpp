#include "sim/client/reconnect_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace resync::sim {

std::int64_t ReconnectBackoff::next_delay_ms(SeededRandom& random) {
  // Cap the exponent: past 2^40 every delay is clamped to the maximum anyway.
  const int exponent = std::min(attempts_++, 40);
  double delay = static_cast<double>(delay_ms_) * std::pow(2.0, exponent);
  if (randomization_factor_ > 0) {
    const double rand = random.uniform_unit();
    const double deviation = std::floor(rand * randomization_factor_ * delay);
    delay = (static_cast<std::int64_t>(std::floor(rand * 10)) & 1) == 0 ? delay - deviation : delay + deviation;
  }
  return static_cast<std::int64_t>(std::min(delay, static_cast<double>(delay_max_ms_)));
}

}  // namespace resync::sim

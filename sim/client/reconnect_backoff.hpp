#pragma once
// socket.io-client's reconnection backoff (the `backo2` algorithm it ships), with the
// randomness drawn from the client's seeded generator instead of Math.random().
#include <cstdint>

#include "common/portable_random.hpp"

namespace resync::sim {

class ReconnectBackoff {
 public:
  ReconnectBackoff(std::int64_t delay_ms, std::int64_t delay_ms_max, double randomization_factor)
      : delay_ms_(delay_ms), delay_ms_max_(delay_ms_max), randomization_factor_(randomization_factor) {}

  // The delay before the next attempt; each call counts one more attempt.
  std::int64_t next_delay_ms(SeededRandom& random);
  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  std::int64_t delay_ms_;
  std::int64_t delay_ms_max_;
  double randomization_factor_;
  int attempts_ = 0;
};

}  // namespace resync::sim

#pragma once
// The only place the proxy reads time: the steady clock, as Instants since the proxy started.
#include <chrono>

#include "fault_injector/core/instant.hpp"

namespace resync::fault_injector {

class MonotonicClock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  Instant now() const { return std::chrono::duration_cast<Instant>(std::chrono::steady_clock::now() - epoch_); }
  TimePoint to_time_point(Instant instant) const { return epoch_ + instant; }

 private:
  TimePoint epoch_ = std::chrono::steady_clock::now();
};

}  // namespace resync::fault_injector

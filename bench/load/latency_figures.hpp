#pragma once
// The latency figures every delivery-measuring mode prints: p50, p99 and the largest of the
// send-to-receive latencies it collected (nothing when it collected none).
#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

namespace resync::bench {

inline void add_latency_figures(nlohmann::json& figures, std::vector<double>& latencies_ms) {
  if (latencies_ms.empty()) return;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto at = [&](double fraction) {
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<std::size_t>(fraction * static_cast<double>(latencies_ms.size())))];
  };
  figures["p50_ms"] = at(0.5);
  figures["p99_ms"] = at(0.99);
  figures["max_ms"] = latencies_ms.back();
}

}  // namespace resync::bench

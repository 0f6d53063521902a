#pragma once
// What a check found, reduced to what most tests compare: the anomalies' kinds.
#include <set>
#include <string>
#include <vector>

#include "sim/checker/check_history.hpp"

namespace resync::checker::testing {

// In the checker's order.
inline std::vector<AnomalyKind> kinds_of(const CheckResult& result) {
  std::vector<AnomalyKind> kinds;
  for (const Anomaly& anomaly : result.anomalies) kinds.push_back(anomaly.kind);
  return kinds;
}

inline std::set<AnomalyKind> kind_set_of(const CheckResult& result) {
  const std::vector<AnomalyKind> kinds = kinds_of(result);
  return {kinds.begin(), kinds.end()};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace resync::checker::testing

#pragma once
// The four figures a soak run reports for one history: how many sends the server
// acknowledged, how many rows it stored, how many acknowledged sends are missing from what
// it stored, and how many messages it stored more than once. The anomalies say the same in
// detail; these are counts for a line a script can print and compare.
#include <cstddef>
#include <string>

#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

struct DeliveryFigures {
  std::size_t acked = 0;  // distinct sends acknowledged (by client_offset, else by client and content)
  std::size_t stored = 0;  // rows in the committed log the checker judged against
  std::size_t lost = 0;    // acknowledged sends not in that log (acknowledged_not_stored)
  // Rows whose content an earlier row already had: one message stored twice (a retry the
  // server took for a new message). Every harness client numbers its messages, so two
  // rows with one content are one message.
  std::size_t duplicated = 0;
};

// `result` is check_history(history): its committed log is the one the figures count.
DeliveryFigures delivery_figures(const history::History& history, const CheckResult& result);

// "figures PATH: acked 1200, stored 1210, lost 0, duplicated 0" (no newline).
std::string delivery_figures_line(const std::string& history_path, const DeliveryFigures& figures);

}  // namespace resync::checker

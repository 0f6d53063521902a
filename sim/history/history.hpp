#pragma once
// A whole history, as read from a file: the run_started line and every line after it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/history/history_event.hpp"

namespace resync::history {

struct History {
  std::string source;  // the file it was read from (or a stream's name), for messages
  RunStarted run;
  std::int64_t run_started_t_ms = 0;
  std::vector<HistoryEvent> events;  // every line after run_started, in file order
  // Set when the last line was cut off (the run was killed while writing it). The line is
  // ignored; the text says where, e.g. "runs/a.jsonl:57: last line is incomplete ...".
  std::optional<std::string> truncated_last_line;
};

}  // namespace resync::history

#pragma once
// Reads a history file (docs/HISTORY.md). A history is operating input, not a programmer's
// promise: a bad line becomes an error naming file:line and what was expected, never an
// exception or a crash. A cut-off last line (the run was killed while writing it) is not an
// error: it is dropped and reported in History::truncated_last_line.
#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "sim/history/history.hpp"

namespace resync::history {

struct HistoryReadError {
  std::string source;
  std::size_t line_number = 0;  // 0 when the problem is not about one line
  std::string message;

  // "SOURCE:LINE: MESSAGE" (or "SOURCE: MESSAGE").
  std::string to_string() const;
};

struct HistoryReadResult {
  std::optional<History> history;        // set when every line was readable
  std::vector<HistoryReadError> errors;  // otherwise why not, in line order

  bool ok() const { return history.has_value(); }
  // Every error on its own line.
  std::string error_text() const;
};

// Reading goes on after a bad line so that one run reports several problems; beyond this
// many, the remaining ones are only counted.
inline constexpr std::size_t history_read_errors_max = 20;

// `source_name` names the stream in messages (e.g. the file path).
HistoryReadResult parse_history(std::istream& input, const std::string& source_name = "<stream>");
// The same for a history held in memory (a simulated run, a test's hand-written lines).
HistoryReadResult parse_history_text(const std::string& text, const std::string& source_name = "<text>");
HistoryReadResult read_history(const std::filesystem::path& path);

}  // namespace resync::history

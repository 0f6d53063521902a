#pragma once
// Appends history lines (docs/HISTORY.md) to a stream or file, one JSON object per line.
// By default every line is flushed as it is written: when the harness itself is killed,
// the history up to that moment is on disk and the checker reports a truncated run instead
// of finding nothing. One writer per run; not thread-safe (the runner serializes writes).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/history/history.hpp"
#include "sim/history/history_event.hpp"

namespace resync::history {

class HistoryWriter {
 public:
  enum class Flush {
    every_line,  // survives a crash of the harness (the default)
    when_done,   // fewer syscalls for very long simulated runs; lines may be lost on a crash
  };

  // Writes to `output`, which must outlive the writer.
  explicit HistoryWriter(std::ostream& output, Flush flush = Flush::every_line);

  // Creates (or truncates) the file at `path`. On failure returns nullopt and sets `error` to
  // "PATH: reason".
  static std::optional<HistoryWriter> create_file(const std::filesystem::path& path, std::string& error,
                                                  Flush flush = Flush::every_line);

  HistoryWriter(HistoryWriter&& other) noexcept;
  HistoryWriter& operator=(HistoryWriter&& other) noexcept;
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;
  ~HistoryWriter();  // flushes (Flush::when_done relies on it)

  void write_run_started(std::int64_t t_ms, const RunStarted& run);
  void write(const HistoryEvent& event);
  void write(std::int64_t t_ms, EventPayload payload);

  // False once a write failed (disk full, closed pipe). Writing on is harmless; the runner
  // should report the history as incomplete.
  bool good() const;

 private:
  HistoryWriter(std::unique_ptr<std::ofstream> file, Flush flush);
  void write_line(const std::string& line);

  std::unique_ptr<std::ofstream> owned_file_;  // set when the writer opened the file itself
  std::ostream* output_;  // null once moved from
  Flush flush_;
};

// A whole history as text: run_started at t_ms 0, then the events. For tests and tools
// that build a history in memory.
std::string history_text(const RunStarted& run, const std::vector<HistoryEvent>& events);
// A history built in memory (a simulated run) as the text a file of it holds.
std::string history_text(const History& history);
// One line without its newline: what HistoryWriter writes for `event`.
std::string history_line(const HistoryEvent& event);

}  // namespace resync::history

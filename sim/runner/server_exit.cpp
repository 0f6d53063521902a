#include "sim/runner/server_exit.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace resync::sim {

namespace {

// What each sanitizer writes first in a report (ASan "==pid==ERROR: AddressSanitizer: ...",
// UBSan "file:line:col: runtime error: ...", LSan "==pid==ERROR: LeakSanitizer: ...").
constexpr std::array<std::string_view, 3> sanitizer_report_markers{"ERROR: AddressSanitizer", "runtime error:",
                                                                   "LeakSanitizer"};
constexpr std::size_t longest_marker_bytes = 23;  // "ERROR: AddressSanitizer"
// Stderr is read in pieces of this size; a marker cut by a piece boundary is found because
// the next piece starts with the last longest_marker_bytes - 1 bytes of this one.
constexpr std::size_t stderr_read_bytes = 64 * 1024;

}  // namespace

void read_wait_status(int wait_status, ServerExit& exit) {
  if (WIFEXITED(wait_status)) exit.exit_status = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) exit.exit_signal = WTERMSIG(wait_status);
}

std::string describe_exit(const ServerExit& exit) {
  std::string text = exit.exit_signal ? "killed by " + signal_name(*exit.exit_signal)
                     : exit.exit_status ? "exit status " + std::to_string(*exit.exit_status)
                                        : std::string("an unknown end");
  if (exit.escalated) text += ", SIGKILLed after it ignored SIGTERM";
  if (exit.sanitizer_report) text += ", after a sanitizer report";
  return text;
}

std::string signal_name(int signal) {
  if (const char* abbreviation = ::sigabbrev_np(signal)) return std::string("SIG") + abbreviation;
  return "signal " + std::to_string(signal);
}

bool contains_sanitizer_report(std::string_view text) {
  for (const std::string_view marker : sanitizer_report_markers) {
    if (text.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

std::uint64_t file_size_or_zero(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::uint64_t>(size);
}

StderrScan scan_stderr(const std::string& path, std::uint64_t from_offset, std::size_t tail_bytes_max) {
  StderrScan scan;
  std::ifstream file(path, std::ios::binary);
  if (!file) return scan;
  file.seekg(static_cast<std::streamoff>(from_offset));
  std::string window;               // the end of the previous piece, then the current piece
  std::uint64_t window_start = 0;   // where the window starts, counted from from_offset
  std::uint64_t report_head_end = 0;  // where report_head stops, counted from from_offset
  bool cut = false;
  std::array<char, stderr_read_bytes> piece;
  while (file.read(piece.data(), piece.size()) || file.gcount() > 0) {
    window.append(piece.data(), static_cast<std::size_t>(file.gcount()));
    if (!scan.sanitizer_report) {
      std::size_t first = std::string_view::npos;
      for (const std::string_view marker : sanitizer_report_markers) first = std::min(first, window.find(marker));
      if (first != std::string_view::npos) {
        scan.sanitizer_report = true;
        const std::size_t line_start = window.rfind('\n', first);
        report_head_end = window_start + (line_start == std::string::npos ? 0 : line_start + 1);
      }
    }
    // The report's first lines may go on in the next pieces.
    if (scan.sanitizer_report && scan.report_head.size() < report_head_bytes_max && report_head_end >= window_start) {
      const std::size_t from = static_cast<std::size_t>(report_head_end - window_start);
      if (from < window.size()) {
        const std::string more = window.substr(from, report_head_bytes_max - scan.report_head.size());
        scan.report_head += more;
        report_head_end += more.size();
      }
    }
    const std::size_t keep = std::max(tail_bytes_max, longest_marker_bytes - 1);
    if (window.size() > keep) {
      window_start += window.size() - keep;
      window.erase(0, window.size() - keep);
      cut = true;
    }
  }
  if (window.size() > tail_bytes_max) {
    window.erase(0, window.size() - tail_bytes_max);
    cut = true;
  }
  if (cut && window.size() >= 3) window.replace(0, 3, "...");
  scan.tail = std::move(window);
  return scan;
}

std::string exit_detail(const ServerExit& exit) {
  constexpr std::string_view gap = "\n...\n";
  if (exit.report_head.empty() || exit.stderr_tail.find(exit.report_head) != std::string::npos) return exit.stderr_tail;
  const std::size_t head_bytes = std::min(exit.report_head.size(), server_stderr_tail_bytes_max / 2);
  const std::size_t tail_bytes = server_stderr_tail_bytes_max - head_bytes - gap.size();
  const std::string& tail = exit.stderr_tail;
  return exit.report_head.substr(0, head_bytes) + std::string(gap) +
         (tail.size() > tail_bytes ? tail.substr(tail.size() - tail_bytes) : tail);
}

}  // namespace resync::sim

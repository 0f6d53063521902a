#include "sim/checker/server_exits.hpp"

#include <string_view>

#include "sim/checker/quoted_text.hpp"

namespace resync::checker {
namespace {

std::string how_it_ended(const history::ServerStopped& stopped) {
  if (!stopped.exit_signal.empty()) return "killed by " + stopped.exit_signal;
  if (stopped.exit_status) return "exit status " + std::to_string(*stopped.exit_status);
  return "no exit status recorded";
}

// The last few non-empty lines of the server's stderr tail, escaped, joined with " | ".
std::string last_stderr_lines(std::string_view tail) {
  std::vector<std::string_view> lines;
  while (!tail.empty()) {
    const std::size_t newline = tail.find('\n');
    std::string_view line = tail.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      if (lines.size() == server_crash_stderr_lines_max) lines.erase(lines.begin());
      lines.push_back(line);
    }
    tail = newline == std::string_view::npos ? std::string_view() : tail.substr(newline + 1);
  }
  std::string text;
  for (std::string_view line : lines) text += (text.empty() ? "" : " | ") + first_line_of(line);
  return text;
}

}  // namespace

std::optional<std::string> why_server_stop_is_a_crash(const history::ServerStopped& stopped) {
  const std::string ended = " (" + how_it_ended(stopped) + ")";
  if (!stopped.requested) return "it exited although nothing asked it to" + ended;
  if (stopped.sanitizer_report) return "it wrote a sanitizer report" + ended;
  if (stopped.escalated) return "it ignored SIGTERM for the grace period and was SIGKILLed";
  // A line with no exit information at all (the simulator's, or a history older than these
  // fields) says nothing against the server: only a recorded exit is judged.
  const bool exit_recorded = stopped.exit_status.has_value() || !stopped.exit_signal.empty();
  if (stopped.signal == "SIGTERM" && exit_recorded && stopped.exit_status != 0 && stopped.exit_signal != "SIGTERM") {
    return "it did not exit cleanly after SIGTERM" + ended;
  }
  if (stopped.signal == "SIGKILL" && !stopped.exit_signal.empty() && stopped.exit_signal != "SIGKILL") {
    return "it died of something other than the SIGKILL it was sent" + ended;
  }
  return std::nullopt;
}

std::vector<Anomaly> check_server_exits(const history::History& history) {
  std::vector<Anomaly> anomalies;
  for (const history::HistoryEvent& event : history.events) {
    const auto* stopped = event.as<history::ServerStopped>();
    if (stopped == nullptr) continue;
    const std::optional<std::string> why = why_server_stop_is_a_crash(*stopped);
    if (!why) continue;
    std::string detail = "server incarnation " + std::to_string(stopped->incarnation) + ": " + *why;
    if (!stopped->detail.empty()) detail += "; stderr: " + last_stderr_lines(stopped->detail);
    anomalies.push_back({AnomalyKind::server_crashed, "", std::nullopt, {}, std::move(detail), event.t_ms});
  }
  return anomalies;
}

}  // namespace resync::checker

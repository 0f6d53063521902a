#pragma once
// How one incarnation of the server under test ended: what waitpid said, whether it wrote
// a sanitizer report, and the end of what it wrote to stderr. The runner records this in
// its server_stopped line (docs/HISTORY.md); the checker decides what counts as a crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace resync::sim {

// The `detail` of a server_stopped line holds at most this much of the server's stderr.
inline constexpr std::size_t server_stderr_tail_bytes_max = 2000;

struct ServerExit {
  std::optional<int> exit_status;  // set when it exited by itself (exit(), return from main)
  std::optional<int> exit_signal;  // set when a signal ended it
  bool sanitizer_report = false;   // AddressSanitizer, UndefinedBehaviorSanitizer or LeakSanitizer wrote a report
  bool escalated = false;          // it outlived the grace after SIGTERM and was SIGKILLed
  std::string stderr_tail;         // the end of this incarnation's stderr
  std::string report_head;         // the first lines of its sanitizer report, when there is one
};

// What the server_stopped line quotes when the exit was not as asked: the beginning of a
// sanitizer report (what went wrong, and where) and the end of stderr (how it ended), at
// most server_stderr_tail_bytes_max together; without a report, the end of stderr alone.
std::string exit_detail(const ServerExit& exit);

// Fills exit_status or exit_signal from a waitpid() status.
void read_wait_status(int wait_status, ServerExit& exit);
// "exit status 3", "killed by SIGSEGV", with ", after a sanitizer report" when there was one.
std::string describe_exit(const ServerExit& exit);
// "SIGSEGV" for SIGSEGV; "signal 64" for a number without a name.
std::string signal_name(int signal);
// True when `text` holds one of the lines the sanitizers start their reports with.
bool contains_sanitizer_report(std::string_view text);

struct StderrScan {
  bool sanitizer_report = false;
  std::string report_head;  // from the start of the line of the first report, at most report_head_bytes_max
  std::string tail;         // at most tail_bytes_max bytes, "..." first when cut
};
inline constexpr std::size_t report_head_bytes_max = 1000;
// Reads `path` from byte `from_offset` to its end (one incarnation's part of a stderr file
// that several incarnations append to), looking for a sanitizer report and keeping the tail.
StderrScan scan_stderr(const std::string& path, std::uint64_t from_offset, std::size_t tail_bytes_max);
// The size of the file now (0 when it does not exist): where the next incarnation starts.
std::uint64_t file_size_or_zero(const std::string& path);

}  // namespace resync::sim

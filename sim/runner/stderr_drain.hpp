#pragma once
// A server child's stderr as a pipe that a thread of the runner copies into the stderr file.
// The child must not write a regular file for its log: a storage fault limits the child's
// file size (RLIMIT_FSIZE), which would make its log writes fail exactly when it has
// something to say ("insert failed ..."). A pipe is not limited. POSIX only; no Asio.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace resync::sim {

inline constexpr std::size_t stderr_line_bytes_max = 8192;

class StderrDrain {
 public:
  // Called on the drain's own thread with every line (without its newline) as it arrives;
  // a last line without a newline comes at the end, a line longer than
  // stderr_line_bytes_max in pieces of that size.
  using LineHandler = std::function<void(std::string line)>;

  // Opens the pipe and starts copying into `path` (appending), handing each line to
  // `on_line` too when it is set. nullptr with `error` set when the pipe or the thread
  // cannot be made.
  static std::unique_ptr<StderrDrain> start(const std::string& path, std::string& error, LineHandler on_line = {});
  ~StderrDrain();
  StderrDrain(const StderrDrain&) = delete;
  StderrDrain& operator=(const StderrDrain&) = delete;

  // The end the child writes to (dup2 it onto its stderr); close_write_end() once spawned.
  int write_fd() const { return write_fd_; }
  void close_write_end();
  // Waits until every writer closed the pipe and its bytes are in the file, at most
  // `wait_ms_max` (a descendant of the child that outlives it may hold the pipe open).
  // True when the file is complete.
  bool finish(std::int64_t wait_ms_max);

  struct Shared;

 private:
  StderrDrain() = default;
  std::shared_ptr<Shared> shared_;
  int write_fd_ = -1;
};

}  // namespace resync::sim

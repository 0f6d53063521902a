#pragma once
// Starts, kills and restarts the server under test as a child process: the embedded
// `resync serve` (this same executable) or an external command (`--target-cmd`, with PORT
// in its environment). POSIX only; no Asio, so the runner's shell stays thin.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/runner/server_exit.hpp"

namespace resync::sim {

class StderrDrain;

struct ServerLaunch {
  // Either argv of `resync serve ...` (the port is appended as `--port N`) or a shell command.
  std::vector<std::string> serve_arguments;
  std::string shell_command;
  // The child's stderr (and a shell command's stdout) goes here, through a pipe the runner
  // copies (sim/runner/stderr_drain.hpp), kept for error messages.
  std::string stderr_path;
  // A shell command also gets this as RESYNC_RUN_DIR: its scenario's own directory for its
  // database, so scenarios do not see each other's rows ("" = not set).
  std::string run_directory;
  // A shell command's further variables, NAME=value (a cluster node's NODE_INDEX and
  // REDIS_URL); they replace inherited ones of the same name.
  std::vector<std::string> extra_environment = {};
  std::int64_t start_timeout_ms = 10000;
  // Every line the server writes to stderr (not a shell command's), with the incarnation
  // that wrote it. Called on the stderr copy's own thread, never on the caller's.
  std::function<void(int incarnation, std::string line)> on_stderr_line;
};

class ServerProcess {
 public:
  explicit ServerProcess(ServerLaunch launch);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts the server on `port` (0 = let the embedded server pick one) and waits until it
  // accepts connections. On failure returns an error that includes the server's own output.
  std::optional<std::string> start(std::uint16_t port = 0);
  // Sends `signal` (SIGKILL, SIGTERM) and reaps the child, blocking until it has exited
  // (SIGKILL after 10 s). For the end of a run; during one, use signal() and try_reap().
  void stop(int signal);
  // Blocks until the child, already signalled, has exited (SIGKILL after 10 s). Signalling
  // again would be wrong: a second SIGTERM can land after the server restored the default
  // action on its way out and turn its exit 0 into a death by SIGTERM.
  void wait_for_exit();
  // Sends `signal` to the server (its whole process group for a shell command); no wait.
  void signal(int signal);
  // SIGKILL for a server that outlived its grace after SIGTERM; its exit says `escalated`.
  void escalate();
  // Reaps the child if it has exited: true then (and running() turns false, and
  // last_exit() tells how it ended).
  bool try_reap();
  // How the most recently reaped incarnation ended (nothing before the first exit).
  const std::optional<ServerExit>& last_exit() const { return last_exit_; }
  bool running() const { return pid_ > 0; }
  // True (and reaps it) when the child has exited by itself.
  bool exited_unexpectedly();
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // A shell command runs in a process group of its own (led by pid()); the embedded server does not.
  bool leads_process_group() const { return !launch_.shell_command.empty(); }
  int incarnation() const { return incarnation_; }
  // The last lines the server wrote to stderr.
  std::string stderr_tail(std::size_t max_bytes = 4000) const;

 private:
  std::optional<std::string> start_embedded(std::uint16_t port);
  std::optional<std::string> start_shell_command(std::uint16_t port);
  std::optional<std::string> failure(const std::string& what);
  void close_stdout_pipe();
  // Waits (bounded) until the stderr copy has everything the exited child wrote.
  void finish_stderr();
  // After the child was reaped with `wait_status`: records how it ended.
  void forget_child(int wait_status);

  ServerLaunch launch_;
  pid_t pid_ = -1;
  int stdout_read_fd_ = -1;
  std::unique_ptr<StderrDrain> stderr_drain_;
  std::uint16_t port_ = 0;
  int incarnation_ = 0;
  // Where this incarnation's output starts in the stderr file every incarnation appends to.
  std::uint64_t stderr_offset_ = 0;
  bool escalated_ = false;
  std::optional<ServerExit> last_exit_;
};

// The path of the running executable (so the runner can start `resync serve`).
std::string current_executable_path();
// Asks the kernel for a free TCP port on 127.0.0.1 (bind to port 0, read it, close).
std::uint16_t pick_free_port();
// True when something accepts a TCP connection on 127.0.0.1:port.
bool port_accepts_connections(std::uint16_t port);

}  // namespace resync::sim
